/**
 * Outputs of rank ≥ 3 — a sequence [T, C] (LSTM return_sequences → Dense, Conv1D 'same') and a
 * per-pixel map [H, W, C] (Conv2D) — under every tfjs-layers loss: the loss reduces the last axis
 * and averages every other one, as tfjs-layers' model.evaluate does (not a flattened [b, T·C]
 * row); one-hot [T, C] targets and sparse [T] / [T, 1] class indices are accepted; accuracy is
 * the mean over positions; the gradient equals tfjs autodiff and the HVP of the rules equals
 * double backprop and central differences, on cpu and wasm.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { npyFile } from './helpers/multi-io-nets.js';
import { runCli } from './helpers/run-cli.js';

const T = 4,
  F = 2,
  C = 3,
  N = 10;
const init = (seed: number) => ({
  kernelInitializer: tf.initializers.glorotNormal({ seed }),
  biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed }),
});

/** conv2d-head ends in a 1×1 Conv2D (no Dense on a rank-4 input), so the forward-over-reverse rules and their loss head run. */
type Net = 'lstm' | 'conv1d' | 'conv2d' | 'conv2d-head';
const IN_SHAPE: Record<Net, number[]> = { lstm: [T, F], conv1d: [T, F], conv2d: [3, 3, F], 'conv2d-head': [3, 3, F] };

function net(kind: Net, activation: string): tf.LayersModel {
  const body =
    kind === 'lstm'
      ? tf.layers.lstm({
          units: 2,
          returnSequences: true,
          inputShape: IN_SHAPE.lstm,
          recurrentInitializer: tf.initializers.glorotNormal({ seed: 7 }),
          ...init(1),
        })
      : kind === 'conv1d'
        ? tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: IN_SHAPE.conv1d, ...init(2) })
        : tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: IN_SHAPE[kind], ...init(3) });
  const top =
    kind === 'conv2d-head'
      ? tf.layers.conv2d({ filters: C, kernelSize: 1, activation: activation as any, ...init(4) })
      : tf.layers.dense({ units: C, activation: activation as any, ...init(4) });
  return tf.sequential({ layers: [body, top] });
}

interface Case {
  loss: string;
  activation: string;
  /** one target row of C values (or one class index for 'classes'). */
  row: (rng: ReturnType<typeof createRng>) => number[];
}
const oneHot = (c: number) => Array.from({ length: C }, (_, j) => (j === c ? 1 : 0));
const cls = (rng: ReturnType<typeof createRng>) => Math.floor(rng.next() * C);
const normal = (rng: ReturnType<typeof createRng>) => Array.from({ length: C }, () => rng.normal());
const CASES: Case[] = [
  { loss: 'categoricalCrossentropy', activation: 'softmax', row: (r) => oneHot(cls(r)) },
  { loss: 'sparseCategoricalCrossentropy', activation: 'softmax', row: (r) => [cls(r)] },
  { loss: 'binaryCrossentropy', activation: 'sigmoid', row: (r) => Array.from({ length: C }, () => (r.next() < 0.5 ? 0 : 1)) },
  { loss: 'meanSquaredError', activation: 'linear', row: normal },
  { loss: 'meanAbsoluteError', activation: 'linear', row: (r) => normal(r).map((v) => v + Math.sign(v) * 2) },
  { loss: 'meanAbsolutePercentageError', activation: 'linear', row: (r) => normal(r).map((v) => v + Math.sign(v) * 2) },
  { loss: 'meanSquaredLogarithmicError', activation: 'softplus', row: (r) => normal(r).map((v) => Math.abs(v) + 0.1) },
  { loss: 'squaredHinge', activation: 'tanh', row: (r) => Array.from({ length: C }, () => (r.next() < 0.5 ? -1 : 1)) },
  { loss: 'hinge', activation: 'linear', row: (r) => Array.from({ length: C }, () => (r.next() < 0.5 ? -1 : 1)) },
  { loss: 'categoricalHinge', activation: 'linear', row: (r) => oneHot(cls(r)) },
  { loss: 'logcosh', activation: 'linear', row: normal },
  { loss: 'kullbackLeiblerDivergence', activation: 'softmax', row: (r) => oneHot(cls(r)).map((v) => (v + 0.2) / 1.6) },
  { loss: 'poisson', activation: 'softplus', row: (r) => normal(r).map((v) => Math.floor(3 * Math.abs(v))) },
  { loss: 'cosineProximity', activation: 'linear', row: normal },
];
const byLoss = (l: string) => CASES.find((c) => c.loss === l)!;

