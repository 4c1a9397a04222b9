/**
 * An LSTM text model of the shape of Keras' lstm_text_generation example (the real checkpoint
 * lstm-textgen-keras215: LSTM(128) on one-hot [40, 57] → Dense(57, softmax), 102 585 params,
 * hard_sigmoid gates), sparse categorical cross-entropy, one batch of --n seeded one-hot
 * sequences; loss, gradient and HVP per kernel path (wasm, native) and, with --tape, double
 * backprop (LOSSLENS_HVP=tape, LOSSLENS_GRAD=tape) on the native path — against PyTorch on the same
 * weights, data and v in the same run (bench/torch_recurrent.py: the same cell step by step, HVP by
 * double backprop; 2 threads, OMP_WAIT_POLICY=PASSIVE, the faster of its default and avx512 CPU
 * capability). --cell gru / simplernn for the other cells, --gates sigmoid for sigmoid gates.
 *
 * --unfused adds the native path with the LSTM step op by op instead of the fused kernels (src/kernels/recurrent-cell.ts);
 * --steps the native path with the loss pass's unroll step by step instead of one sequence kernel (src/kernels/rnn-sequence.ts).
 *
 *   tsx bench/recurrent.ts [--n 128] [--rounds 5] [--cell lstm] [--gates hard_sigmoid] [--unfused] [--steps] [--tape] [--no-torch]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfjs from '@tensorflow/tfjs';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { createObjective } from '../src/objective/create-objective.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { useFusedCells } from '../src/kernels/recurrent-cell.js';
import { useSequenceKernel } from '../src/kernels/rnn-sequence.js';
import type { Objective } from '../src/objective/types.js';
import { createRng } from '../src/random.js';
import type { PreparedData } from '../src/objective/prepare-data.js';
import { saveModel } from '../scripts/fixtures/writers.js';
import { arg } from './lib/compare.js';
import { runTorch, timeVariants, writeF32, writeI32, type Variant } from './lib/side-by-side.js';
import { report } from './lib/side-by-side-report.js';
import { tapeObjective } from './lib/tape-objective.js';

const T = 40,
  F = 57,
  UNITS = 128;
type Cell = 'lstm' | 'gru' | 'simplernn';

async function writeModel(dir: string, cell: Cell, gates: string): Promise<string> {
  await tfjs.setBackend('cpu');
  const init = (k: number) => ({
    kernelInitializer: tfjs.initializers.glorotUniform({ seed: 10 + k }),
    recurrentInitializer: tfjs.initializers.orthogonal({ seed: 20 + k }),
  });
  const rnn = { units: UNITS, inputShape: [T, F], name: 'rnn', ...init(1) };
  const layer =
    cell === 'lstm'
      ? tfjs.layers.lstm({ ...rnn, recurrentActivation: gates as 'hardSigmoid' })
      : cell === 'gru'
        ? tfjs.layers.gru({ ...rnn, recurrentActivation: gates as 'hardSigmoid' })
        : tfjs.layers.simpleRNN(rnn);
  const m = tfjs.sequential({
    name: `${cell}_textgen`,
    layers: [layer, tfjs.layers.dense({ units: F, activation: 'softmax', name: 'dense', kernelInitializer: tfjs.initializers.glorotUniform({ seed: 3 }) })],
  });
  m.compile({ optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy' });
  await saveModel(m, dir);
  m.dispose();
  return path.join(dir, 'model.json');
}

/** n seeded one-hot sequences [n, T, F] and next-character labels. */
function textData(n: number): { data: PreparedData; labels: Int32Array } {
  const rng = createRng(7),
    x = new Float32Array(n * T * F),
    y = new Float32Array(n * F),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) x[(i * T + t) * F + rng.int(F)] = 1;
    labels[i] = rng.int(F);
    y[i * F + labels[i]!] = 1;
  }
  return { data: { n, inputShape: [T, F], x, y, k: F }, labels };
}

/** `o` with `set(false)` during its loss, grad and hvp calls (the unfused cell, or the unroll step by step): a reference in the same run. */
function without(o: Objective, set: (on: boolean) => boolean): Objective {
  return new Proxy(o, {
    get(target, key) {
      const f = Reflect.get(target, key) as unknown;
      if (typeof f !== 'function') return f;
      if (key !== 'loss' && key !== 'grad' && key !== 'hvp') return f.bind(target);
      return async (...a: unknown[]) => {
        const was = set(false);
        try {
          return await f.apply(target, a);
        } finally {
          set(was);
        }
      };
    },
  });
}

export async function main(): Promise<void> {
  const n = Math.max(1, Math.min(4096, Number(arg('n', '128'))));
  const rounds = Math.max(3, Math.min(50, Number(arg('rounds', '5'))));
  const cell = arg('cell', 'lstm').toLowerCase() as Cell;
  const gates = arg('gates', 'hard_sigmoid') === 'sigmoid' ? 'sigmoid' : 'hardSigmoid';
  if (!['lstm', 'gru', 'simplernn'].includes(cell)) throw new Error(`--cell ${cell}: lstm, gru or simplernn`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-recurrent-'));
  try {
    const checkpoint = await readCheckpoint(await writeModel(dir, cell, gates));
    const { data, labels } = textData(n);
    const obj = await createObjective(checkpoint, data, { workers: 1, backend: 'wasm', batchSize: n });
    const native = installNativeKernels();
    const theta = obj.theta0,
      v = Float32Array.from(theta, (_, i) => Math.sin(i + 1));
    const variants: Variant[] = [...(native.loaded ? [{ name: 'native', path: 'native' as const, obj }] : []), { name: 'wasm', path: 'wasm', obj }];
    if (native.loaded && process.argv.includes('--unfused')) variants.push({ name: 'unfused', path: 'native', obj: without(obj, useFusedCells) });
    if (native.loaded && process.argv.includes('--steps')) variants.push({ name: 'steps', path: 'native', obj: without(obj, useSequenceKernel) });
    if (process.argv.includes('--tape'))
      variants.push({ name: 'tape', path: native.loaded ? 'native' : 'wasm', obj: await tapeObjective(checkpoint, data, theta, v) });
    const title =
      `${cell.toUpperCase()}(${UNITS}) on one-hot [${T}, ${F}] → Dense(${F}, softmax), ${theta.length} params, ${cell === 'simplernn' ? 'tanh' : gates} gates; one batch of ${n}, ${rounds} rounds, in process` +
      `; HVP by ${(obj as { hvpEngine?: () => string }).hvpEngine?.() ?? '?'}${native.loaded ? '' : `; native kernels not measured: ${native.reason}`}`;
    console.log(title);
    const timings = await timeVariants(variants, theta, v, rounds);
    for (const x of new Set(variants.map((x) => x.obj))) x.dispose();
    let torch = {};
    if (!process.argv.includes('--no-torch')) {
      writeF32(path.join(dir, 'x.f32'), data.x as Float32Array);
      writeI32(path.join(dir, 'y.i32'), labels);
      writeF32(path.join(dir, 'v.f32'), v);
      torch = runTorch(path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_recurrent.py'), dir, rounds);
    }
    report({
      bench: cell === 'lstm' && gates === 'hardSigmoid' ? 'recurrent' : `recurrent-${cell}-${gates}`,
      title,
      params: theta.length,
      timings,
      torch,
      reference: variants[0]!.name,
      extra: { n, rounds, cell, gates, native },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
