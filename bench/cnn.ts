/**
 * LeNet on Fashion-MNIST (bench/lib/lenet.ts: Conv 5×5×16 same → MaxPool 2 → Conv 5×5×32 valid →
 * MaxPool 2 → Dense 128 → Dense 10, 117 066 params, untrained): loss, gradient and HVP over the
 * first --n test images, wasm, in process (1 worker), against PyTorch on the same weights and
 * images in the same run (bench/torch_cnn.py, 2 threads, OMP_WAIT_POLICY=PASSIVE).
 *
 * The conv / pool gradient kernels are A/B-tested in this one process, variant after variant
 * within each round (order reversed every other round: the machine is shared and noisy, and only
 * interleaved same-process ratios are trustworthy):
 *   before  LOSSLENS_CONV_GRAD=conv LOSSLENS_POOL_GRAD=ops: conv gradients as Conv2Ds, max-pool
 *           gradient composed of rank-6 ops (the previous kernels);
 *   im2col  LOSSLENS_CONV_GRAD=im2col: both conv gradients as im2col/col2im + matmul
 *           (src/kernels/im2col.ts), max-pool share/spread kernels (src/kernels/pool-share.ts);
 *   after   the default: input gradient by im2col/col2im, filter gradient the conv form, pool kernels.
 * Each variant's gradient and HVP are checked against `before` (max |Δ| relative to max |before|).
 * Skipped with a message when the Fashion-MNIST files are missing.
 *
 *   tsx bench/cnn.ts [--n 256] [--rounds 5] [--no-torch]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { createObjective } from '../src/objective/create-objective.js';
import { fashionTest, FASHION_DIR } from './lib/fashion.js';
import { writeLenet } from './lib/lenet.js';
import { runTorchScript, TORCH_THREADS, type TorchReport } from './lib/torch-reference.js';

type Op = 'loss' | 'grad' | 'hvp';
const VARIANTS: Record<string, Record<string, string>> = {
  before: { LOSSLENS_CONV_GRAD: 'conv', LOSSLENS_POOL_GRAD: 'ops' },
  im2col: { LOSSLENS_CONV_GRAD: 'im2col' },
  after: {},
};
const KNOBS = ['LOSSLENS_CONV_GRAD', 'LOSSLENS_POOL_GRAD'];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
function use(variant: string): void {
  for (const k of KNOBS) delete process.env[k];
  Object.assign(process.env, VARIANTS[variant]);
}
const relDiff = (a: Float32Array, b: Float32Array) => {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); m = Math.max(m, Math.abs(b[i]!)); }
  return d / Math.max(m, 1e-30);
};

export async function main(): Promise<void> {
  const n = Math.max(1, Math.min(10000, Number(arg('n', '256'))));
  const rounds = Math.max(3, Math.min(50, Number(arg('rounds', '5'))));
  const data = fashionTest(n);
  if (!data) {
    console.log(`cnn bench skipped: Fashion-MNIST not found in ${FASHION_DIR} (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; Debian's fashion-mnist data, or set LOSSLENS_FASHION_DIR)`);
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-cnn-'));
  try {
    const ckPath = await writeLenet(dir);
    const obj = await createObjective(await readCheckpoint(ckPath), data, { workers: 1, backend: 'wasm' });
    const theta = obj.theta0;
    const v = Float32Array.from(theta, (_, i) => Math.sin(i + 1));
    console.log(`LeNet (${theta.length} params), ${n} Fashion-MNIST test images, wasm, 1 worker (in process); ${rounds} interleaved rounds after a warm-up`);
    const call = (op: Op) => (op === 'loss' ? obj.loss(theta) : op === 'grad' ? obj.grad(theta) : obj.hvp(theta, v));
    const times: Record<string, Record<Op, number[]>> = {};
    const check: Record<string, Record<'grad' | 'hvp', number>> = {};
    const reference: Partial<Record<'grad' | 'hvp', Float32Array>> = {};
    const names = Object.keys(VARIANTS);
    for (const op of ['loss', 'grad', 'hvp'] as Op[]) {
      const variants = op === 'loss' ? ['after'] : names; // the forward pass is the same in every variant
      for (const name of variants) { // warm-up, and the exactness check against `before`
        use(name);
        const out = await call(op);
        if (op !== 'loss') {
          const vec = (op === 'grad' ? (out as { grad: Float32Array }).grad : out) as Float32Array;
          if (name === 'before') reference[op] = vec.slice();
          (check[name] ??= { grad: 0, hvp: 0 })[op] = relDiff(vec, reference[op]!);
        }
      }
      for (let r = 0; r < rounds; r++) {
        for (const name of r % 2 ? [...variants].reverse() : variants) {
          use(name);
          const t0 = performance.now();
          await call(op);
          ((times[name] ??= { loss: [], grad: [], hvp: [] })[op]).push(performance.now() - t0);
        }
      }
      process.stderr.write(`  ${op}: ${variants.map((nm) => `${nm} ${median(times[nm]![op]).toFixed(0)} ms`).join(', ')}\n`);
    }
    use('after');
    const lossValue = await obj.loss(theta);
    obj.dispose();

    let torch: TorchReport | { skip: string } | undefined;
    if (!process.argv.includes('--no-torch')) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path.join(dir, 'x.f32'), Buffer.from(Float32Array.from(data.x as Float32Array).buffer));
      const labels = Int32Array.from({ length: n }, (_, i) => data.y.subarray(i * 10, i * 10 + 10).indexOf(1));
      writeFileSync(path.join(dir, 'y.i32'), Buffer.from(labels.buffer));
      const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_cnn.py');
      torch = runTorchScript(script, ['--dir', dir, '--threads', String(TORCH_THREADS), '--repeats', String(rounds)]);
    }

    const rows = [['op', ...names.map((nm) => `${nm} ms`), 'before/im2col', 'before/after', 'after/torch', 'torch ms']];
    const perRound = (op: Op, a: string, b: string) => median(times[a]![op].map((t, i) => t / times[b]![op][i]!));
    const ratios: Record<string, Record<string, number | null>> = {};
    for (const op of ['loss', 'grad', 'hvp'] as Op[]) {
      const t = torch && 'ops' in torch ? torch.ops[op]?.medianMs : undefined;
      const after = median(times.after![op]);
      ratios[op] = {
        beforeOverIm2col: op === 'loss' ? null : perRound(op, 'before', 'im2col'),
        beforeOverAfter: op === 'loss' ? null : perRound(op, 'before', 'after'),
        afterOverTorch: t ? after / t : null,
      };
      const f = (x: number | null | undefined, unit = '') => (x == null ? '—' : `${x.toFixed(unit ? 2 : 0)}${unit}`);
      rows.push([op, ...names.map((nm) => (times[nm]?.[op].length ? f(median(times[nm]![op])) : '—')),
        f(ratios[op]!.beforeOverIm2col, '×'), f(ratios[op]!.beforeOverAfter, '×'), f(ratios[op]!.afterOverTorch, '×'), f(t)]);
    }
    const width = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
    const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(width[j]!) : c.padStart(width[j]!))).join('  ');
    console.log('\n' + [line(rows[0]!), width.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n'));
    console.log('ratios before/x: medians of the per-round ratios (same process, interleaved); after/torch: medians');
    for (const nm of names.slice(1)) console.log(`${nm} vs before: gradient max|Δ|/max|g| = ${check[nm]!.grad.toExponential(1)}, HVP max|Δ|/max|Hv| = ${check[nm]!.hvp.toExponential(1)}`);
    if (torch && 'skip' in torch) console.log(torch.skip);
    else if (torch) {
      console.log(`PyTorch ${torch.torch}, ${torch.threads} threads, BLAS ${torch.blas}; loss ${torch.loss.toFixed(6)} (losslens ${lossValue.toFixed(6)})`);
      if (torch.blasWarning) console.log(torch.blasWarning);
    }
    const load = os.loadavg();
    console.log(`load average (1/5/15 min) ${load.map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`);
    const report = { bench: 'cnn', date: new Date().toISOString(), node: process.version, n, rounds, params: theta.length, loss: lossValue, variants: VARIANTS, times, ratios, check, torch, load };
    await mkdir('reports/bench', { recursive: true });
    await writeFile('reports/bench/cnn.json', JSON.stringify(report, null, 2) + '\n');
    console.log('wrote reports/bench/cnn.json');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
