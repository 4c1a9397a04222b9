/**
 * `train` on a model with two inputs and two outputs against tfjs-layers' own model.fit: one epoch of
 * SGD with the same loss per output and loss_weights, the same batches (no shuffle, a last batch
 * of 2), the BatchNorm variant in training mode. The trained weights (moving statistics included)
 * equal model.fit's to float32 rounding, and the history's per-output losses equal fit's
 * `<output>_loss`. tfjs-layers' compile takes no loss_weights: its reference losses are the
 * compiled loss functions times wₖ, so its `<output>_loss` is wₖ · lossₖ. `output` trains one head:
 * the reference is fit with weights [0, 1], and the other head's weights stay where they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { loadDataset } from '../src/io/dataset.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { modelIONames } from '../src/objective/fit-inputs.js';
import { trainRun } from '../src/train/index.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { symmetricEigenvalues } from '../src/curvature/symmetric-eigen.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { N, WEIGHTS, npyFile, tensorsOf, twoHeadData, twoHeads, type TwoHeadData } from './helpers/multi-io-nets.js';

const LR = 0.3,
  BATCH = 6; // 20 samples: batches of 6, 6, 6 and 2

let dir: string;
let d: TwoHeadData;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-train-multi-io-'));
  d = twoHeadData();
  npyFile(path.join(dir, 'in_a.npy'), d.a, [N, 3]);
  npyFile(path.join(dir, 'in_b.npy'), d.b, [N, 2]);
  npyFile(path.join(dir, 'cls.npy'), Int32Array.from(d.labels), [N]);
  npyFile(path.join(dir, 'reg.npy'), d.reg, [N, 2]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fitted {
  ckpt: Checkpoint;
  weights: Map<string, Float32Array>;
  history: Record<string, number[]>;
}

/** A fresh net saved as a checkpoint (loss_weights `w` in its config), then one epoch of tfjs' model.fit with the losses times `w`. */
async function fitReference(w: number[], batchNorm: boolean): Promise<Fitted> {
  const net = twoHeads({ batchNorm });
  const ckpt = await checkpointFromModel(net);
  ckpt.trainingConfig = { ...ckpt.trainingConfig, loss_weights: w };
  const fns = (net as any).lossFunctions as ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[];
  net.compile({ optimizer: tf.train.sgd(LR), loss: fns.map((f, k) => (y: tf.Tensor, p: tf.Tensor) => tf.mul(w[k]!, f(y, p))) });
  const { xs, ys } = tensorsOf(d);
  const h = await net.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
  const weights = new Map(net.weights.map((v) => [v.originalName, v.read().dataSync() as Float32Array]));
  tf.dispose([...xs, ...ys]);
  net.dispose();
  return { ckpt, weights, history: h.history as Record<string, number[]> };
}

