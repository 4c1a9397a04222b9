// Preloaded into a check-real step where /usr/bin/time is absent: writes the process's peak RSS (kB) at exit.
import fs from 'node:fs';
process.on('exit', () => {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (m && process.env.CHECK_REAL_RSS_FILE) fs.writeFileSync(process.env.CHECK_REAL_RSS_FILE, m[1]);
});
