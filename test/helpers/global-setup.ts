/**
 * Vitest global setup: the CLI tests run the built CLI (bin/losslens.js → dist/), as users do and
 * ~2 s faster a spawn than TypeScript through tsx (a spawn and its workers each load tsx). So that
 * no test ever runs a stale build, dist/ is rebuilt here, once per `npm test`, whenever a source
 * under src/ or cli/ (or a tsconfig) is newer than the last build (the build's time is its outputs'
 * time; `npm run build` at `npm ci` counts, and nothing rebuilds then).
 *
 * tsc writes into a staging folder beside dist/ (same depth, so the source maps' relative paths
 * hold), which then takes dist/'s place by rename: a CLI spawned by another vitest run on the same
 * tree meanwhile sees the whole old build or the whole new one, never a half-written mix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './run-cli.js';

const DIST = path.join(ROOT, 'dist');
const OUTPUTS = ['cli/main.js', 'src/index.js'];

/** When the build in `dir` was made (ms), or 0 when there is none. */
export function builtAt(dir = DIST): number {
  const files = OUTPUTS.map((f) => path.join(dir, f));
  return files.every(existsSync) ? Math.min(...files.map((f) => statSync(f).mtimeMs)) : 0;
}

/** The newest modification time (ms) among the build's inputs. */
export function newestInput(root = ROOT): number {
  let newest = 0;
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.c?ts$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(path.join(root, 'src'));
  visit(path.join(root, 'cli'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(path.join(root, f)).mtimeMs);
  return newest;
}

/**
 * Put the finished build in `staging` in dist/'s place: dist/ is moved aside, the staging folder renamed to dist/, the old one removed.
 * When another run renamed its own build in between (dist/ exists again), that one stays: it was built from sources at least as new.
 */
export function swapIn(staging: string, dist = DIST): void {
  const aside = `${dist}.old-${process.pid}-${Date.now()}`;
  try {
    renameSync(dist, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    renameSync(staging, dist);
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(aside, { recursive: true, force: true });
}

export default function setup(): void {
  if (builtAt() >= newestInput()) return;
  const started = Date.now();
  const staging = path.join(ROOT, `.dist-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', staging],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`test setup: building dist/ for the CLI tests failed:\n${tsc.stdout}${tsc.stderr}`);
  }
  // dated when the build began: a source saved while tsc ran is newer than this build, so the next run rebuilds
  for (const f of OUTPUTS) utimesSync(path.join(staging, f), started / 1000, started / 1000);
  swapIn(staging);
}
