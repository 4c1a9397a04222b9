/**
 * `npm run bench`: every bench file in bench/ (not index.ts, not bench/lib/), one after another,
 * each in its own Node process (fresh tfjs state and backend). `--only a,b` runs bench/a.ts and
 * bench/b.ts alone; other arguments are passed through.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const at = argv.indexOf('--only');
const only =
  at >= 0
    ? new Set(
        argv
          .splice(at, 2)[1]
          ?.split(',')
          .map((s) => s.replace(/\.ts$/, '')),
      )
    : undefined;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('.'))
  .filter((f) => !only || only.has(f.replace(/\.ts$/, '')))
  .sort();
if (only && files.length === 0) {
  console.error(`--only: no bench named ${[...only].join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  console.log(`\n## bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f), ...argv], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${f} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
