/**
 * Gradient noise (gradients --noise): on linear regression with MSE the per-example gradients are
 * gᵢ = 2rᵢ[xᵢ; 1] in closed form, so tr Σ, ‖G‖² and B_simple are known exactly; the two-batch-size
 * estimates must lie within 3 standard errors of them, and across seeds the ±2 SE intervals must
 * cover the truth about 95% of the time (the errors are honest). Per layer on an MLP against
 * brute-force per-sample gradients. No tensors leak.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel, type ModelBundle } from '../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../src/objective/prepare-data.js';
import { createRng } from '../src/random.js';
import { gradientNoise, resolveNoiseOptions } from '../src/gradients/gradient-noise.js';
import { flatBatchGradient } from '../src/gradients/flat-batch-gradient.js';
import { analysedLayers, weightLayers } from '../src/gradients/layers.js';
import { withModel } from '../src/gradients/analyze-gradients.js';
import { reinitialize } from '../src/gradients/reinitialize.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

async function bundleOf(layers: tf.layers.Layer[], loss: string): Promise<ModelBundle> {
  const model = tf.sequential({ layers });
  model.compile({ loss, optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  // seeded weights (tfjs' own initialisers are not): the same numbers every run
  const arch = loadModel(ckpt).arch;
  return loadModel(reinitialize(ckpt, arch, 'glorotUniform', 7));
}

/** N samples, d features, y = xᵀw* + 0.5ε; the model's own (random) weights are θ. */
async function regression(N: number, d: number) {
  const bundle = await bundleOf([tf.layers.dense({ units: 1, inputShape: [d] })], 'meanSquaredError');
  const r = createRng(11);
  const x = Float32Array.from({ length: N * d }, () => r.normal());
  const y = Array.from({ length: N }, (_, i) => 0.7 * x[i * d] - 0.4 * x[i * d + 1] + 0.5 * r.normal());
  const data = prepareData(datasetOf(x, [d], y, 'float', [1]), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  // closed form: gᵢ = 2rᵢ[xᵢ; 1], rᵢ = wᵀxᵢ + b − yᵢ
  const w = bundle.checkpoint.weights[0].values,
    b = 0.1;
  bundle.checkpoint.weights[1].values[0] = b;
  const g = Array.from({ length: N }, (_, i) => {
    let ri = b - data.y[i];
    for (let j = 0; j < d; j++) ri += w[j] * data.x[i * d + j];
    return [...Array.from({ length: d }, (_, j) => 2 * ri * data.x[i * d + j]), 2 * ri];
  });
  const G = g[0].map((_, j) => g.reduce((s, gi) => s + gi[j], 0) / N);
  const trace = g.reduce((s, gi) => s + gi.reduce((t, v, j) => t + (v - G[j]) ** 2, 0), 0) / (N - 1);
  const G2 = G.reduce((s, v) => s + v * v, 0);
  return { bundle, data, truth: { trace, G2, bSimple: trace / G2 } };
}

const run = (bundle: ModelBundle, data: PreparedData, o: { batchSize: number; groups: number; groupSize?: number; seed?: number }) =>
  withModel(bundle, bundle.checkpoint, (m) => gradientNoise(m, analysedLayers(bundle.arch), data, o));

describe('gradient noise estimates against closed forms', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('linear regression: tr Σ, ‖G‖², B_simple within 3 standard errors; variance and SNR at B follow', async () => {
    const { bundle, data, truth } = await regression(2048, 3);
    const before = tf.memory().numTensors;
    const r = await run(bundle, data, { batchSize: 8, groups: 200, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.minibatches).toBe(800);
    expect(r.layers).toHaveLength(1);
    const o = r.overall;
    for (const [est, want] of [
      [o.traceSigma, truth.trace],
      [o.gradNormSq, truth.G2],
      [o.bSimple, truth.bSimple],
    ] as const) {
      expect(est.se).toBeGreaterThan(0);
      expect(Math.abs(est.value - want)).toBeLessThan(3 * est.se);
      expect(est.se).toBeLessThan(0.2 * Math.abs(want)); // informative, not just wide
    }
    expect(o.resolved).toBe(true);
    expect(o.batchVariance.value).toBeCloseTo(o.traceSigma.value * (1 / 8 - 1 / 2048), 10);
    expect(o.snr.value).toBeCloseTo(o.gradNormSq.value / o.batchVariance.value, 8);
    expect(r.layers[0].traceSigma.value).toBeCloseTo(o.traceSigma.value, 8);
    console.log(
      `linreg truth tr Σ ${truth.trace.toFixed(4)} ‖G‖² ${truth.G2.toFixed(4)} B_simple ${truth.bSimple.toFixed(3)}; estimate ${o.traceSigma.value.toFixed(4)}±${o.traceSigma.se.toFixed(4)}, ${o.gradNormSq.value.toFixed(4)}±${o.gradNormSq.se.toFixed(4)}, ${o.bSimple.value.toFixed(3)}±${o.bSimple.se.toFixed(3)}`,
    );
  });

  it('the ±2 SE intervals cover the truth in about 95% of seeds', async () => {
    const { bundle, data, truth } = await regression(4096, 2); // groups use 16% of it: little finite-population shrinkage of the spread
    let coveredT = 0,
      coveredB = 0;
    const seeds = 30;
    for (let s = 0; s < seeds; s++) {
      const o = (await run(bundle, data, { batchSize: 4, groups: 40, seed: 100 + s })).overall;
      if (Math.abs(o.traceSigma.value - truth.trace) <= 2 * o.traceSigma.se) coveredT++;
      if (Math.abs(o.bSimple.value - truth.bSimple) <= 2 * o.bSimple.se) coveredB++;
    }
    console.log(`±2 SE coverage over ${seeds} seeds: tr Σ ${coveredT}, B_simple ${coveredB}`);
    expect(coveredT / seeds).toBeGreaterThanOrEqual(0.8);
    expect(coveredB / seeds).toBeGreaterThanOrEqual(0.8);
  });

  it('per layer on an MLP: tr Σ_ℓ and ‖G_ℓ‖² within 3 SE of brute-force per-sample gradients; layers add up', async () => {
    const bundle = await bundleOf(
      [tf.layers.dense({ units: 6, activation: 'tanh', inputShape: [3] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
      'categoricalCrossentropy',
    );
    const r = createRng(4);
    const N = 600;
    const X = Array.from({ length: N }, () => [r.normal(), r.normal(), r.normal()]);
    const labels = X.map((x) => (x[0] + 0.5 * x[1] > 0.3 ? 0 : x[2] > 0 ? 1 : 2));
    const data = prepareData(datasetOf(X, [3], labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const layers = weightLayers(analysedLayers(bundle.arch));
    const truth = await withModel(bundle, bundle.checkpoint, async (m) => {
      const per: Float32Array[][] = [];
      for (let i = 0; i < N; i++)
        per.push(
          (
            await flatBatchGradient(
              m,
              data,
              Uint32Array.of(i),
              layers.flatMap((l) => l.trainable),
            )
          ).grads,
        );
      let p = 0;
      return layers.map((l) => {
        const blocks = l.trainable.map(() => p++);
        const vecs = per.map((g) => blocks.flatMap((b) => Array.from(g[b])));
        const G = vecs[0].map((_, j) => vecs.reduce((s, v) => s + v[j], 0) / N);
        const trace = vecs.reduce((s, v) => s + v.reduce((t, x, j) => t + (x - G[j]) ** 2, 0), 0) / (N - 1);
        return { trace, G2: G.reduce((s, v) => s + v * v, 0) };
      });
    });
    const est = await run(bundle, data, { batchSize: 10, groups: 60, groupSize: 5, seed: 1 });
    expect(est.layers.map((l) => l.name)).toEqual(layers.map((l) => l.name));
    est.layers.forEach((l, i) => {
      expect(Math.abs(l.traceSigma.value - truth[i].trace)).toBeLessThan(3 * l.traceSigma.se);
      expect(Math.abs(l.gradNormSq.value - truth[i].G2)).toBeLessThan(3 * l.gradNormSq.se);
    });
    expect(est.overall.traceSigma.value).toBeCloseTo(
      est.layers.reduce((s, l) => s + l.traceSigma.value, 0),
      8,
    );
    expect(est.layers[0].params).toBe(3 * 6 + 6);
  });

  it('refuses groups that need more samples than the data has, naming the field', () => {
    expect(() => resolveNoiseOptions({ batchSize: 64, groupSize: 4 }, 100)).toThrow(/noiseGroupSize/);
    expect(() => resolveNoiseOptions({ batchSize: 8, groups: 1 }, 100)).toThrow(/noiseGroups/);
  });
});

describe('training batch size for the noise scale', () => {
  it('read from the training config when a tool stored it, else null (unknown)', async () => {
    const { trainingBatchSize } = await import('../src/gradients/training-batch-size.js');
    expect(trainingBatchSize({ loss: 'mse', batch_size: 128 })).toBe(128);
    expect(trainingBatchSize({ fit: { batchSize: 32 } })).toBe(32);
    expect(trainingBatchSize({ loss: 'mse', optimizer_config: {} })).toBeNull();
    expect(trainingBatchSize(undefined)).toBeNull();
    expect(trainingBatchSize({ batch_size: -3 })).toBeNull();
  });
});
