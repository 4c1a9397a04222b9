/**
 * The Objective against ground truths: linear regression's analytic gradient and Hessian
 * (H = 2X̃ᵀX̃/N), tfjs-layers' own model.evaluate, finite differences of our gradient, and
 * an explicit Hessian built column by column from HVPs on a small tanh MLP.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Matrix } from 'ml-matrix';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { evaluatePoint } from '../src/objective/evaluate-point.js';
import type { Objective } from '../src/objective/types.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { inVariant } from './helpers/kernel-variant.js';

async function linregSetup(n = 64, d = 3) {
  const rng = createRng(7);
  const X = Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => rng.normal() * (j + 1)));
  const y = X.map((r) => r[0] - 2 * r[1] + 0.5 * r[2] + 0.3 + 0.1 * rng.normal());
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [d], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(ckpt);
  const ds = datasetOf(X, [d], y, 'float', [1]);
  return { X, y, bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

async function tanhSetup() {
  const rng = createRng(3);
  const n = 48;
  const X = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
  const labels = X.map((r) => (r[0] * r[1] > 0 ? 1 : r[0] > 0 ? 2 : 0));
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 6,
        activation: 'tanh',
        inputShape: [2],
        kernelInitializer: init(1),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 4 }),
      }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  const bundle = loadModel(ckpt);
  const ds = datasetOf(X, [2], labels, 'class-index');
  return { model, X, labels, bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

// the cpu backend's results do not depend on the wasm kernel variant: it runs in the default projects only
describe.each(inVariant ? ['wasm'] : ['cpu', 'wasm'])('Objective on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it('linear regression: grad and HVP equal the analytic 2X̃ᵀ(X̃w−y)/N and 2X̃ᵀX̃v/N', async () => {
    const { X, y, bundle, data } = await linregSetup();
    const before = tf.memory().numTensors;
    const obj = new LocalObjective(bundle, data, { batchSize: 20 }); // 64 = 20+20+20+4: uneven batches
    const Xt = new Matrix(X.map((r) => [...r, 1]));
    const w = Array.from(bundle.theta0); // kernel (3) then bias (1): manifest order
    const resid = Xt.mmul(Matrix.columnVector(w)).sub(Matrix.columnVector(y));
    const g = Xt.transpose()
      .mmul(resid)
      .mul(2 / X.length)
      .to1DArray();
    const H = Xt.transpose()
      .mmul(Xt)
      .mul(2 / X.length);
    const { loss, grad } = await obj.grad(bundle.theta0);
    expect(loss).toBeCloseTo(resid.to1DArray().reduce((s, r) => s + r * r, 0) / X.length, 4);
    // float32 accumulation over 64 samples of O(10) values: relative 1e-5 guards summation order only
    g.forEach((gi, i) => expect(Math.abs(grad[i] - gi)).toBeLessThan(1e-5 * (1 + Math.abs(gi)) * 10));
    const v = Float32Array.from([0.3, -1, 0.5, 2]);
    const hv = await obj.hvp(bundle.theta0, v);
    const exact = H.mmul(Matrix.columnVector(Array.from(v))).to1DArray();
    exact.forEach((e, i) => expect(Math.abs(hv[i] - e)).toBeLessThan(1e-4 * (1 + Math.abs(e))));
    obj.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('tanh MLP: loss and accuracy equal tfjs-layers model.evaluate', async () => {
    const { model, X, labels, bundle, data } = await tanhSetup();
    const obj = new LocalObjective(bundle, data, { batchSize: 16 });
    const r = await obj.evaluate(bundle.theta0);
    const xs = tf.tensor2d(X);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const ref = model.evaluate(xs, ys) as tf.Scalar;
    // same float32 ops, different batch summation order: 1e-6 relative
    expect(r.loss).toBeCloseTo(ref.dataSync()[0], 5);
    const pred = (model.predict(xs) as tf.Tensor).argMax(-1).dataSync();
    expect(r.accuracy).toBeCloseTo(labels.filter((l, i) => pred[i] === l).length / labels.length, 10);
    tf.dispose([xs, ys, ref]);
    model.dispose();
    obj.dispose();
  });

  it("evaluatePoint: one gradient pass gives evaluate's loss and accuracy; without its metrics, a loss pass too", async () => {
    const { bundle, data } = await tanhSetup();
    const obj = new LocalObjective(bundle, data, { batchSize: 16 });
    const theta = Float32Array.from(bundle.theta0, (t, i) => t + 0.1 * Math.cos(i));
    const [ev, g] = [await obj.evaluate(theta), await obj.grad(theta)];
    const before = tf.memory().numTensors;
    const calls = { evaluate: 0, grad: 0 };
    const counted: Objective = Object.assign(Object.create(obj) as LocalObjective, {
      evaluate: (t: Float32Array) => (calls.evaluate++, obj.evaluate(t)),
      grad: (t: Float32Array) => (calls.grad++, obj.grad(t)),
    });
    const p = await evaluatePoint(counted, theta);
    expect(calls).toEqual({ evaluate: 0, grad: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect({ loss: p.loss, accuracy: p.accuracy, n: p.n }).toEqual(ev);
    expect(p.gradNorm).toBeCloseTo(Math.hypot(...g.grad), 6);
    expect(Object.values(p.gradNormPerLayer).reduce((s, v) => s + v * v, 0)).toBeCloseTo(p.gradNorm ** 2, 8);
    // an objective whose gradient pass measures nothing else: evaluate answers the metrics
    const bare: Objective = Object.assign(Object.create(obj) as LocalObjective, {
      evaluate: (t: Float32Array) => (calls.evaluate++, obj.evaluate(t)),
      grad: async (t: Float32Array) => ({ loss: (await obj.grad(t)).loss, grad: g.grad }),
    });
    const q = await evaluatePoint(bare, theta);
    expect(calls.evaluate).toBe(1);
    expect(q).toEqual(p);
    obj.dispose();
  });

  it('tanh MLP: explicit Hessian from HVPs is symmetric and matches finite differences of the gradient', async () => {
    const { model, bundle, data } = await tanhSetup();
    model.dispose();
    const obj = new LocalObjective(bundle, data);
    const fd = new LocalObjective(bundle, data, { hvp: 'fd', fdStep: 1e-2 });
    const before = tf.memory().numTensors;
    const d = bundle.layout.dim;
    const H: number[][] = [];
    let maxAbs = 0;
    let maxFdErr = 0;
    for (let j = 0; j < d; j++) {
      const e = new Float32Array(d);
      e[j] = 1;
      const col = await obj.hvp(bundle.theta0, e);
      H.push(Array.from(col));
      col.forEach((c) => (maxAbs = Math.max(maxAbs, Math.abs(c))));
      if (j % 5 === 0) {
        const colFd = await fd.hvp(bundle.theta0, e);
        colFd.forEach((c, i) => (maxFdErr = Math.max(maxFdErr, Math.abs(c - col[i]))));
      }
    }
    let asym = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) asym = Math.max(asym, Math.abs(H[i][j] - H[j][i]));
    // exact double backprop in float32: symmetry up to rounding, ~1e-6 of the largest entry
    expect(asym).toBeLessThan(1e-4 * maxAbs);
    // FD with t=1e-2: truncation O(t²·|∇³L|) + roundoff O(1e-7·|∇L|/t): ~1e-3 of the largest entry
    expect(maxFdErr).toBeLessThan(5e-3 * maxAbs);
    expect(tf.memory().numTensors).toBe(before);
    obj.dispose();
    fd.dispose();
  });
});
