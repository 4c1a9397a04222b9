/**
 * Recurrent and text layers (SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Embedding with
 * mask_zero, Masking) against tfjs-layers itself, on cpu and wasm (run with LOSSLENS_NATIVE=0 for
 * wasm without the native kernels): the loss equals model.evaluate, the gradient equals tfjs
 * autodiff of the model's own loss, and the exact HVP (double backprop through the unrolled
 * cells) equals central finite differences of the gradient and gives a symmetric explicit Hessian.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

const T = 5,
  F = 3,
  N = 12,
  CLASSES = 3;
const init = (seed: number) => ({
  kernelInitializer: tf.initializers.glorotNormal({ seed }),
  recurrentInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }),
  biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: seed + 2 }),
});
const head = () => tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 9 }) });

interface Case {
  name: string;
  layers: () => tf.layers.Layer[];
  ids?: boolean;
}
const CASES: Case[] = [
  { name: 'LSTM (hard_sigmoid gates)', layers: () => [tf.layers.lstm({ units: 3, inputShape: [T, F], ...init(1) }), head()] },
  {
    name: 'GRU, go_backwards, sigmoid gates',
    layers: () => [tf.layers.gru({ units: 3, inputShape: [T, F], goBackwards: true, recurrentActivation: 'sigmoid', ...init(2) }), head()],
  },
  {
    name: 'SimpleRNN return_sequences → TimeDistributed(Dense) → Flatten',
    layers: () => [
      tf.layers.simpleRNN({ units: 3, inputShape: [T, F], returnSequences: true, ...init(3) }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'tanh' }) }),
      tf.layers.flatten(),
      head(),
    ],
  },
  {
    name: 'Bidirectional(LSTM, return_sequences, concat) → LSTM',
    layers: () => [
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true, ...init(4) }) as any, inputShape: [T, F] }),
      tf.layers.lstm({ units: 2, ...init(5) }),
      head(),
    ],
  },
  {
    name: 'Bidirectional(GRU, ave)',
    layers: () => [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, ...init(6) }) as any, inputShape: [T, F], mergeMode: 'ave' }), head()],
  },
  {
    name: 'Embedding mask_zero → LSTM on padded ids',
    ids: true,
    layers: () => [
      tf.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: T, maskZero: true, embeddingsInitializer: tf.initializers.randomNormal({ seed: 7 }) }),
      tf.layers.lstm({ units: 3, ...init(8) }),
      head(),
    ],
  },
  {
    name: 'Embedding mask_zero → GRU go_backwards return_sequences → Flatten',
    ids: true,
    layers: () => [
      tf.layers.embedding({ inputDim: 6, outputDim: 2, inputLength: T, maskZero: true, embeddingsInitializer: tf.initializers.randomNormal({ seed: 10 }) }),
      tf.layers.gru({ units: 2, goBackwards: true, returnSequences: true, ...init(11) }),
      tf.layers.flatten(),
      head(),
    ],
  },
  {
    name: 'Masking → SimpleRNN',
    layers: () => [tf.layers.masking({ maskValue: 0, inputShape: [T, F] }), tf.layers.simpleRNN({ units: 3, ...init(12) }), head()],
  },
];

/** Inputs: Gaussian sequences (with zeroed tail steps, which Masking masks), or padded token ids. */
function data(ids: boolean): { x: Float32Array; xShape: number[]; labels: number[] } {
  const rng = createRng(5);
  const xShape = ids ? [T] : [T, F];
  const x = new Float32Array(N * xShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < N; i++) {
    const len = 1 + (i % T); // padded after `len` steps
    for (let t = 0; t < T; t++) {
      if (ids) x[i * T + t] = t < len ? 1 + rng.int(5) : 0;
      else for (let f = 0; f < F; f++) x[(i * T + t) * F + f] = t < len ? rng.normal() : 0;
    }
  }
  return { x, xShape, labels: Array.from({ length: N }, (_, i) => i % CLASSES) };
}

async function setup(c: Case) {
  const model = tf.sequential({ layers: c.layers() });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const bundle = loadModel(await checkpointFromModel(model));
  const { x, xShape, labels } = data(!!c.ids);
  const prepared = prepareData(datasetOf(x, xShape, labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  return { model, bundle, prepared, xs: tf.tensor(x, [N, ...xShape]), ys: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES) };
}

const rel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
};

