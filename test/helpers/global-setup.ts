/**
 * Vitest global setup: the CLI tests run the built CLI (bin/losslens.js → dist/), as users do and
 * ~2 s faster a spawn than TypeScript through tsx (a spawn and its workers each load tsx). So that
 * no test ever runs a stale build, dist/ is rebuilt here, once per `npm test`, whenever a source
 * under src/ or cli/ (or a tsconfig) is newer than the last build (tsc rewrites every output, so the
 * build's time is its outputs' time; `npm run build` at `npm ci` counts, and nothing rebuilds then).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './run-cli.js';

const OUTPUTS = ['dist/cli/main.js', 'dist/src/index.js'].map((f) => path.join(ROOT, f));

/** When dist/ was last built (ms), or 0 when it was not. */
function builtAt(): number {
  return OUTPUTS.every(existsSync) ? Math.min(...OUTPUTS.map((f) => statSync(f).mtimeMs)) : 0;
}

/** The newest modification time (ms) among the build's inputs. */
function newestInput(): number {
  let newest = 0;
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.c?ts$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(path.join(ROOT, 'src'));
  visit(path.join(ROOT, 'cli'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(path.join(ROOT, f)).mtimeMs);
  return newest;
}

export default function setup(): void {
  if (builtAt() >= newestInput()) return;
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (tsc.status !== 0) throw new Error(`test setup: building dist/ for the CLI tests failed:\n${tsc.stdout}${tsc.stderr}`);
}
