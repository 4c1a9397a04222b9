/**
 * The whole-sequence kernel (src/kernels/rnn-sequence.ts, native/recurrent.c's ll_rnn_sequence) that
 * runs a SimpleRNN, LSTM or GRU unroll in one call on the native path when the tape is off:
 *  - the layer runs it there for every cell kind (the profile names it) and nowhere else (cpu, plain wasm, under a tape);
 *  - its output = the step-by-step unroll (the fused LSTM step: the same bits; SimpleRNN and GRU:
 *    the unfused ops, float32 rounding; their rules' fused steps give its bits: gru-simplernn-model.test.ts)
 *    = tfjs-layers' model.predict, with hard_sigmoid and sigmoid
 *    gates, relu, go_backwards, return_sequences and initial states;
 *  - the threaded row split (a batch over two row blocks) gives the one-thread bits;
 *  - no tensor leaks.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { RNN_SEQUENCE, useSequenceKernel } from '../src/kernels/rnn-sequence.js';
import { runRecurrent } from '../src/model/layers/recurrent.js';
import type { CellKind } from '../src/model/layers/recurrent-cells.js';
import { createRng } from '../src/random.js';
import { PATHS, rel as maxRel } from './helpers/rop-rules-check.js';

const rng = createRng(5);
const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);

const LAYER: Record<CellKind, (o: any) => tf.layers.Layer> = { SimpleRNN: tf.layers.simpleRNN, LSTM: tf.layers.lstm, GRU: tf.layers.gru };

/** tfjs-layers' layer with seeded weights (biases spread so hard-sigmoid gates leave their linear range), its weights, an input and initial states. */
function layerCase(kind: CellKind, b: number, T: number, F: number, U: number, opts: object) {
  const layer = LAYER[kind]({
    units: U,
    inputShape: [T, F],
    kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
    recurrentInitializer: tf.initializers.glorotNormal({ seed: 2 }),
    biasInitializer: tf.initializers.randomNormal({ stddev: 1, seed: 3 }),
    ...opts,
  });
  const model = tf.sequential({ layers: [layer] });
  const [kernel, recurrent_kernel, bias] = layer.getWeights();
  const initial = Array.from({ length: kind === 'LSTM' ? 2 : 1 }, () => tf.tensor2d(rand(b * U, 1), [b, U]));
  return { model, w: { kernel: kernel!, recurrent_kernel: recurrent_kernel!, bias: bias! }, x: tf.tensor3d(rand(b * T * F, 2), [b, T, F]), initial };
}

/** The unroll's output with the sequence kernel allowed, the kernels that pass ran, then the output step by step. */
async function bothWays(f: () => tf.Tensor): Promise<{ seq: Float32Array; step: Float32Array; ran: string[] }> {
  const before = tf.memory().numTensors;
  try {
    const seq = tf.tidy(() => f().dataSync() as Float32Array);
    const ran = (await tf.profile(() => tf.tidy(() => void f()))).kernels.map((k) => k.name);
    useSequenceKernel(false);
    const step = tf.tidy(() => f().dataSync() as Float32Array);
    expect(tf.memory().numTensors).toBe(before);
    return { seq, step, ran };
  } finally {
    useSequenceKernel(true);
  }
}

const CASES: [CellKind, string, Record<string, unknown>, object][] = [
  ['LSTM', 'hard_sigmoid gates', {}, {}],
  [
    'LSTM',
    'sigmoid gates, relu, go_backwards, return_sequences',
    { recurrent_activation: 'sigmoid', activation: 'relu', go_backwards: true, return_sequences: true },
    { recurrentActivation: 'sigmoid', activation: 'relu', goBackwards: true, returnSequences: true },
  ],
  ['GRU', 'hard_sigmoid gates', {}, {}],
  [
    'GRU',
    'sigmoid gates, go_backwards, return_sequences',
    { recurrent_activation: 'sigmoid', go_backwards: true, return_sequences: true },
    { recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true },
  ],
  ['SimpleRNN', 'tanh', {}, {}],
  [
    'SimpleRNN',
    'relu, go_backwards, return_sequences',
    { activation: 'relu', go_backwards: true, return_sequences: true },
    { activation: 'relu', goBackwards: true, returnSequences: true },
  ],
];

describe.each(PATHS)('recurrent unrolls as one sequence kernel on %s (%s)', (backend, kernels) => {
  const native = kernels === 'native';
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (native ? installNativeKernels : uninstallNativeKernels)();
  });

  it.each(CASES)('%s, %s: output = step by step = tfjs-layers model.predict; with initial states = step by step', async (kind, _, config, opts) => {
    const { model, w, x, initial } = layerCase(kind, 3, 5, 4, 6, opts);
    const cfg = { units: 6, ...config };
    const layer = (init: tf.Tensor[] = []) => runRecurrent(kind, x, w, cfg, 'rnn', { initial: init }).output;
    const plain = await bothWays(() => layer());
    expect(plain.ran.includes(RNN_SEQUENCE)).toBe(native);
    if (!native) return;
    const seq = plain.seq;
    const want = (model.predict(x) as tf.Tensor).dataSync();
    // the fused LSTM step is the same float32 operations: the same bits; SimpleRNN and GRU step as tf ops (wasm's tanh, not C's)
    if (kind === 'LSTM') expect(seq).toEqual(plain.step);
    else expect(maxRel(seq, plain.step)).toBeLessThan(2e-6);
    expect(maxRel(seq, want)).toBeLessThan(2e-6);
    const init = await bothWays(() => layer(initial));
    expect(init.ran.includes(RNN_SEQUENCE)).toBe(true);
    if (kind === 'LSTM') expect(init.seq).toEqual(init.step);
    else expect(maxRel(init.seq, init.step)).toBeLessThan(2e-6);
    expect(maxRel(init.seq, seq)).toBeGreaterThan(1e-3); // the states were read
  });

  it.skipIf(!native)("a batch over two threads' row blocks gives the one-row-block bits; under a tape the unroll runs step by step", async () => {
    // 48 rows × 8 steps × 64 units × 256 gate columns = 6.3M multiply-adds: above the kernel's one-thread limit (2^22)
    const { w, x } = layerCase('LSTM', 48, 8, 5, 64, {});
    const cfg = { units: 64, return_sequences: true };
    const all = await bothWays(() => runRecurrent('LSTM', x, w, cfg, 'rnn').output);
    const rows = await bothWays(() => runRecurrent('LSTM', tf.slice(x, [36, 0, 0], [12, -1, -1]), w, cfg, 'rnn').output);
    expect(all.seq).toEqual(all.step);
    expect(all.seq.slice(36 * 8 * 64)).toEqual(rows.seq); // the last row block alone: one thread
    const taped = await tf.profile(() =>
      tf.tidy(() => void tf.grad((k: tf.Tensor) => tf.sum(runRecurrent('LSTM', x, { ...w, kernel: k }, cfg, 'rnn').output))(w.kernel)),
    );
    expect(taped.kernels.some((k) => k.name === RNN_SEQUENCE)).toBe(false);
  });
});
