/**
 * Whole commands, as a user runs them: `losslens eval` and `losslens train --epochs 1` (Adam,
 * lr 1e-3, batch 64) on --n Fashion-MNIST training images (--samples) with the LeNet of
 * bench/lib/lenet.ts, per kernel path, against PyTorch doing the same work from process start
 * (bench/torch_commands.py, 2 threads) in the same run. The paths (--paths, default all that exist):
 *   own       the native kernels without OpenBLAS, best CPU form: what `npm ci` builds on a machine
 *             without OpenBLAS (build/no-openblas, LOSSLENS_NATIVE_ADDON; scripts/build-native.mjs
 *             --blas=none --out=build/no-openblas makes it)
 *   openblas  the native kernels with OpenBLAS (build/Release, where it was built with it)
 *   avx2      `own` with --cpu-form avx2 (where the CPU runs AVX-512)
 *   portable  `own` with --cpu-form portable
 *   wasm      LOSSLENS_NATIVE=0
 * PyTorch runs with its default CPU capability and, where the CPU has AVX-512, with
 * ATEN_CPU_CAPABILITY=avx512; the ratios are against the faster of the two (medians). Wall time and
 * peak RSS from GNU time (the whole process); --rounds rounds (--large-rounds for n ≥ 20 000), the
 * order reversed every other round; medians. The CLI runs as installed: dist/ is built first and
 * each row starts `node bin/losslens.js`. Skipped with a message without Fashion-MNIST or GNU time.
 * Raw results: --json FILE (default reports/bench/commands.json).
 *
 *   npm run bench -- --only commands   (tsx bench/commands.ts [--n 6000,60000] [--rounds 3] [--large-rounds 1] [--only eval,train] [--paths own,wasm])
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLenet } from './lib/lenet.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FASHION = process.env.LOSSLENS_FASHION_DIR ?? '/usr/share/datasets/fashion-mnist';
const NO_BLAS = path.join(ROOT, 'build', 'no-openblas', 'losslens_native.node');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const TORCH_ENV = { OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: '2' };
const HAS_AVX512 = existsSync('/proc/cpuinfo') && /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

interface Sample {
  seconds: number;
  rssMb: number;
}
/** One path: its extra CLI flags and environment (PyTorch rows: a script run instead). */
interface Path {
  name: string;
  flags: string[];
  env: Record<string, string>;
  torch?: boolean;
}