interface Fixture {
  model: tf.LayersModel;
  objective: LocalObjective;
  fd: LocalObjective;
  theta: Float32Array;
  xs: tf.Tensor;
  ys: tf.Tensor;
}

/** The net compiled with the case's loss, its data (sparse targets as [T] indices, evaluated by tfjs as [T, 1]) and losslens objectives on it. */
async function fixture(kind: Net, c: Case): Promise<Fixture> {
  const model = net(kind, c.activation);
  model.compile({ loss: c.loss, optimizer: 'sgd', metrics: c.loss.endsWith('Crossentropy') ? ['accuracy'] : [] });
  const rng = createRng(11);
  const shape = IN_SHAPE[kind],
    positions = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: N * positions * F }, () => rng.normal());
  const y = Array.from({ length: N * positions }, () => c.row(rng)).flat();
  const sparse = c.loss === 'sparseCategoricalCrossentropy';
  const yShape = sparse ? shape.slice(0, -1) : [...shape.slice(0, -1), C];
  const bundle = loadModel(await checkpointFromModel(model));
  const data = prepareModelData(datasetOf(x, shape, y, 'float', yShape) as any, bundle);
  const objective = new LocalObjective(bundle, data, { batchSize: 4 }); // 10 = 4 + 4 + 2
  const fd = new LocalObjective(bundle, data, { batchSize: 4, hvp: 'fd', fdStep: 1e-2 });
  const xs = tf.tensor(x, [N, ...shape]),
    ys = tf.tensor(y, [N, ...yShape, ...(sparse ? [1] : [])]);
  return { model, objective, fd, theta: bundle.theta0, xs, ys };
}

const release = (f: Fixture) => {
  f.objective.dispose();
  f.fd.dispose();
  f.model.dispose();
  tf.dispose([f.xs, f.ys]);
};
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** tfjs autodiff of the compiled model's own loss (tfjs-layers' function, batch mean), in layout order. */
function tfjsGradient(f: Fixture): Float32Array {
  return tf.tidy(() => {
    const lossFn = ((f.model as any).model ?? f.model).lossFunctions[0] as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    const vars = f.model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.mean(lossFn(f.ys, f.model.apply(f.xs) as tf.Tensor)) as tf.Scalar, vars);
    return Float32Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())));
  });
}

describe.each(['cpu', 'wasm'])('outputs of rank ≥ 3 on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  const grid = (['lstm', 'conv1d', 'conv2d', 'conv2d-head'] as Net[]).flatMap((k) => CASES.map((c) => [k, c.loss] as const));
  it.each(grid)('%s, %s: loss and accuracy = model.evaluate, gradient = tfjs autodiff', async (kind, loss) => {
    const f = await fixture(kind, byLoss(loss));
    const before = tf.memory().numTensors;
    const ref = tf.tidy(() => [f.model.evaluate(f.xs, f.ys, { batchSize: N })].flat().map((t) => (t as tf.Scalar).dataSync()[0]!));
    const ev = await f.objective.evaluate(f.theta);
    expect(Math.abs(ev.loss - ref[0]!)).toBeLessThan(1e-5 * (1 + Math.abs(ref[0]!)));
    if (ref.length > 1) expect(ev.accuracy).toBeCloseTo(ref[1]!, 6); // share of the N·positions predicted right
    if (kind === 'conv2d-head') expect(f.objective.gradEngine()).toBe('rules');
    const truth = tfjsGradient(f);
    const g = (await f.objective.grad(f.theta)).grad;
    expect(maxDiff(g, truth)).toBeLessThan(1e-5 * (1 + maxAbs(truth)));
    expect(tf.memory().numTensors).toBe(before);
    release(f);
  });

  const hvpGrid = (['lstm', 'conv2d', 'conv2d-head'] as Net[]).flatMap((k) =>
    ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError', 'kullbackLeiblerDivergence'].map(
      (l) => [k, l] as const,
    ),
  );
  it.each(hvpGrid)('%s, %s: HVP columns = central differences of the gradient; the Hessian block is symmetric', async (kind, loss) => {
    const f = await fixture(kind, byLoss(loss));
    const d = f.theta.length,
      cols = [0, Math.floor(d / 3), Math.floor((2 * d) / 3), d - 1];
    if (kind === 'conv2d-head') expect(f.objective.hvpEngine()).toBe('forward-over-reverse');
    const before = tf.memory().numTensors;
    const H: Float32Array[] = [];
    for (const j of cols)
      H.push(
        await f.objective.hvp(
          f.theta,
          Float32Array.from({ length: d }, (_, i) => (i === j ? 1 : 0)),
        ),
      );
    const top = Math.max(...H.map(maxAbs));
    expect(top).toBeGreaterThan(1e-3);
    for (const [a, j] of cols.entries()) {
      const col = await f.fd.hvp(
        f.theta,
        Float32Array.from({ length: d }, (_, i) => (i === j ? 1 : 0)),
      );
      expect(maxDiff(H[a]!, col)).toBeLessThan(5e-3 * top); // FD, t = 1e-2: O(t²·|∇³L|) + O(1e-7·|∇L|/t)
      for (const [b, i] of cols.entries()) expect(Math.abs(H[a]![i]! - H[b]![j]!)).toBeLessThan(1e-4 * top);
    }
    expect(tf.memory().numTensors).toBe(before);
    release(f);
  });
});

