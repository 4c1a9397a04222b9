#!/usr/bin/env node
/**
 * `npm install` / `npm ci` hook: build the optional native kernels (native/, binding.gyp) with
 * node-gyp when this machine can: a C compiler, make, python3, OpenBLAS's cblas.h (Debian
 * libopenblas-dev) and Node's headers (a local copy such as /usr/include/node, or node-gyp's
 * download cache). It never fails the install: a missing tool or a failed compile prints one line
 * and exits 0, and losslens then runs the wasm kernels.
 *
 *   LOSSLENS_SKIP_NATIVE=1   do not build (and remove an earlier build)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.log(`losslens native kernels: ${msg}`);
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** The first problem that rules a build out, or undefined. */
function blocker() {
  if (process.env.LOSSLENS_SKIP_NATIVE === '1') return 'skipped (LOSSLENS_SKIP_NATIVE=1)';
  for (const tool of ['make', 'python3']) if (!onPath(tool)) return `not built: no ${tool} on PATH`;
  const cc = process.env.CC || 'cc';
  if (!onPath(cc)) return `not built: no C compiler (${cc}) on PATH`;
  const probe = spawnSync(cc, ['-x', 'c', '-fsyntax-only', '-I/opt/homebrew/opt/openblas/include', '-I/usr/local/opt/openblas/include', '-'], {
    input: '#include <cblas.h>\nint main(void) { return openblas_get_num_threads(); }\n', stdio: ['pipe', 'ignore', 'ignore'],
  });
  if (probe.status !== 0) return 'not built: no OpenBLAS headers (cblas.h; Debian: apt-get install libopenblas-dev)';
  return undefined;
}

/** node-gyp: npm's own (npm_config_node_gyp is set for install scripts), else one on PATH. */
function nodeGyp() {
  const own = process.env.npm_config_node_gyp;
  if (own && existsSync(own)) return [process.execPath, own];
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return onPath('node-gyp') ? ['node-gyp'] : undefined;
}

function main() {
  const why = blocker();
  if (why) {
    if (process.env.LOSSLENS_SKIP_NATIVE === '1') rmSync(path.join(root, 'build'), { recursive: true, force: true });
    say(`${why}; the wasm kernels will run`);
    return;
  }
  const gyp = nodeGyp();
  if (!gyp) return say('not built: node-gyp not found; the wasm kernels will run');
  const args = ['rebuild'];
  // Node's headers without a download: a system copy (Debian's nodejs ships /usr/include/node)
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  const r = spawnSync(gyp[0], [...gyp.slice(1), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return say('built (build/Release/losslens_native.node)');
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  say(`build failed (${r.error?.message ?? `exit ${r.status}`}); the wasm kernels will run. Last lines:\n${tail}`);
}

try {
  main();
} catch (e) {
  say(`not built: ${e instanceof Error ? e.message : e}; the wasm kernels will run`);
}
process.exit(0);
