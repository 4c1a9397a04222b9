/**
 * The forward-over-reverse HVP (src/objective/rop) against double backprop (the tape, a different
 * algorithm over the same loss) and against central differences of the gradient, on models that
 * take every rule: conv (same/valid, stride, dilation), max and average pools, dense, each
 * activation, Activation/ReLU/Softmax layers, Flatten/Reshape/Dropout, frozen layers, the three
 * losses it covers, confident predictions where the probability clip is active; and the models
 * it refuses, which keep double backprop.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { startEngine } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { TrainingGraph } from '../src/train/training-graph.js';
import { POOL_ROUTE, POOL_SPREAD } from '../src/kernels/pool-share.js';
import { nativeKernelsInfo } from '../src/kernels/native-kernels.js';
import { COL2IM } from '../src/kernels/im2col.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { itOnce } from './helpers/kernel-variant.js';

beforeAll(async () => {
  await startEngine({ backend: process.env.LOSSLENS_TEST_BACKEND ?? 'wasm' });
});
afterEach(() => {
  delete process.env.LOSSLENS_HVP;
  delete process.env.LOSSLENS_GRAD;
});

const init = (seed: number) => tf.initializers.glorotNormal({ seed });
const bias = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });

type Build = () => tf.LayersModel;
interface Case {
  name: string;
  build: Build;
  patch?: (layers: any[]) => void;
  input: number[];
  loss: 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError' | 'binaryCrossentropy';
  k: number;
  scale?: number;
}

const CASES: Case[] = [
  {
    name: 'conv relu → max pool → conv (stride 2) → flatten → dense softmax, sparse CE',
    input: [8, 8, 1],
    loss: 'sparseCategoricalCrossentropy',
    k: 3,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 1],
            filters: 8,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: init(1),
            biasInitializer: bias(2),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({
            filters: 3,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'tanh',
            kernelInitializer: init(3),
            biasInitializer: bias(4),
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(5), biasInitializer: bias(6) }),
        ],
      }),
  },
  {
    name: 'dilated conv sigmoid → average pool → reshape → dropout → dense linear → Softmax layer, CE',
    input: [9, 9, 2],
    loss: 'categoricalCrossentropy',
    k: 4,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [9, 9, 2],
            filters: 3,
            kernelSize: 3,
            dilationRate: 2,
            activation: 'sigmoid',
            kernelInitializer: init(7),
            biasInitializer: bias(8),
          }),
          tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
          tf.layers.reshape({ targetShape: [4 * 4 * 3] }),
          tf.layers.dropout({ rate: 0.5 }),
          tf.layers.dense({ units: 4, kernelInitializer: init(9), biasInitializer: bias(10) }),
          tf.layers.softmax(),
        ],
      }),
  },
  {
    name: 'dense tanh → frozen dense → Activation sigmoid → ReLU layer → dense, MSE',
    input: [5],
    loss: 'meanSquaredError',
    k: 2,
    build: () => {
      const frozen = tf.layers.dense({ units: 6, kernelInitializer: init(12), biasInitializer: bias(13) });
      const m = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [5], units: 7, activation: 'tanh', kernelInitializer: init(11), biasInitializer: bias(14) }),
          frozen,
          tf.layers.activation({ activation: 'sigmoid' }),
          tf.layers.reLU(),
          tf.layers.dense({ units: 2, useBias: false, kernelInitializer: init(15) }),
        ],
      });
      frozen.trainable = false;
      return m;
    },
  },
  {
    name: 'confident softmax (scaled logits: the 1e-7 probability clip active on some samples), sparse CE',
    input: [4],
    loss: 'sparseCategoricalCrossentropy',
    k: 3,
    scale: 12,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 5, activation: 'relu', kernelInitializer: init(16), biasInitializer: bias(17) }),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 4, seed: 18 }) }),
        ],
      }),
  },
  {
    name: 'unnormalised output (sigmoid units under categorical CE: the loss divides by their sum)',
    input: [4],
    loss: 'categoricalCrossentropy',
    k: 3,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh', kernelInitializer: init(19), biasInitializer: bias(20) }),
          tf.layers.dense({ units: 3, activation: 'sigmoid', kernelInitializer: init(21), biasInitializer: bias(22) }),
        ],
      }),
  },
  {
    name: 'every other activation: elu, selu, softplus, swish, softsign, relu6, leakyRelu; LeakyReLU, ELU and ReLU(max 6) layers; MSE',
    input: [6],
    loss: 'meanSquaredError',
    k: 2,
    patch: (layers) => (layers[6].config.activation = 'leakyRelu'), // a Keras spelling tfjs-layers cannot build
    build: () =>
      tf.sequential({
        layers: [
          ...['elu', 'selu', 'softplus', 'swish', 'softsign', 'relu6', 'linear'].map((activation, i) =>
            tf.layers.dense({
              ...(i === 0 ? { inputShape: [6] } : {}),
              units: 6,
              activation: activation as 'elu',
              kernelInitializer: init(30 + i),
              biasInitializer: bias(40 + i),
            }),
          ),
          tf.layers.leakyReLU({ alpha: 0.1 }),
          tf.layers.dense({ units: 5, kernelInitializer: init(50), biasInitializer: bias(51) }),
          tf.layers.elu(),
          tf.layers.dense({ units: 5, kernelInitializer: init(52), biasInitializer: bias(53) }),
          tf.layers.reLU({ maxValue: 6 }),
          tf.layers.dense({ units: 2, kernelInitializer: init(54) }),
        ],
      }),
  },
  {
    name: 'conv → BatchNormalization (moving statistics set) → relu → global average pool → dense sigmoid, binary CE',
    input: [6, 6, 2],
    loss: 'binaryCrossentropy',
    k: 2,
    build: () => {
      const bn = tf.layers.batchNormalization();
      const m = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(60), biasInitializer: bias(61) }),
          bn,
          tf.layers.activation({ activation: 'relu' }),
          tf.layers.globalAveragePooling2d({}),
          tf.layers.dense({ units: 2, activation: 'sigmoid', kernelInitializer: init(62), biasInitializer: bias(63) }),
        ],
      });
      const r = createRng(64);
      bn.setWeights(
        bn.getWeights().map((w, i) =>
          tf.tensor(
            Float32Array.from({ length: w.size }, () => (i === 3 ? 0.5 + r.next() : r.normal() * 0.5)),
            w.shape,
          ),
        ),
      );
      return m;
    },
  },
];

async function objectiveOf(c: Case, n = 20) {
  const model = c.build();
  model.compile({ loss: c.loss, optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  c.patch?.((ckpt.modelTopology as any).config.layers);
  const bundle = loadModel(ckpt);
  model.dispose();
  const rng = createRng(3);
  const width = c.input.reduce((a, b) => a * b, 1);
  const X = Float32Array.from({ length: n * width }, () => rng.normal() * (c.scale ?? 1));
  const labels = Array.from({ length: n }, (_, i) => i % c.k);
  const ds =
    c.loss === 'meanSquaredError'
      ? datasetOf(
          X,
          c.input,
          Float32Array.from({ length: n * c.k }, () => rng.normal()),
          'float',
          [c.k],
        )
      : c.loss === 'binaryCrossentropy'
        ? datasetOf(
            X,
            c.input,
            Float32Array.from({ length: n * c.k }, () => (rng.next() < 0.5 ? 0 : 1)),
            'float',
            [c.k],
          )
        : datasetOf(X, c.input, labels, 'class-index');
  return { bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe('forward-over-reverse HVP', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('equals double backprop and finite differences: %s', async (_name, c) => {
    const { bundle, data } = await objectiveOf(c);
    const rop = new LocalObjective(bundle, data, { batchSize: 8 }); // batches of 8, 8, 4
    expect(rop.hvpEngine()).toBe('forward-over-reverse');
    process.env.LOSSLENS_HVP = 'tape';
    const tape = new LocalObjective(bundle, data, { batchSize: 8 });
    expect(tape.hvpEngine()).toBe('double-backprop');
    const fd = new LocalObjective(bundle, data, { batchSize: 8, hvp: 'fd', fdStep: 1e-3 });
    const theta = rop.theta0,
      rng = createRng(11);
    const before = tf.memory().numTensors;
    for (let probe = 0; probe < 3; probe++) {
      const v = Float32Array.from(theta, () => rng.normal());
      const [hr, ht, hf] = [await rop.hvp(theta, v), await tape.hvp(theta, v), await fd.hvp(theta, v)];
      const scale = maxAbs(ht);
      expect(scale).toBeGreaterThan(1e-3);
      expect(maxDiff(hr, ht)).toBeLessThan(2e-5 * scale); // two exact algorithms: float32 rounding apart
      expect(maxDiff(hr, hf)).toBeLessThan(2e-2 * scale); // FD: O(t²) truncation plus float32 roundoff/t
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const o of [rop, tape, fd]) o.dispose();
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    "the gradient by the same rules equals the tape's, and its loss and accuracy the loss pass's to the bit: %s",
    async (_name, c) => {
      const { bundle, data } = await objectiveOf(c);
      const rules = new LocalObjective(bundle, data, { batchSize: 8 });
      expect(rules.gradEngine()).toBe('rules');
      process.env.LOSSLENS_GRAD = 'tape';
      const tape = new LocalObjective(bundle, data, { batchSize: 8 });
      expect(tape.gradEngine()).toBe('tape');
      const theta = Float32Array.from(rules.theta0, (t, i) => t + 0.05 * Math.sin(i)); // off θ₀ too
      const before = tf.memory().numTensors;
      const [r, t, ev] = [await rules.grad(theta), await tape.grad(theta), await rules.evaluate(theta)];
      expect(tf.memory().numTensors).toBe(before);
      expect(r.loss).toBe(ev.loss); // the loss pass's ops: the same float32 value
      // the metrics of the gradient's forward are evaluate's: loss, accuracy (classification only) and n
      expect(r.metrics).toEqual(ev);
      expect('accuracy' in ev).toBe(c.loss !== 'meanSquaredError');
      expect(t.metrics!.accuracy).toBe(ev.accuracy); // the tape's forward: the same argmax
      expect(t.metrics!.loss).toBe(t.loss);
      expect(Math.abs(r.loss - t.loss)).toBeLessThan(1e-6 * Math.abs(t.loss));
      expect(maxAbs(t.grad)).toBeGreaterThan(1e-3);
      expect(maxDiff(r.grad, t.grad)).toBeLessThan(1e-5 * maxAbs(t.grad));
      rules.dispose();
      tape.dispose();
    },
  );

  it("a gradient alone routes dy through each max pool in one kernel (no share array; natively, a first conv and its pool one kernel each way); the HVP spreads both duals through one share, or natively routes R{dy} into the first conv's Hv block", async () => {
    const { bundle, data } = await objectiveOf(CASES[0]!);
    const obj = new LocalObjective(bundle, data, { batchSize: 8 });
    const names = async (run: () => Promise<unknown>) =>
      new Set(
        (
          await tf.profile(async () => {
            await run();
          })
        ).kernels.map((k) => k.name),
      );
    await obj.grad(bundle.theta0); // the first call also runs ropWhyNot's one-sample forward pass (layer by layer)
    const g = await names(() => obj.grad(bundle.theta0));
    expect(g.has(POOL_SPREAD)).toBe(false);
    // natively the first conv and its pool run as one kernel forward and one backward (the route made
    // inside it, a few rows at a time); on wasm's kernels the route kernel runs
    if (nativeKernelsInfo()?.loaded) expect([...g].filter((k) => /Pool/.test(k)).sort()).toEqual(['LosslensConvPool', 'LosslensConvPoolFilter']);
    else expect(g.has(POOL_ROUTE) && !g.has('MaxPoolGrad')).toBe(true);
    const h = await names(() =>
      obj.hvp(
        bundle.theta0,
        Float32Array.from(bundle.theta0, (_, i) => Math.cos(i)),
      ),
    );
    // natively the first conv's Hv block comes from its pool's R{dy} through the same one-kernel route (neither dual of
    // the pool's input gradient made); on wasm's kernels the HVP spreads both duals through one share
    if (nativeKernelsInfo()?.loaded) expect(h.has('LosslensConvPoolFilter') && !h.has(POOL_SPREAD) && !h.has(POOL_ROUTE)).toBe(true);
    else expect(h.has(POOL_SPREAD) && !h.has(POOL_ROUTE)).toBe(true);
    // natively, below the second conv only the first layer, which reads no primal gradient for Hv: its input gradient's primal
    // dual is never made — two input-gradient convolutions a batch (R{g}·W and g·V), not three. On wasm's kernels (no fused
    // conv) the first layer's relu reads the primal, so all three run (col2im(dy·Wᵀ) each)
    const v = Float32Array.from(bundle.theta0, (_, i) => Math.cos(i));
    const hk = (
      await tf.profile(async () => {
        await obj.hvp(bundle.theta0, v);
      })
    ).kernels.map((k) => k.name);
    const native = nativeKernelsInfo()?.loaded;
    expect(hk.filter((k) => k === (native ? 'Conv2DBackpropInput' : COL2IM)).length).toBe((native ? 2 : 3) * obj.stats().batches);
    // natively the relu under the max pool (read off the fused conv's output): its mask is in the pool's share both ways, so
    // no Step runs (nor the tangent's Multiply); wasm's unfused relu makes its mask once a batch
    expect(hk.filter((k) => k === 'Step').length).toBe(native ? 0 : obj.stats().batches);
    obj.dispose();
  });

  it("a training step's gradient by the rules equals the tape's (loss, correct count, gradient); a model with dropout keeps the tape in training mode", async () => {
    const { bundle, data } = await objectiveOf(CASES[0]!);
    const idx = Uint32Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
    const step = async (g: TrainingGraph, training: boolean) => g.gradient(bundle.theta0, idx, { training, seed: 1, step: 0 });
    const rules = new TrainingGraph(bundle, bundle.checkpoint.weights, data);
    const rs = [await step(rules, true), await step(rules, false)];
    process.env.LOSSLENS_GRAD = 'tape';
    const tape = new TrainingGraph(bundle, bundle.checkpoint.weights, data);
    const ts = [await step(tape, true), await step(tape, false)];
    for (const [r, t] of rs.map((r, i) => [r, ts[i]!] as const)) {
      expect(Math.abs(r.loss - t.loss)).toBeLessThan(1e-6 * t.loss);
      expect(r.correct).toBe(t.correct);
      expect(maxDiff(r.grad, t.grad)).toBeLessThan(1e-5 * maxAbs(t.grad));
    }
    delete process.env.LOSSLENS_GRAD;
    const { bundle: db, data: dd } = await objectiveOf(CASES[1]!); // has Dropout(0.5)
    const withDropout = new TrainingGraph(db, db.checkpoint.weights, dd);
    const a = await withDropout.gradient(db.theta0, idx, { training: true, seed: 1, step: 0 });
    const b = await withDropout.gradient(db.theta0, idx, { training: false, seed: 1, step: 0 });
    expect(maxDiff(a.grad, b.grad)).toBeGreaterThan(1e-4 * maxAbs(b.grad)); // the training-mode mask ran (tape)
  });

  it('the explicit Hessian it builds is symmetric (LeNet-like net, every column an HVP)', async () => {
    const { bundle, data } = await objectiveOf(CASES[0]!, 12);
    const obj = new LocalObjective(bundle, data);
    const d = obj.layout.dim,
      theta = obj.theta0;
    const H: Float32Array[] = [];
    for (let j = 0; j < d; j++) {
      const e = new Float32Array(d);
      e[j] = 1;
      H.push(await obj.hvp(theta, e));
    }
    let asym = 0,
      big = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
        big = Math.max(big, Math.abs(H[i]![j]!));
      }
    expect(big).toBeGreaterThan(1e-2);
    expect(asym).toBeLessThan(1e-5 * big);
    obj.dispose();
  });

  itOnce('refuses what it does not cover, naming it, and those models keep double backprop', async () => {
    const input = tf.input({ shape: [3] });
    const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor,
      b = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
    const merged = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 2, activation: 'softmax' }).apply(tf.layers.add().apply([a, b])) as tf.SymbolicTensor,
    });
    const gmax = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }),
        tf.layers.globalMaxPooling2d({}),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const pool = tf.sequential({
      layers: [
        tf.layers.maxPooling2d({ inputShape: [6, 6, 1], poolSize: 3, strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const bnAxis = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }),
        tf.layers.batchNormalization({ axis: 1 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const cases: Array<[tf.LayersModel, string, number[]]> = [
      [merged, 'not in a chain', [3]],
      [gmax, 'GlobalMaxPooling2D has no forward-over-reverse rule', [6, 6, 1]],
      [pool, 'stride is not its size', [6, 6, 1]],
      [bnAxis, 'BatchNormalization over axis 1', [6, 6, 1]],
    ];
    for (const [model, why, shape] of cases) {
      model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
      const bundle = loadModel(await checkpointFromModel(model));
      model.dispose();
      const n = 4,
        width = shape.reduce((x, y) => x * y, 1);
      const ds = datasetOf(
        Float32Array.from({ length: n * width }, (_, i) => Math.sin(i)),
        shape,
        [0, 1, 1, 0],
        'class-index',
      );
      const obj = new LocalObjective(bundle, prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss));
      expect(obj.hvpEngine()).toBe('double-backprop');
      expect(obj.hvpEngineReason).toContain(why);
      expect((await obj.hvp(obj.theta0, obj.theta0)).every(Number.isFinite)).toBe(true);
      obj.dispose();
    }
  });
});
