/**
 * `npm run bench`: every bench file in bench/ (not index.ts, not bench/lib/), one after another,
 * each in its own Node process (fresh tfjs state and backend). Extra arguments are passed through.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('.')).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n## bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${f} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