async function train(ckpt: Checkpoint) {
  const model = loadModel(ckpt);
  const data = prepareModelData(await loadDataset({ data: dir, model: modelIONames(model.arch) }), model);
  const before = tf.memory().numTensors;
  const out = await trainRun({ init: 'checkpoint', epochs: 1, batchSize: BATCH, valSplit: 0, shuffle: false, optimizer: { name: 'sgd', lr: LR } }, model, data);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

/** Every weight of the trained checkpoint against the reference's, to float32 rounding of values of order 1. */
function expectWeightsEqual(trained: Checkpoint, ref: Map<string, Float32Array>): void {
  expect(trained.weights.map((w) => w.spec.name).sort()).toEqual([...ref.keys()].sort());
  for (const w of trained.weights) {
    const r = ref.get(w.spec.name)!;
    w.values.forEach((v, i) => expect(Math.abs(v - r[i]!), `${w.spec.name}[${i}]`).toBeLessThan(2e-6 * Math.max(1, Math.abs(r[i]!))));
  }
}

describe('train with two inputs and two outputs equals tfjs-layers model.fit', () => {
  for (const batchNorm of [false, true]) {
    it(`one SGD epoch on Σ w_k loss_k: weights and per-output history losses${batchNorm ? ' (BatchNorm in training mode, moving statistics)' : ''}`, async () => {
      const ref = await fitReference(WEIGHTS, batchNorm);
      const { result, checkpoint } = await train(ref.ckpt);
      expect(result.steps).toBe(4);
      expectWeightsEqual(checkpoint, ref.weights);
      if (batchNorm) expect(checkpoint.weights.find((w) => w.spec.name === 'bn/moving_mean')!.values.some((v) => v !== 0)).toBe(true);
      const epoch = result.history.epochs[1]!;
      expect(epoch.runningLoss).toBeCloseTo(ref.history.loss![0]!, 5);
      expect(epoch.outputs!.map((o) => o.name)).toEqual(['cls', 'reg']);
      epoch.outputs!.forEach((o, k) => expect(WEIGHTS[k]! * o.runningLoss!).toBeCloseTo(ref.history[`${o.name}_loss`]![0]!, 5));
      // the per-step record: each output's minibatch loss, the total their weighted sum, accuracy for the softmax head only
      const steps = result.history.steps;
      expect(steps.accuracy).toBeUndefined();
      expect(steps.outputs!.map((o) => [o.name, o.lossName, o.weight, o.accuracy !== undefined])).toEqual([
        ['cls', 'categoricalCrossentropy', 0.7, true],
        ['reg', 'meanSquaredError', 2, false],
      ]);
      steps.loss.forEach((l, s) => expect(l).toBeCloseTo(WEIGHTS[0]! * steps.outputs![0]!.loss[s]! + WEIGHTS[1]! * steps.outputs![1]!.loss[s]!, 5));
      // inference-mode epoch records: the total is the weighted sum of the outputs' own
      for (const e of result.history.epochs)
        expect(e.trainLoss).toBeCloseTo(WEIGHTS[0]! * e.outputs![0]!.trainLoss + WEIGHTS[1]! * e.outputs![1]!.trainLoss, 5);
      expect(epoch.outputs![0]!.trainAccuracy).toBeGreaterThanOrEqual(0);
      expect(epoch.outputs![1]!.trainAccuracy).toBeUndefined();
    });
  }

  it('output: one head trains alone — model.fit with weights [0, 1]; the other head does not move', async () => {
    const ref = await fitReference([0, 1], false);
    const start = ref.ckpt.weights.find((w) => w.spec.name === 'cls/kernel')!.values.slice();
    const { result, checkpoint } = await train({ ...ref.ckpt, io: { output: 'reg' } });
    expectWeightsEqual(checkpoint, ref.weights);
    expect(checkpoint.weights.find((w) => w.spec.name === 'cls/kernel')!.values).toEqual(start);
    expect(result.history.steps.outputs!.map((o) => [o.name, o.weight])).toEqual([['reg', 1]]);
    expect(result.history.epochs[1]!.runningLoss).toBeCloseTo(ref.history.reg_loss![0]!, 5);
  });

  it('sharpness tracking: λmax at step 0 is the top eigenvalue of the explicit Hessian of Σ w_k loss_k', async () => {
    const ref = await fitReference(WEIGHTS, false);
    const model = loadModel(ref.ckpt);
    const data = prepareModelData(await loadDataset({ data: dir, model: modelIONames(model.arch) }), model);
    const run = { init: 'checkpoint' as const, epochs: 1, batchSize: N, valSplit: 0, shuffle: false, optimizer: { name: 'sgd' as const, lr: 0.01 } };
    const { result } = await trainRun(run, model, data, { sharpness: { every: 1, iterations: 40 } });
    const obj = new LocalObjective(model, data);
    const dim = model.layout.dim,
      H = new Float64Array(dim * dim);
    for (let j = 0; j < dim; j++) {
      const e = new Float32Array(dim);
      e[j] = 1;
      (await obj.hvp(model.theta0, e)).forEach((v, i) => (H[i * dim + j] = v));
    }
    obj.dispose();
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) H[i * dim + j] = H[j * dim + i] = (H[i * dim + j]! + H[j * dim + i]!) / 2;
    const top = Math.max(...symmetricEigenvalues(H, dim).values);
    const s = result.history.sharpness!;
    expect(s.objective.kind).toBe('full-batch');
    // Lanczos with 40 steps on a 49-parameter Hessian: the top eigenvalue to float32 accuracy
    expect(Math.abs(s.lambdaMax[0]! - top)).toBeLessThan(1e-4 * Math.abs(top));
  });
});