describe('targets of a sequence output', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('a one-hot [T, C] row that is not a distribution is refused naming the sample and position', async () => {
    const model = net('lstm', 'softmax');
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const bundle = loadModel(await checkpointFromModel(model));
    const y = Array.from({ length: N * T }, (_, i) => oneHot(i % C)).flat();
    y[(5 * T + 2) * C] = 1; // a second one in sample 5, position 2 (whose class is (5T + 2) mod C = 1)
    const ds = datasetOf(new Float32Array(N * T * F), [T, F], y, 'float', [T, C]);
    expect(() => prepareModelData(ds as any, bundle)).toThrow(/in-memory\.csv: target row of sample 5, position 2 sums to 2 \(2 ones: a multi-hot row/);
    const sparse = datasetOf(
      new Float32Array(N * T * F),
      [T, F],
      Array.from({ length: N * T }, (_, i) => (i === 7 ? C : 0)),
      'float',
      [T],
    );
    expect(() => prepareModelData(sparse as any, bundle)).toThrow(/label 3 of sample 1, step 3 is out of range: the model has 3 classes/);
    model.dispose();
  });

  it('integer targets are read per step only for an output with positions: a flat 4-class softmax refuses [n, 2] labels', async () => {
    const flat = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'softmax', inputShape: [F], ...init(6) })] });
    flat.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const bundle = loadModel(await checkpointFromModel(flat));
    expect([bundle.outDim, bundle.outClasses]).toEqual([4, null]);
    // two integer columns of 0/1 for 4 classes: neither one-hot nor one class index a sample, and not two steps of 2 classes
    const ds = datasetOf(
      new Float32Array(N * F),
      [F],
      Array.from({ length: N * 2 }, (_, i) => i % 2),
      'float',
      [2],
    );
    expect(() => prepareModelData(ds as any, bundle)).toThrow(/in-memory\.csv/);
    const seq = net('lstm', 'softmax');
    seq.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const sb = loadModel(await checkpointFromModel(seq));
    expect([sb.outDim, sb.outClasses]).toEqual([T * C, C]);
    const perStep = datasetOf(
      new Float32Array(N * T * F),
      [T, F],
      Array.from({ length: N * T }, (_, i) => i % C),
      'float',
      [T],
    );
    const y = prepareModelData(perStep as any, sb).y;
    expect(Array.from(y.slice(0, 2 * C))).toEqual([1, 0, 0, 0, 1, 0]);
    flat.dispose();
    seq.dispose();
  });
});

