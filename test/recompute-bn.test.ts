/**
 * --recompute-bn: BatchNorm moving statistics re-estimated from the training data at a point.
 * References are computed independently with tfjs-layers itself (the loaded LayersModel, a
 * sub-model ending at the BN layer's input, tf.moments / float64 sums), never with our forward.
 * Tolerances (float32): statistics |Δ| ≤ 1e-5 + 1e-4·|ref|; losses |Δ| ≤ 2e-5·(1 + ref).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { loadDataset } from '../src/io/dataset.js';
import type { Checkpoint } from '../src/io/types.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createObjective } from '../src/objective/create-objective.js';
import { recomputeBatchNorm } from '../src/objective/recompute-batch-norm.js';
import { batchNormLayers, type BatchNormStats } from '../src/objective/batch-norm-stats.js';
import { computeSlice } from '../src/landscape/slice.js';
import { interpolate, endsBatchNorm } from '../src/landscape/interpolate.js';
import { gaussianVector } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { runCli, ROOT } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures/functional');
const close = (a: ArrayLike<number>, ref: ArrayLike<number>) => {
  expect(a.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) expect(Math.abs(a[i] - ref[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(ref[i]));
};

/** tfjs-layers' own model from a Checkpoint. */
function layersModel(ck: Checkpoint): Promise<tf.LayersModel> {
  const data = new Float32Array(ck.weights.reduce((s, w) => s + w.values.length, 0));
  let off = 0;
  for (const w of ck.weights) {
    data.set(w.values, off);
    off += w.values.length;
  }
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: ck.modelTopology,
      weightSpecs: ck.weights.map((w) => ({ name: w.spec.name, shape: w.spec.shape, dtype: w.spec.dtype })),
      weightData: data.buffer,
    }),
  });
}

/** Population mean and biased variance of `layer`'s input, in float64, from tfjs-layers activations. */
function referenceStats(model: tf.LayersModel, layer: string, x: tf.Tensor): { mean: Float64Array; variance: Float64Array } {
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).input as tf.SymbolicTensor });
  const act = sub.predict(x) as tf.Tensor;
  const [n, c] = [act.shape[0], act.size / act.shape[0]];
  const v = act.dataSync();
  act.dispose();
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mean[j] += v[i * c + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) variance[j] += (v[i * c + j] - mean[j]) ** 2 / n;
  return { mean, variance };
}

/** A copy of `ck` with one BN layer's moving statistics replaced. */
function withBnStats(ck: Checkpoint, layer: string, mean: ArrayLike<number>, variance: ArrayLike<number>): Checkpoint {
  const weights = ck.weights.map((w) => {
    if (w.spec.name === `${layer}/moving_mean`) return { spec: w.spec, values: Float32Array.from(mean) };
    if (w.spec.name === `${layer}/moving_variance`) return { spec: w.spec, values: Float32Array.from(variance) };
    return w;
  });
  return { ...ck, weights };
}

let ckpt: Checkpoint;
let corrupted: Checkpoint;
let data: PreparedData;
let xs: tf.Tensor;

beforeAll(async () => {
  await selectBackend('cpu');
  ckpt = await readCheckpoint(FIX);
  const ds = await loadDataset({ data: path.join(FIX, 'data.csv') });
  const b = loadModel(ckpt);
  data = prepareData(ds, b.arch.inputShape, b.outDim, b.loss);
  xs = tf.keep(tf.tensor(data.x, [data.n, ...data.inputShape]));
  const mm = ckpt.weights.find((w) => w.spec.name === 'trunk_bn/moving_mean')!.values;
  const mv = ckpt.weights.find((w) => w.spec.name === 'trunk_bn/moving_variance')!.values;
  corrupted = withBnStats(
    ckpt,
    'trunk_bn',
    mm.map((m) => m + 2),
    mv.map((v) => v * 25),
  );
});

