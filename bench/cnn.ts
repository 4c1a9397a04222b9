/**
 * LeNet on Fashion-MNIST (bench/lib/lenet.ts: Conv 5×5×16 same → MaxPool 2 → Conv 5×5×32 valid →
 * MaxPool 2 → Dense 128 → Dense 10, 117 066 params, untrained), per kernel path, against PyTorch
 * on the same weights and images in the same run (bench/torch_cnn.py, 2 threads,
 * OMP_WAIT_POLICY=PASSIVE):
 *   loss, gradient, HVP   over the first --n test images, in process (1 worker);
 *   train                 one Adam epoch (lr 1e-3, batch 64) over the first --train-n images,
 *                         with the loss pass before and after (trainRun; `losslens train` in process).
 * Paths, in this one process, alternating within each round (order reversed every other round:
 * the machine is shared and noisy, and only interleaved same-process ratios are trustworthy):
 *   wasm    the wasm backend with our wasm kernels (src/kernels/wasm-*.ts, im2col.ts, pool-share.ts);
 *   native  the same with the native kernels installed (src/kernels/native-kernels.ts: our GEMM in the
 *           best CPU form, OpenBLAS where linked, C im2col on the wasm heap, the cores' threads);
 *   native-avx2, native-portable   the native kernels forced to a lower CPU form (native/cpu.h), where
 *           this CPU runs a higher one. --addon FILE: the native kernels from another build (e.g.
 *           build/no-openblas/losslens_native.node, scripts/build-native.mjs --blas=none --out=…).
 * The native gradient and HVP are checked against wasm's (max |Δ| relative to max |wasm|). The
 * native row is skipped, saying why, when the addon is not built; the bench when Fashion-MNIST is missing.
 *
 *   tsx bench/cnn.ts [--n 256] [--rounds 5] [--train-n 6400] [--train-rounds 1] [--no-torch] [--addon FILE]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { createObjective } from '../src/objective/create-objective.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { trainRun } from '../src/train/train-run.js';
import { installNativeKernels, uninstallNativeKernels, type NativeKernelsInfo } from '../src/kernels/native-kernels.js';
import { CPU_FORMS, setNativeAddonFile } from '../src/kernels/native-addon.js';
import { setNativeCpuForm } from '../src/kernels/cpu-form.js';
import type { PreparedData } from '../src/objective/prepare-data.js';
import { fashionTest, FASHION_DIR } from './lib/fashion.js';
import { writeLenet } from './lib/lenet.js';
import { runTorchScript, TORCH_THREADS, type TorchReport } from './lib/torch-reference.js';

type Op = 'loss' | 'grad' | 'hvp' | 'train';
const OPS: Op[] = ['loss', 'grad', 'hvp', 'train'];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const relDiff = (a: Float32Array, b: Float32Array) => {
  let d = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-30);
};
const labelsOf = (d: PreparedData) => Int32Array.from({ length: d.n }, (_, i) => d.y.subarray(i * 10, i * 10 + 10).indexOf(1));

/** 'wasm', 'native' (the best CPU form) or 'native-<form>'. */
function usePath(p: string): void {
  if (!p.startsWith('native')) return uninstallNativeKernels();
  installNativeKernels();
  setNativeCpuForm(p === 'native' ? 'auto' : (p.slice('native-'.length) as (typeof CPU_FORMS)[number]));
}