describe('a masked sequence output (Embedding mask_zero → LSTM return_sequences → softmax)', () => {
  it('the loss is the unweighted mean over steps, as tfjs-layers 4.22 evaluate computes it (the mask does not weight the loss)', async () => {
    await selectBackend('cpu');
    const V = 5;
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: V, outputDim: 2, inputLength: T, maskZero: true, embeddingsInitializer: tf.initializers.randomNormal({ seed: 1 }) }),
        tf.layers.lstm({ units: 2, returnSequences: true, recurrentInitializer: tf.initializers.glorotNormal({ seed: 2 }), ...init(3) }),
        tf.layers.dense({ units: C, activation: 'softmax', ...init(5) }),
      ],
    });
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
    const rng = createRng(8);
    // every other sample ends in padding (token 0 at its last two steps)
    const tokens = Array.from({ length: N * T }, (_, i) => (i % (2 * T) >= 2 * T - 2 ? 0 : 1 + Math.floor(rng.next() * (V - 1))));
    const labels = Array.from({ length: N * T }, () => Math.floor(rng.next() * C));
    const xs = tf.tensor2d(tokens, [N, T]),
      ys = tf.tensor3d(labels, [N, T, 1]);
    const ref = tf.tidy(() => (model.evaluate(xs, ys) as tf.Scalar).dataSync()[0]!);
    const masked = tf.tidy(() => {
      const per = tf.reshape(((model as any).model.lossFunctions[0] as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(ys, model.predict(xs) as tf.Tensor), [-1]);
      const m = tf.cast(tf.notEqual(tf.reshape(xs, [-1]), 0), 'float32');
      return tf.div(tf.sum(tf.mul(per, m)), tf.sum(m)).dataSync()[0]!;
    });
    expect(Math.abs(masked - ref)).toBeGreaterThan(1e-3); // the data tells the two conventions apart
    const bundle = loadModel(await checkpointFromModel(model));
    const data = prepareModelData(datasetOf(Float32Array.from(tokens), [T], labels, 'float', [T]) as any, bundle);
    const objective = new LocalObjective(bundle, data, {});
    expect(Math.abs((await objective.evaluate(bundle.theta0)).loss - ref)).toBeLessThan(1e-5 * ref);
    objective.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });
});

describe('CLI eval of an Embedding → LSTM(return_sequences) → softmax text model on [n, T] tokens and [n, T] targets', () => {
  it("prints tfjs-layers' model.evaluate loss", async () => {
    await selectBackend('cpu');
    const V = 6,
      n = 8;
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: V, outputDim: 3, inputLength: T, embeddingsInitializer: tf.initializers.randomNormal({ seed: 1 }) }),
        tf.layers.lstm({ units: 3, returnSequences: true, recurrentInitializer: tf.initializers.glorotNormal({ seed: 2 }), ...init(3) }),
        tf.layers.dense({ units: V, activation: 'softmax', ...init(5) }),
      ],
    });
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
    const rng = createRng(3);
    const tokens = Int32Array.from({ length: n * T }, () => Math.floor(rng.next() * V));
    const next = Int32Array.from({ length: n * T }, (_, i) => (i % T === T - 1 ? Math.floor(rng.next() * V) : tokens[i + 1]!));
    const loss = tf.tidy(
      () => (model.evaluate(tf.tensor2d(Float32Array.from(tokens), [n, T]), tf.tensor3d(Float32Array.from(next), [n, T, 1])) as tf.Scalar).dataSync()[0]!,
    );
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-seq-'));
    await saveModelDir(model, path.join(root, 'model'));
    npyFile(path.join(root, 'data', 'x.npy'), tokens, [n, T]);
    npyFile(path.join(root, 'data', 'y.npy'), next, [n, T]);
    const out = path.join(root, 'eval');
    const r = await runCli(['eval', '--model', path.join(root, 'model'), '--data', path.join(root, 'data'), '--out', out, '--quiet', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(Math.abs(summary.loss - loss)).toBeLessThan(1e-5 * loss);
    model.dispose();
    await fs.rm(root, { recursive: true, force: true });
  });
});

/** model.json (topology, weights manifest, training config) and weights.bin, as tfjs's file:// handler writes them. */
async function saveModelDir(model: tf.LayersModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const trainingConfig = (model as any).getTrainingConfig();
      const json = { modelTopology: a.modelTopology, trainingConfig, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