/** `cmd args` under GNU time: wall seconds and peak RSS (MB), or undefined when it failed. */
function timed(cmd: string, args: string[], env: Record<string, string>): Sample | undefined {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const [sec, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  if (r.status !== 0) {
    console.error(`${cmd} ${args.slice(0, 3).join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-4, -1).join(' | ')}`);
    return undefined;
  }
  return { seconds: sec!, rssMb: kb! / 1024 };
}

/** The paths this machine has, of those asked for (a line for each one skipped). */
function pathsHere(asked: string[], python: string | undefined): Path[] {
  const load = loadNativeAddon();
  const best = load.addon?.info().cpuBest;
  const own: Record<string, string> | undefined = existsSync(NO_BLAS)
    ? { LOSSLENS_NATIVE_ADDON: NO_BLAS }
    : load.addon && !load.addon.info().openblas
      ? {}
      : undefined;
  const all: (Path | string)[] = [
    own ? { name: 'own', flags: [], env: own } : `own skipped: no build without OpenBLAS (node scripts/build-native.mjs --blas=none --out=build/no-openblas)`,
    load.addon?.info().openblas ? { name: 'openblas', flags: [], env: {} } : `openblas skipped: ${load.addon ? 'build/Release has no OpenBLAS' : load.reason}`,
    own && best === 'avx512' ? { name: 'avx2', flags: ['--cpu-form', 'avx2'], env: own } : 'avx2 skipped: needs the own build on an AVX-512 CPU',
    own && best !== 'portable' ? { name: 'portable', flags: ['--cpu-form', 'portable'], env: own } : 'portable skipped: needs the own build on an AVX2 CPU',
    { name: 'wasm', flags: [], env: { LOSSLENS_NATIVE: '0' } },
    ...(python ? [{ name: 'torch', flags: [], env: TORCH_ENV, torch: true }] : ['PyTorch rows skipped: no python3 with torch (apt-get install python3-torch)']),
    ...(python && HAS_AVX512 ? [{ name: 'torch-avx512', flags: [], env: { ...TORCH_ENV, ATEN_CPU_CAPABILITY: 'avx512' }, torch: true } satisfies Path] : []),
  ];
  for (const p of all) if (typeof p === 'string' && asked.includes(p.split(' ')[0]!)) console.log(p);
  return all.filter((p): p is Path => typeof p !== 'string' && (p.torch === true || asked.includes(p.name)));
}

/** Each path's samples of `cmd` on n images over `rounds` rounds, the order reversed every other round. */
function measure(cmd: string, n: number, rounds: number, paths: Path[], model: string, tmp: string, python?: string): Record<string, Sample[]> {
  const got: Record<string, Sample[]> = {};
  const cli = (p: Path, r: number) => [
    path.join(ROOT, 'bin', 'losslens.js'),
    cmd,
    '--model',
    model,
    '--data',
    FASHION,
    '--samples',
    String(n),
    '--quiet',
    '--force',
    '--out',
    path.join(tmp, `${cmd}-${p.name}-${r}`),
    ...(cmd === 'train' ? ['--optimizer', 'adam', '--lr', '0.001', '--epochs', '1', '--batch-size', '64'] : []),
    ...p.flags,
  ];
  const torch = () => [path.join(ROOT, 'bench', 'torch_commands.py'), '--model-dir', model, '--fashion', FASHION, '--n', String(n), '--mode', cmd];
  for (let r = 0; r < rounds; r++)
    for (const p of r % 2 ? [...paths].reverse() : paths) {
      const s = p.torch ? timed(python!, torch(), p.env) : timed(process.execPath, cli(p, r), p.env);
      if (s) (got[p.name] ??= []).push(s);
      process.stderr.write(`  ${cmd} n=${n} ${p.name}: ${s ? `${s.seconds.toFixed(1)} s, ${s.rssMb.toFixed(0)} MB` : 'failed'}\n`);
    }
  return got;
}

interface Row {
  cmd: string;
  n: number;
  rounds: number;
  medians: Record<string, { seconds: number; rssMb: number }>;
  torchBest?: string;
  ratios: Record<string, number>;
  samples: Record<string, Sample[]>;
}

/** Medians per path, the faster PyTorch run, and each losslens path's ratio to it. */
function summarize(cmd: string, n: number, rounds: number, got: Record<string, Sample[]>): Row {
  const medians = Object.fromEntries(
    Object.entries(got).map(([k, v]) => [k, { seconds: median(v.map((x) => x.seconds)), rssMb: median(v.map((x) => x.rssMb)) }]),
  );
  const torchBest = ['torch', 'torch-avx512'].filter((k) => medians[k]).sort((a, b) => medians[a]!.seconds - medians[b]!.seconds)[0];
  const ratios = torchBest
    ? Object.fromEntries(
        Object.keys(medians)
          .filter((k) => !k.startsWith('torch'))
          .map((k) => [k, medians[k]!.seconds / medians[torchBest]!.seconds]),
      )
    : {};
  return { cmd, n, rounds, medians, torchBest, ratios, samples: got };
}

function print(rows: Row[], names: string[]): void {
  const table = [['command', 'n', ...names.map((p) => `${p} s / MB`), ...names.filter((p) => !p.startsWith('torch')).map((p) => `${p} / torch`)]];
  for (const r of rows) {
    table.push([
      r.cmd,
      String(r.n),
      ...names.map((p) => (r.medians[p] ? `${r.medians[p]!.seconds.toFixed(1)} / ${r.medians[p]!.rssMb.toFixed(0)}` : '—')),
      ...names.filter((p) => !p.startsWith('torch')).map((p) => (r.ratios[p] === undefined ? '—' : `${r.ratios[p]!.toFixed(2)}×`)),
    ]);
  }
  const width = table[0]!.map((_, j) => Math.max(...table.map((r) => r[j]!.length)));
  console.log('\n' + table.map((r) => r.map((c, j) => (j ? c.padStart(width[j]!) : c.padEnd(width[j]!))).join('  ')).join('\n'));
  console.log('ratios: losslens median / the faster PyTorch median (default or ATEN_CPU_CAPABILITY=avx512) of the same run');
}

async function main(): Promise<void> {
  const sizes = arg('n', '6000,60000')
    .split(',')
    .map((s) => Math.max(100, Math.min(60000, Number(s))));
  const rounds = Math.max(1, Math.min(9, Number(arg('rounds', '3')))),
    largeRounds = Math.max(1, Math.min(9, Number(arg('large-rounds', '1'))));
  const cmds = arg('only', 'eval,train')
    .split(',')
    .filter((c) => c === 'eval' || c === 'train');
  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  const paths = pathsHere(arg('paths', 'own,openblas,avx2,portable,wasm').split(','), python);
  const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) console.error(`warning: tsc reported errors building dist/ (emitted anyway): ${(build.stdout + build.stderr).trim().split('\n')[0]}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-cmdbench-'));
  const rows: Row[] = [];
  try {
    const model = path.dirname(await writeLenet(path.join(tmp, 'lenet')));
    console.log(`LeNet (117 066 params), Fashion-MNIST training images; wall s / peak RSS MB, medians of ${rounds} round(s) (${largeRounds} for n ≥ 20 000)`);
    for (const n of sizes)
      for (const cmd of cmds) {
        const r = n >= 20000 ? largeRounds : rounds;
        rows.push(summarize(cmd, n, r, measure(cmd, n, r, paths, model, tmp, python)));
      }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  print(
    rows,
    paths.map((p) => p.name),
  );
  const load = `${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join('/')} on ${os.availableParallelism()} cores`;
  console.log(`load average (1/5/15 min) ${load}`);
  const out = arg('json', 'reports/bench/commands.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), load, cpu: os.cpus()[0]?.model, argv: process.argv.slice(2), rows }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

if (!existsSync('/usr/bin/time')) console.log('commands bench skipped: needs GNU time at /usr/bin/time (apt-get install time)');
else if (!existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz')))
  console.log(`commands bench skipped: Fashion-MNIST not found in ${FASHION} (apt-get install dataset-fashion-mnist)`);
else await main();
