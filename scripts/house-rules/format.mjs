// The formatter rule: `prettier --check` over the code folders (.prettierrc, .prettierignore).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const FORMATTED = ['src', 'cli', 'test', 'bench', 'scripts'];

/** One fault per file Prettier would change. */
export function formatFaults(root, prettierBin) {
  const dirs = FORMATTED.filter((d) => existsSync(path.join(root, d)));
  if (dirs.length === 0) return [];
  const run = spawnSync(prettierBin, ['--list-different', '--no-error-on-unmatched-pattern', ...dirs], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error || run.status === 2) return [`prettier did not run: ${run.error?.message ?? run.stderr.trim().split('\n')[0]}`];
  return run.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((rel) => `${rel}: not formatted (npx prettier --write ${rel})`);
}