export async function main(): Promise<void> {
  const n = Math.max(1, Math.min(10000, Number(arg('n', '256'))));
  const rounds = Math.max(3, Math.min(50, Number(arg('rounds', '5'))));
  const trainN = Math.max(0, Math.min(10000, Number(arg('train-n', '6400'))));
  const trainRounds = Math.max(1, Math.min(10, Number(arg('train-rounds', '1'))));
  if (arg('addon', '')) setNativeAddonFile(arg('addon', '')); // before the objective's engine loads one
  const data = fashionTest(Math.max(n, trainN));
  if (!data) {
    console.log(
      `cnn bench skipped: Fashion-MNIST not found in ${FASHION_DIR} (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; Debian's dataset-fashion-mnist, or set LOSSLENS_FASHION_DIR)`,
    );
    return;
  }
  const sub = (m: number): PreparedData => ({ ...data, n: m, x: data.x.subarray(0, m * 784), y: data.y.subarray(0, m * 10) });
  const evalData = sub(n),
    trainData = sub(trainN);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-cnn-'));
  try {
    const ckPath = await writeLenet(dir);
    const checkpoint = await readCheckpoint(ckPath);
    const obj = await createObjective(checkpoint, evalData, { workers: 1, backend: 'wasm' });
    const native: NativeKernelsInfo = { ...installNativeKernels() };
    const lower = native.cpuBest ? CPU_FORMS.slice(CPU_FORMS.indexOf(native.cpuBest) + 1).map((f) => `native-${f}`) : [];
    const paths = native.loaded ? ['wasm', 'native', ...lower] : ['wasm'];
    const theta = obj.theta0;
    const v = Float32Array.from(theta, (_, i) => Math.sin(i + 1));
    const bundle = loadModel(checkpoint);
    const train = () => trainRun({ init: 'checkpoint', optimizer: { name: 'adam', lr: 1e-3 }, batchSize: 64, epochs: 1 }, bundle, trainData);
    console.log(
      `LeNet (${theta.length} params), Fashion-MNIST test images: ${n} for loss/grad/HVP (${rounds} rounds), ${trainN} for the Adam epoch (${trainRounds} round${trainRounds > 1 ? 's' : ''}); in process, 1 worker`,
    );
    console.log(
      native.loaded
        ? `native kernels: ${native.openblas ? native.blas : 'no OpenBLAS'}, ${native.threads} threads, GEMM ${native.gemm}, CPU form ${native.cpuForm}`
        : `native kernels not measured: ${native.reason}`,
    );
    const call = (op: Op) => (op === 'loss' ? obj.loss(theta) : op === 'grad' ? obj.grad(theta) : op === 'hvp' ? obj.hvp(theta, v) : train());
    const times: Record<string, Record<Op, number[]>> = Object.fromEntries(paths.map((p) => [p, { loss: [], grad: [], hvp: [], train: [] }]));
    const check: Record<string, number> = {};
    const trainLoss: Record<string, number> = {};
    for (const op of OPS) {
      if (op === 'train' && trainN === 0) continue;
      const out: Record<string, Float32Array> = {};
      if (op !== 'train') {
        for (const p of paths) {
          // warm-up, and the exactness check against wasm
          usePath(p);
          const r = await call(op);
          if (op !== 'loss') out[p] = ((op === 'grad' ? (r as { grad: Float32Array }).grad : r) as Float32Array).slice();
        }
        if (out.native) check[op] = relDiff(out.native, out.wasm!);
      }
      for (let r = 0; r < (op === 'train' ? trainRounds : rounds); r++) {
        for (const p of r % 2 ? [...paths].reverse() : paths) {
          usePath(p);
          const t0 = performance.now();
          const res = await call(op);
          times[p]![op].push(performance.now() - t0);
          if (op === 'train') trainLoss[p] = (res as Awaited<ReturnType<typeof train>>).result.final!.trainLoss;
        }
      }
      process.stderr.write(`  ${op}: ${paths.map((p) => `${p} ${median(times[p]![op]).toFixed(0)} ms`).join(', ')}\n`);
    }
    usePath('native');
    const lossValue = await obj.loss(theta);
    obj.dispose();

    let torch: TorchReport | { skip: string } | undefined;
    if (!process.argv.includes('--no-torch')) {
      writeFileSync(path.join(dir, 'x.f32'), Buffer.from(Float32Array.from(evalData.x).buffer));
      writeFileSync(path.join(dir, 'y.i32'), Buffer.from(labelsOf(evalData).buffer));
      writeFileSync(path.join(dir, 'xt.f32'), Buffer.from(Float32Array.from(trainData.x).buffer));
      writeFileSync(path.join(dir, 'yt.i32'), Buffer.from(labelsOf(trainData).buffer));
      const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_cnn.py');
      torch = runTorchScript(script, [
        '--dir',
        dir,
        '--threads',
        String(TORCH_THREADS),
        '--repeats',
        String(rounds),
        '--train-repeats',
        String(trainN ? trainRounds : 0),
      ]);
    }

    const last = native.loaded ? 'native' : 'wasm';
    const rows = [
      [
        'op',
        ...paths.map((p) => `${p} ms`),
        ...(native.loaded ? ['wasm/native'] : []),
        ...paths.map((p) => `${p}/torch`),
        'torch ms',
        `${last}/torch, best of each`,
      ],
    ];
    const ratios: Record<string, Record<string, number | null>> = {};
    const f = (x: number | null | undefined, unit = '') => (x == null ? '—' : `${x.toFixed(unit ? 2 : 0)}${unit}`);
    for (const op of OPS) {
      if (!times.wasm![op].length) continue;
      const t = torch && 'ops' in torch ? torch.ops[op]?.medianMs : undefined;
      const tBest = torch && 'ops' in torch && torch.ops[op] ? Math.min(...torch.ops[op]!.samplesMs) : undefined;
      const perRound = (a: string, b: string) => median(times[a]![op].map((x, i) => x / times[b]![op][i]!));
      ratios[op] = Object.fromEntries([
        ...(native.loaded ? [['wasmOverNative', perRound('wasm', 'native')]] : []),
        ...paths.map((p) => [`${p}OverTorch`, t ? median(times[p]![op]) / t : null]),
        [`${last}OverTorchBest`, tBest ? Math.min(...times[last]![op]) / tBest : null],
      ]);
      rows.push([
        op,
        ...paths.map((p) => f(median(times[p]![op]))),
        ...(native.loaded ? [f(ratios[op]!.wasmOverNative, '×')] : []),
        ...paths.map((p) => f(ratios[op]![`${p}OverTorch`], '×')),
        f(t),
        f(ratios[op]![`${last}OverTorchBest`], '×'),
      ]);
    }
    const width = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
    const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(width[j]!) : c.padStart(width[j]!))).join('  ');
    console.log('\n' + [line(rows[0]!), width.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n'));
    console.log(
      "wasm/native: median of the per-round ratios (same process, interleaved); x/torch: ratio of medians; best of each: fastest round over fastest round (PyTorch's no_grad loss pass is bimodal here, 11–48 ms)",
    );
    if (native.loaded)
      console.log(
        `native vs wasm: gradient max|Δ|/max|g| = ${check.grad!.toExponential(1)}, HVP max|Δ|/max|Hv| = ${check.hvp!.toExponential(1)}; epoch's final train loss ${paths.map((p) => `${p} ${trainLoss[p]?.toFixed(5)}`).join(', ')}`,
      );
    if (torch && 'skip' in torch) console.log(torch.skip);
    else if (torch) {
      const tr = torch.ops.train as { lossAfter?: number } | undefined;
      console.log(
        `PyTorch ${torch.torch}, ${torch.threads} threads, BLAS ${torch.blas}${
          torch.capability
            ? `, the faster of its default and ATEN_CPU_CAPABILITY=avx512 per op (${Object.entries(torch.capability)
                .map(([o, c]) => `${o} ${c}`)
                .join(', ')})`
            : ''
        }; loss ${torch.loss.toFixed(6)} (losslens ${lossValue.toFixed(6)})${tr?.lossAfter ? `; epoch's final train loss ${tr.lossAfter.toFixed(5)}` : ''}`,
      );
      if (torch.blasWarning) console.log(torch.blasWarning);
    }
    const load = os.loadavg();
    console.log(`load average (1/5/15 min) ${load.map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`);
    const report = {
      bench: 'cnn',
      date: new Date().toISOString(),
      node: process.version,
      n,
      rounds,
      trainN,
      trainRounds,
      params: theta.length,
      loss: lossValue,
      native,
      times,
      ratios,
      check,
      trainLoss,
      torch,
      load,
    };
    await mkdir('reports/bench', { recursive: true });
    await writeFile('reports/bench/cnn.json', JSON.stringify(report, null, 2) + '\n');
    console.log('wrote reports/bench/cnn.json');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
