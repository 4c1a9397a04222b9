/**
 * Whole commands, as a user runs them: `losslens eval` and `losslens train --epochs 1` (Adam,
 * lr 1e-3, batch 64) on --n Fashion-MNIST training images (--samples) with the LeNet of
 * bench/lib/lenet.ts, per kernel path — native (the default where the addon is built), wasm
 * (LOSSLENS_NATIVE=0), and each with one worker thread (--workers 1; OpenBLAS then gets the cores) — against
 * PyTorch doing the same work from process start (bench/torch_commands.py, 2 threads). Wall time
 * and peak RSS from GNU time (/usr/bin/time; the whole process, worker threads included), --rounds
 * rounds with the order reversed every other round; medians. The CLI runs as installed: dist/ is built
 * first and each row starts `node bin/losslens.js` (through tsx, the sources would add ~1.5 s of
 * transpiling and resolving to every command). Skipped with a message without
 * Fashion-MNIST or GNU time; PyTorch's rows without python3-torch.
 *
 *   npm run bench -- --only commands      (or: tsx bench/commands.ts [--n 6000] [--rounds 3] [--only eval|train])
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLenet } from './lib/lenet.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FASHION = process.env.LOSSLENS_FASHION_DIR ?? '/usr/share/datasets/fashion-mnist';
const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt; };
const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const TORCH_ENV = { OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: '2' };

interface Sample { seconds: number; rssMb: number }

/** `cmd args` under GNU time: wall seconds and peak RSS (MB), or undefined when it failed. */
function timed(cmd: string, args: string[], env: Record<string, string>): Sample | undefined {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const [sec, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  if (r.status !== 0) { console.error(`${cmd} ${args.slice(0, 3).join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-4, -1).join(' | ')}`); return undefined; }
  return { seconds: sec!, rssMb: kb! / 1024 };
}

if (!existsSync('/usr/bin/time')) console.log('commands bench skipped: needs GNU time at /usr/bin/time (apt-get install time)');
else if (!existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz'))) console.log(`commands bench skipped: Fashion-MNIST not found in ${FASHION} (apt-get install dataset-fashion-mnist)`);
else {
  const n = Math.max(100, Math.min(60000, Number(arg('n', '6000'))));
  const rounds = Math.max(1, Math.min(9, Number(arg('rounds', '3'))));
  const which = arg('only', 'eval,train').split(',');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-cmdbench-'));
  try {
    const model = path.dirname(await writeLenet(path.join(tmp, 'lenet')));
    const native = loadNativeAddon();
    const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
    const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building dist/ failed: ${(build.stdout + build.stderr).trim().split('\n')[0]}`);
    const cli = (cmd: string, out: string) => [process.execPath, [path.join(ROOT, 'bin', 'losslens.js'), cmd, '--model', model, '--data', FASHION, '--samples', String(n), '--quiet', '--force', '--out', path.join(tmp, out),
      ...(cmd === 'train' ? ['--optimizer', 'adam', '--lr', '0.001', '--epochs', '1', '--batch-size', '64'] : [])]] as const;
    type Runner = { name: string; run: (cmd: string, r: number) => Sample | undefined };
    const runners: Runner[] = [
      ...(native.addon ? [{ name: 'native', run: (c: string, r: number) => { const [p, a] = cli(c, `${c}-n${r}`); return timed(p, [...a], {}); } }] : []),
      { name: 'wasm', run: (c, r) => { const [p, a] = cli(c, `${c}-w${r}`); return timed(p, [...a], { LOSSLENS_NATIVE: '0' }); } },
      ...(native.addon ? [{ name: 'native, 1 worker', run: (c: string, r: number) => { const [p, a] = cli(c, `${c}-n1${r}`); return timed(p, [...a, '--workers', '1'], {}); } }] : []),
      { name: 'wasm, 1 worker', run: (c, r) => { const [p, a] = cli(c, `${c}-w1${r}`); return timed(p, [...a, '--workers', '1'], { LOSSLENS_NATIVE: '0' }); } },
      ...(python ? [{ name: 'PyTorch', run: (c: string) => timed(python, [path.join(ROOT, 'bench', 'torch_commands.py'), '--model-dir', model, '--fashion', FASHION, '--n', String(n), '--mode', c], TORCH_ENV) }] : []),
    ];
    if (!native.addon) console.log(`native rows skipped: ${native.reason}`);
    if (!python) console.log('PyTorch rows skipped: no python3 with torch (apt-get install python3-torch)');
    console.log(`LeNet (117 066 params), ${n} Fashion-MNIST training images, ${rounds} round(s); wall s / peak RSS MB, medians`);
    const rows: string[][] = [['command', ...runners.map((r) => r.name), ...runners.slice(0, -1).map((r) => `${r.name} / ${runners.at(-1)!.name}`)]];
    for (const cmd of ['eval', 'train'].filter((c) => which.includes(c))) {
      const got: Record<string, Sample[]> = {};
      for (let r = 0; r < rounds; r++) for (const x of r % 2 ? [...runners].reverse() : runners) {
        const s = x.run(cmd, r);
        if (s) (got[x.name] ??= []).push(s);
        process.stderr.write(`  ${cmd} ${x.name}: ${s ? `${s.seconds.toFixed(1)} s, ${s.rssMb.toFixed(0)} MB` : 'failed'}\n`);
      }
      const med = (name: string) => (got[name]?.length ? { s: median(got[name]!.map((x) => x.seconds)), mb: median(got[name]!.map((x) => x.rssMb)) } : undefined);
      const ref = med(runners.at(-1)!.name);
      rows.push([cmd, ...runners.map((x) => { const m = med(x.name); return m ? `${m.s.toFixed(1)} s / ${m.mb.toFixed(0)} MB` : '—'; }),
        ...runners.slice(0, -1).map((x) => { const m = med(x.name); return m && ref ? `${(m.s / ref.s).toFixed(2)}×` : '—'; })]);
    }
    const width = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
    console.log('\n' + rows.map((r) => r.map((c, j) => (j ? c.padStart(width[j]!) : c.padEnd(width[j]!))).join('  ')).join('\n'));
    console.log(`load average (1/5/15 min) ${os.loadavg().map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
