/**
 * GRU (reset_after = false, tfjs-layers' only form) and SimpleRNN models built with tfjs-layers, through the
 * objective on every kernel path, against tfjs's own numbers:
 *  - on the native path the loss pass runs each unroll as the sequence kernel and the rules' steps as the
 *    fused step parts (the profiles name them); elsewhere neither runs;
 *  - loss = tfjs-layers' model.evaluate, and the rules' loss = the loss pass's to the bit;
 *  - gradient = tfjs autodiff (tf.variableGrads of the model's loss);
 *  - HVP = central differences of tfjs's gradient; on the native path the explicit Hessian from the rules
 *    (a column per unit HVP) is symmetric, H·v = hvp(v), and its columns are central differences of tfjs's gradient;
 *  - no tensor leaks.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { RNN_SEQUENCE } from '../src/kernels/rnn-sequence.js';
import { RNN_STEP } from '../src/kernels/rnn-step.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { PATHS, asymmetry, rel, unit } from './helpers/rop-rules-check.js';

const T = 4,
  F = 2,
  N = 10,
  CLASSES = 3;
const init = (seed: number) => ({
  units: 3,
  kernelInitializer: tf.initializers.glorotNormal({ seed }),
  recurrentInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }),
  biasInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: seed + 2 }),
});
const head = () => tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 9 }) });
const IN = { inputShape: [T, F] };

const CASES: { name: string; layers: () => tf.layers.Layer[] }[] = [
  { name: 'GRU, hard_sigmoid gates', layers: () => [tf.layers.gru({ ...init(1), ...IN }), head()] },
  {
    name: 'GRU, sigmoid gates, go_backwards, return_sequences → Flatten',
    layers: () => [tf.layers.gru({ ...init(2), ...IN, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true }), tf.layers.flatten(), head()],
  },
  {
    name: 'SimpleRNN tanh, return_sequences → SimpleRNN sigmoid',
    layers: () => [tf.layers.simpleRNN({ ...init(3), ...IN, returnSequences: true }), tf.layers.simpleRNN({ ...init(4), activation: 'sigmoid' }), head()],
  },
];

/** The model, its objective (one batch of all N samples) and the data as tensors. */
async function setup(layers: tf.layers.Layer[]) {
  const model = tf.sequential({ layers });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const rng = createRng(5);
  const x = Float32Array.from({ length: N * T * F }, () => 1.5 * rng.normal());
  const labels = Array.from({ length: N }, (_, i) => i % CLASSES);
  const bundle = loadModel(await checkpointFromModel(model));
  const prepared = prepareData(datasetOf(x, [T, F], labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const xs = tf.tensor3d(x, [N, T, F]),
    ys = tf.oneHot(labels, CLASSES).toFloat();
  return { model, bundle, obj: new LocalObjective(bundle, prepared, { batchSize: N }), xs, ys };
}

/** tfjs's gradient of the model's mean loss at θ (θ in the trainable weights' order), by tf.variableGrads. */
function tfjsGrad(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, theta: Float32Array): Float32Array {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let at = 0;
  for (const v of vars) {
    tf.tidy(() => v.assign(tf.tensor(theta.subarray(at, at + v.size), v.shape)));
    at += v.size;
  }
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(ys, model.predict(xs) as tf.Tensor)) as tf.Scalar, vars);
  const out = Float32Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** Central differences of tfjs's gradient along v (float32 gradients: step 1e-2). */
function tfjsHv(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, theta: Float32Array, v: Float32Array, e = 1e-2): Float32Array {
  const gp = tfjsGrad(
      model,
      xs,
      ys,
      theta.map((t, i) => t + e * v[i]!),
    ),
    gm = tfjsGrad(
      model,
      xs,
      ys,
      theta.map((t, i) => t - e * v[i]!),
    );
  return gp.map((g, i) => (g - gm[i]!) / (2 * e));
}

describe.each(PATHS)('GRU and SimpleRNN models on %s (%s) against tfjs', (backend, kernels) => {
  const native = kernels === 'native';
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (native ? installNativeKernels : uninstallNativeKernels)();
  });

  it.each(CASES)('$name: loss = model.evaluate, gradient = tfjs autodiff, HVP = differences of it = the explicit Hessian', async (c) => {
    const { model, bundle, obj, xs, ys } = await setup(c.layers());
    const theta = bundle.theta0,
      d = bundle.layout.dim;
    expect([obj.hvpEngine(), obj.gradEngine()]).toEqual(['forward-over-reverse', 'rules']);
    expect(Array.from(theta)).toEqual(model.trainableWeights.flatMap((w) => Array.from(w.read().dataSync()))); // θ is the weights in this order
    const before = tf.memory().numTensors;
    const ran = async (f: () => Promise<unknown>) => new Set((await tf.profile(async () => void (await f()))).kernels.map((k) => k.name));
    expect((await ran(() => obj.evaluate(theta))).has(RNN_SEQUENCE)).toBe(native);
    expect((await ran(() => obj.grad(theta))).has(RNN_STEP)).toBe(native);
    const g = await obj.grad(theta);
    const loss = (await obj.evaluate(theta)).loss;
    expect(g.loss).toBe(loss); // the rules' forward is the loss pass's float32 operations
    const want = tf.tidy(() => (model.evaluate(xs, ys, { batchSize: N }) as tf.Scalar).dataSync()[0]!);
    expect(Math.abs(loss - want) / want).toBeLessThan(1e-6); // float32 sums in another order
    expect(rel(g.grad, tfjsGrad(model, xs, ys, theta))).toBeLessThan(1e-5);
    const rng = createRng(17);
    const v = Float32Array.from({ length: d }, () => rng.normal());
    const hv = await obj.hvp(theta, v);
    expect(rel(hv, tfjsHv(model, xs, ys, theta, v))).toBeLessThan(5e-3); // float32 gradients differenced at 1e-2
    expect(tf.memory().numTensors).toBe(before);
    if (!native) return void [obj.dispose(), tf.dispose([xs, ys]), model.dispose()]; // the rules' explicit Hessian on the other paths: recurrent-rop.test.ts
    const H: Float32Array[] = [];
    for (let j = 0; j < d; j++) H.push(await obj.hvp(theta, unit(d, j)));
    expect(asymmetry(H)).toBeLessThan(2e-6);
    expect(
      rel(
        Float32Array.from({ length: d }, (_, i) => H.reduce((s, col, j) => s + col[i]! * v[j]!, 0)),
        hv,
      ),
    ).toBeLessThan(1e-5);
    for (const j of [0, Math.floor(d / 2), d - 1]) expect(rel(H[j]!, tfjsHv(model, xs, ys, theta, unit(d, j)))).toBeLessThan(5e-3);
    expect(tf.memory().numTensors).toBe(before);
    obj.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