describe('recomputed BatchNorm statistics', () => {
  it('equal the population mean and biased variance of the BN input (tfjs-layers activations, float64 reference)', async () => {
    const model = await layersModel(corrupted);
    const ref = referenceStats(model, 'trunk_bn', xs);
    model.dispose();
    for (const batchSize of [512, 64]) {
      // one batch, and 7 batches merged (Chan)
      const obj = new LocalObjective(loadModel(corrupted), data, { batchSize });
      const stats = await recomputeBatchNorm(obj, ['trunk_bn'], obj.theta0);
      close(stats.trunk_bn.mean, ref.mean);
      close(stats.trunk_bn.variance, ref.variance);
      obj.dispose();
    }
  });

  it('are taken layer by layer: a second BN layer sees the first one normalised by its recomputed statistics', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 6, activation: 'relu', inputShape: [8], kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }), name: 'd1' }),
        tf.layers.batchNormalization({ name: 'bn1', movingMeanInitializer: 'ones', movingVarianceInitializer: tf.initializers.constant({ value: 9 }) }),
        tf.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 8 }), name: 'd2' }),
        tf.layers.batchNormalization({ name: 'bn2', movingMeanInitializer: 'ones', movingVarianceInitializer: tf.initializers.constant({ value: 0.1 }) }),
        tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
      ],
    });
    model.compile({ loss: 'binaryCrossentropy', optimizer: 'sgd' });
    const ck = await checkpointFromModel(model);
    const bundle = loadModel(ck);
    const d2 = prepareData(datasetOf(data.x as Float32Array, [8], data.y, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const obj = new LocalObjective(bundle, d2, { batchSize: 128 });
    const stats = await recomputeBatchNorm(obj, batchNormLayers(bundle.arch), obj.theta0);
    // reference: set bn1 to its population statistics in tfjs-layers, then measure bn2's input
    const r1 = referenceStats(model, 'bn1', xs);
    const bn1 = model.getLayer('bn1');
    const [g, b] = bn1.getWeights();
    bn1.setWeights([g, b, tf.tensor(Float32Array.from(r1.mean)), tf.tensor(Float32Array.from(r1.variance))]);
    const r2 = referenceStats(model, 'bn2', xs);
    close(stats.bn1.mean, r1.mean);
    close(stats.bn1.variance, r1.variance);
    close(stats.bn2.mean, r2.mean);
    close(stats.bn2.variance, r2.variance);
    obj.dispose();
    model.dispose();
  });
});

describe('evaluating with recomputed statistics', () => {
  it('at α = 0 on corrupted moving statistics restores the loss with the true population statistics', async () => {
    const model = await layersModel(corrupted);
    const ref = referenceStats(model, 'trunk_bn', xs);
    const fixed = withBnStats(corrupted, 'trunk_bn', ref.mean, ref.variance);
    const good = await layersModel(fixed);
    const refLoss = tf.tidy(() => tf.mean(tf.metrics.binaryCrossentropy(tf.tensor(data.y, [data.n, 1]), good.predict(xs) as tf.Tensor)).dataSync()[0]);
    model.dispose();
    good.dispose();

    const obj = new LocalObjective(loadModel(corrupted), data);
    const plain = await obj.loss(obj.theta0);
    expect(plain).toBeGreaterThan(refLoss + 0.1); // the corruption matters
    const d = gaussianVector(obj.layout.dim, 3);
    const at = (t: Float32Array) => recomputeBatchNorm(obj, ['trunk_bn'], t);
    const s = await computeSlice(obj, undefined, obj.theta0, d, undefined, { dims: 1, range: [-0.5, 0.5], points: 3, batchNormAt: at });
    expect(Math.abs(s.baseLoss - refLoss)).toBeLessThanOrEqual(2e-5 * (1 + refLoss));
    expect((s.train.loss as number[])[1]).toBeCloseTo(s.baseLoss, 6);
    obj.dispose();
  });

  it('gives the same statistics and losses with 1 and 2 workers (also on a --bn-samples subset)', async () => {
    const sub: PreparedData = { ...data, n: 150, x: data.x.slice(0, 150 * 8), y: data.y.slice(0, 150) };
    const local = await createObjective(corrupted, data, { workers: 1, backend: 'cpu' });
    const pool = await createObjective(corrupted, data, { workers: 2, backend: 'cpu' });
    const localSub = await createObjective(corrupted, data, { workers: 1, backend: 'cpu', bnData: sub });
    const poolSub = await createObjective(corrupted, data, { workers: 2, backend: 'cpu', bnData: sub });
    try {
      const d = gaussianVector(local.layout.dim, 5);
      const theta = local.theta0.map((t, i) => t + 0.3 * d[i]);
      const pairs: [typeof local, typeof local][] = [
        [local, pool],
        [localSub, poolSub],
      ];
      const got: BatchNormStats[] = [];
      for (const [a, b] of pairs) {
        const [sa, sb] = [await recomputeBatchNorm(a, ['trunk_bn'], theta), await recomputeBatchNorm(b, ['trunk_bn'], theta)];
        close(sb.trunk_bn.mean, sa.trunk_bn.mean);
        close(sb.trunk_bn.variance, sa.trunk_bn.variance);
        const [la, lb] = [await a.evaluate(theta, { batchNorm: sa }), await b.evaluate(theta, { batchNorm: sb })];
        expect(Math.abs(la.loss - lb.loss)).toBeLessThanOrEqual(2e-5 * (1 + la.loss));
        expect(lb.accuracy).toBe(la.accuracy);
        got.push(sa);
      }
      expect(got[1].trunk_bn.mean[0]).not.toBe(got[0].trunk_bn.mean[0]); // the subset is really used
    } finally {
      for (const o of [local, pool, localSub, poolSub]) await ((o as { close?: () => Promise<void> }).close?.() ?? o.dispose());
    }
  }, 60_000);

  it("interpolate without --recompute-bn evaluates each end with its own checkpoint's moving statistics", async () => {
    const [a, b] = [loadModel(ckpt), loadModel(corrupted)];
    const obj = new LocalObjective(a, data);
    const objB = new LocalObjective(b, data);
    const r = await interpolate(obj, undefined, a.theta0, b.theta0, { range: [0, 1], points: 3, batchNormAt: endsBatchNorm(a, b) });
    expect(r.ends.lossA).toBeCloseTo(await obj.loss(a.theta0), 6);
    expect(r.ends.lossB).toBeCloseTo(await objB.loss(b.theta0), 6); // B's own (corrupted) statistics, not A's
    expect(r.ends.lossB).toBeGreaterThan(r.ends.lossA + 0.1);
    obj.dispose();
    objB.dispose();
  });

  it('leaks no tensors', async () => {
    const obj = new LocalObjective(loadModel(corrupted), data, { batchSize: 100 });
    const before = tf.memory().numTensors;
    const stats = await recomputeBatchNorm(obj, ['trunk_bn'], obj.theta0);
    await obj.evaluate(obj.theta0, { batchNorm: stats });
    await obj.loss(obj.theta0);
    expect(tf.memory().numTensors).toBe(before);
    obj.dispose();
  });
});