describe.each(['cpu', 'wasm'])('recurrent and text layers on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(CASES)('$name: loss = model.evaluate, gradient = tfjs autodiff', async (c) => {
    const { model, bundle, prepared, xs, ys } = await setup(c);
    const obj = new LocalObjective(bundle, prepared, { batchSize: 5 });
    const before = tf.memory().numTensors;
    const loss = (await obj.evaluate(bundle.theta0)).loss,
      ours = (await obj.grad(bundle.theta0)).grad;
    expect(tf.memory().numTensors).toBe(before);
    const ref = model.evaluate(xs, ys) as tf.Scalar;
    expect(loss).toBeCloseTo(ref.dataSync()[0]!, 5);
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(
      () => tf.mean(tf.metrics.categoricalCrossentropy(ys, model.apply(xs, { training: false }) as tf.Tensor)) as tf.Scalar,
      vars,
    );
    const want = new Float32Array(ours.length);
    for (const b of bundle.layout.blocks) {
      const k = model.trainableWeights.findIndex((w) => w.originalName === b.name);
      want.set(grads[vars[k]!.name]!.dataSync(), b.offset);
    }
    expect(rel(ours, want)).toBeLessThan(1e-4);
    tf.dispose([ref, xs, ys, ...Object.values(grads)]);
    obj.dispose();
    model.dispose();
  });

  it.each(CASES)('$name: HVP = central FD of the gradient; explicit Hessian block symmetric', async (c) => {
    const { model, bundle, prepared, xs, ys } = await setup(c);
    tf.dispose([xs, ys]);
    model.dispose();
    const obj = new LocalObjective(bundle, prepared);
    const fd = new LocalObjective(bundle, prepared, { hvp: 'fd', fdStep: 1e-2 });
    const before = tf.memory().numTensors;
    const d = bundle.layout.dim,
      rng = createRng(17);
    const v = Float32Array.from({ length: d }, () => rng.normal());
    expect(rel(await obj.hvp(bundle.theta0, v), await fd.hvp(bundle.theta0, v))).toBeLessThan(5e-3);
    // explicit Hessian on 24 coordinates spread over every weight (each column one HVP): H[S, S] symmetric
    const S = Array.from({ length: Math.min(d, 24) }, (_, k) => Math.floor((k * d) / Math.min(d, 24)));
    const H: Float32Array[] = [];
    for (const j of S)
      H.push(
        await obj.hvp(
          bundle.theta0,
          Float32Array.from({ length: d }, (_, i) => (i === j ? 1 : 0)),
        ),
      );
    let asym = 0,
      max = 0;
    S.forEach((si, a) =>
      S.forEach((sj, b) => {
        asym = Math.max(asym, Math.abs(H[a]![sj]! - H[b]![si]!));
        max = Math.max(max, Math.abs(H[a]![sj]!));
      }),
    );
    expect(asym).toBeLessThan(1e-4 * max);
    expect(tf.memory().numTensors).toBe(before);
    obj.dispose();
    fd.dispose();
  });
});

describe('recurrent and text layers: what tfjs-layers cannot run is refused naming the layer', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('a GRU with reset_after = true (Keras 2 default), a stateful LSTM, an out-of-range token id', async () => {
    const model = tf.sequential({ layers: [tf.layers.gru({ units: 2, inputShape: [T, F] })] });
    model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const ckpt = await checkpointFromModel(model);
    const gru = (ckpt.modelTopology as any).config.layers[0].config;
    gru.reset_after = true;
    expect(() => loadModel(ckpt)).toThrow(/layer "gru_\w+" \(GRU\): reset_after = true/);
    delete gru.reset_after;
    gru.stateful = true;
    expect(() => loadModel(ckpt)).toThrow(/\(GRU\): stateful/);
    const emb = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 4, outputDim: 2, inputLength: T }), tf.layers.flatten()] });
    emb.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const bundle = loadModel(await checkpointFromModel(emb), 'meanSquaredError');
    const ids = new Float32Array(N * T).fill(1);
    ids[7] = 4;
    const obj = new LocalObjective(
      bundle,
      prepareData(datasetOf(ids, [T], new Float32Array(N * T * 2), 'float', [T * 2]), bundle.arch.inputShape, bundle.outDim, bundle.loss),
    );
    await expect(obj.evaluate(bundle.theta0)).rejects.toThrow(/layer "embedding_\w+": token id 4 is outside the Embedding's input_dim range \[0, 3\]/);
    obj.dispose();
    model.dispose();
    emb.dispose();
  });
});
