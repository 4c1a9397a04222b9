#!/usr/bin/env node
/**
 * `npm install` / `npm ci` hook: build the optional native kernels (native/, binding.gyp) with
 * node-gyp wherever it can build — a C compiler, make, python3 and Node's headers (a local copy such
 * as /usr/include/node, or node-gyp's download cache); nothing else. Our own GEMM carries every
 * product, in the CPU form picked at run time (AVX-512, AVX2 + FMA, portable C: native/cpu.h);
 * OpenBLAS is linked as well where its headers are (Debian libopenblas-dev), for the products it
 * is measured faster on. It never fails the install: a missing tool or a failed compile prints
 * one line and exits 0, and losslens then runs the wasm kernels.
 *
 * The build runs in a staging copy of binding.gyp and native/; only a complete build replaces
 * build/Release/losslens_native.node (by rename, so a process that loaded the old one keeps it).
 *
 *   LOSSLENS_SKIP_NATIVE=1   do not build (and remove an earlier build)
 *   LOSSLENS_BLAS=none       build without OpenBLAS even where its headers are (--blas=none likewise)
 *   --out=DIR                put the addon at DIR/losslens_native.node instead (a variant for tests)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.log(`losslens native kernels: ${msg}`);
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const flag = (name) =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);

/** The first problem that rules a build out, or undefined. */
function blocker() {
  if (process.env.LOSSLENS_SKIP_NATIVE === '1') return 'skipped (LOSSLENS_SKIP_NATIVE=1)';
  for (const tool of ['make', 'python3']) if (!onPath(tool)) return `not built: no ${tool} on PATH`;
  const cc = process.env.CC || 'cc';
  if (!onPath(cc)) return `not built: no C compiler (${cc}) on PATH`;
  return undefined;
}

/** Whether to link OpenBLAS: asked for (not LOSSLENS_BLAS=none / --blas=none) and its header compiles. */
function withOpenBlas() {
  const asked = flag('blas') ?? process.env.LOSSLENS_BLAS ?? 'auto';
  if (asked === 'none') return { blas: false, why: `without OpenBLAS (${flag('blas') ? '--blas=none' : 'LOSSLENS_BLAS=none'})` };
  const probe = spawnSync(
    process.env.CC || 'cc',
    ['-x', 'c', '-fsyntax-only', '-I/opt/homebrew/opt/openblas/include', '-I/usr/local/opt/openblas/include', '-'],
    {
      input: '#include <cblas.h>\nint main(void) { return openblas_get_num_threads(); }\n',
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  return probe.status === 0 ? { blas: true, why: 'with OpenBLAS' } : { blas: false, why: 'no OpenBLAS headers: own GEMM alone' };
}

/** node-gyp: npm's own (npm_config_node_gyp is set for install scripts), else one on PATH. */
function nodeGyp() {
  const own = process.env.npm_config_node_gyp;
  if (own && existsSync(own)) return [process.execPath, own];
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return onPath('node-gyp') ? ['node-gyp'] : undefined;
}

/** What the built addon reports of itself (a child process, so this one never loads it). */
function describe(file) {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const i = require(${JSON.stringify(file)}).info(); console.log(\`\${i.openblas ? 'own GEMM + OpenBLAS' : 'own GEMM, no OpenBLAS'}, CPU form \${i.cpuForm}\`)`,
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? r.stdout.trim() : `but it does not load: ${(r.stderr ?? '').trim().split('\n')[0]}`;
}

/** Build in a staging copy; the addon's path there, or a failure line. */
function build(gyp, blas) {
  const stage = mkdtempSync(path.join(os.tmpdir(), 'losslens-native-'));
  copyFileSync(path.join(root, 'binding.gyp'), path.join(stage, 'binding.gyp'));
  cpSync(path.join(root, 'native'), path.join(stage, 'native'), { recursive: true });
  const args = ['rebuild', `--ll_blas=${blas ? 'openblas' : 'none'}`];
  // Node's headers without a download: a system copy (Debian's nodejs ships /usr/include/node)
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  const r = spawnSync(gyp[0], [...gyp.slice(1), ...args], { cwd: stage, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 900_000 });
  if (r.status === 0) return { stage, file: path.join(stage, 'build', 'Release', 'losslens_native.node') };
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  rmSync(stage, { recursive: true, force: true });
  return { failed: `build failed (${r.error?.message ?? `exit ${r.status}`}); the wasm kernels will run. Last lines:\n${tail}` };
}

/** Copy `file` to `dest` through a temporary name and a rename (never a half-written addon at dest). */
function install(file, dest) {
  mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  copyFileSync(file, tmp);
  renameSync(tmp, dest);
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
  const { blas, why: blasWhy } = withOpenBlas();
  const out = build(gyp, blas);
  if (out.failed) return say(out.failed);
  const dest = flag('out') ? path.resolve(flag('out'), 'losslens_native.node') : path.join(root, 'build', 'Release', 'losslens_native.node');
  try {
    install(out.file, dest);
  } finally {
    rmSync(out.stage, { recursive: true, force: true });
  }
  say(`built (${describe(dest)}; ${blasWhy}) at ${path.relative(root, dest) || dest}`);
}

try {
  main();
} catch (e) {
  say(`not built: ${e instanceof Error ? e.message : e}; the wasm kernels will run`);
}
process.exit(0);