describe('CLI --recompute-bn', () => {
  it('slice and interpolate on fixtures/functional record recomputed statistics; refused where meaningless', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-rbn-'));
    const common = ['--data', path.join(FIX, 'data.csv'), '--backend', 'cpu', '--quiet'];
    const [sl, ip, noBn, noFlag] = await Promise.all([
      runCli(['slice', '-m', FIX, ...common, '--points', '3', '--recompute-bn', '--bn-samples', '200', '--workers', '2', '--out', path.join(dir, 's')]),
      runCli(['interpolate', '--from', FIX, '--to', FIX, ...common, '--points', '3', '--recompute-bn', '--out', path.join(dir, 'i')]),
      runCli([
        'slice',
        '-m',
        path.join(ROOT, 'fixtures/mlp-relu'),
        '--data',
        path.join(ROOT, 'fixtures/mlp-relu'),
        '--recompute-bn',
        '--out',
        path.join(dir, 'x'),
      ]),
      runCli(['slice', '-m', FIX, ...common, '--bn-samples', '10', '--out', path.join(dir, 'y')]),
    ]);
    expect(sl.code, sl.stderr).toBe(0);
    const s = JSON.parse(readFileSync(path.join(dir, 's', 'summary.json'), 'utf8'));
    expect(s.batchNorm).toMatchObject({ recomputed: true, layers: ['trunk_bn'], samples: 200 });
    expect(ip.code, ip.stderr).toBe(0);
    const i = JSON.parse(readFileSync(path.join(dir, 'i', 'summary.json'), 'utf8'));
    expect(i.batchNorm).toMatchObject({ recomputed: true, layers: ['trunk_bn'], samples: 400 });
    expect(i.interpolation.barrier).toBeCloseTo(0, 5); // A = B
    expect(noBn.code).toBe(2);
    expect(noBn.stderr.trim()).toMatch(/^losslens: option --recompute-bn: .*has no BatchNormalization layers$/);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr.trim()).toBe('losslens: option --bn-samples: only applies with --recompute-bn');
  }, 90_000);
});
