/**
 * A functional model with two inputs (Concatenate) and two outputs of different losses and
 * loss_weights, read from a folder with one .npy per input and output: the loss equals
 * Σ w_k · (output k's loss by tfjs-layers' own loss functions) and each output's loss is reported,
 * the gradient equals tfjs autodiff, the exact HVP (double backprop) forms a symmetric explicit
 * Hessian whose columns equal central differences, the GGN is the weighted sum of the outputs'
 * GGNs, and `output` analyses one head alone — on cpu, wasm with the native kernels and plain wasm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { loadDataset } from '../src/io/dataset.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { modelIONames } from '../src/objective/fit-inputs.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { N, WEIGHTS, npyFile, referenceGradient, referenceLosses, twoHeadData, twoHeads, type TwoHeadData } from './helpers/multi-io-nets.js';

let dir: string;
let model: tf.LayersModel;
let ckpt: Checkpoint;
let d: TwoHeadData;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-multi-io-'));
  model = twoHeads();
  ckpt = await checkpointFromModel(model);
  ckpt.trainingConfig = { ...ckpt.trainingConfig, loss_weights: WEIGHTS };
  d = twoHeadData();
  npyFile(path.join(dir, 'in_a.npy'), d.a, [N, 3]);
  npyFile(path.join(dir, 'x_in_b.npy'), d.b, [N, 2]);
  npyFile(path.join(dir, 'cls.npy'), Int32Array.from(d.labels), [N]);
  npyFile(path.join(dir, 'reg.npy'), d.reg, [N, 2]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function objectiveFor(c: Checkpoint, opts: { hvp?: 'exact' | 'fd'; batchSize?: number } = {}) {
  const bundle = loadModel(c);
  const ds = await loadDataset({ data: dir, model: modelIONames(bundle.arch) });
  return { bundle, obj: new LocalObjective(bundle, prepareModelData(ds, bundle), { batchSize: 7, ...opts }) };
}

describe('the graph and its losses', () => {
  it('reads both inputs and both outputs, with the per-output losses and loss_weights of the training config', () => {
    const b = loadModel(ckpt);
    expect(b.arch.inputs!.map((i) => [i.name, i.shape])).toEqual([
      ['in_a', [3]],
      ['in_b', [2]],
    ]);
    expect(b.heads.map((h) => [h.name, h.loss, h.weight, h.outDim])).toEqual([
      ['cls', 'categoricalCrossentropy', 0.7, 3],
      ['reg', 'meanSquaredError', 2, 2],
    ]);
    expect(b.layout.dim).toBe(5 * 4 + 4 + 4 * 3 + 3 + 4 * 2 + 2);
  });

  it('a loss dict and a loss_weights dict by output name give the same heads; a missing weight is 1', () => {
    const b = loadModel({
      ...ckpt,
      trainingConfig: { ...ckpt.trainingConfig, loss: { reg: 'mse', cls: 'categorical_crossentropy' }, loss_weights: { reg: 3 } },
    });
    expect(b.heads.map((h) => [h.name, h.loss, h.weight])).toEqual([
      ['cls', 'categoricalCrossentropy', 1],
      ['reg', 'meanSquaredError', 3],
    ]);
  });

  it('refuses a loss dict naming no loss for an output, and a list of the wrong length, naming the output', () => {
    expect(() => loadModel({ ...ckpt, trainingConfig: { loss: { cls: 'categorical_crossentropy' } } })).toThrow(/names no loss for output "reg"/);
    expect(() => loadModel({ ...ckpt, trainingConfig: { loss: ['mse', 'mse', 'mse'] } })).toThrow(/lists 3 entries for a model with 2 outputs \(cls, reg\)/);
    expect(() => loadModel({ ...ckpt, trainingConfig: { loss: { nope: 'mse' } } })).toThrow(/"nope", which is not an output/);
  });

  it('--loss covers the outputs the config names no loss for', () => {
    const b = loadModel({ ...ckpt, trainingConfig: { loss: { cls: 'categorical_crossentropy' } } }, 'meanAbsoluteError');
    expect(b.heads.map((h) => [h.loss, h.source])).toEqual([
      ['categoricalCrossentropy', 'checkpoint'],
      ['meanAbsoluteError', 'option'],
    ]);
  });

  it('output selects one head (weight 1); an unknown name lists the outputs', () => {
    const b = loadModel({ ...ckpt, io: { output: 'reg' } });
    expect(b.heads.map((h) => [h.name, h.weight])).toEqual([['reg', 1]]);
    expect(() => loadModel({ ...ckpt, io: { output: 'nope' } })).toThrow(/"nope" is not an output of .*; its outputs: cls, reg/);
  });
});

describe.each(['cpu', 'wasm', 'plain wasm'])('two inputs, two outputs on %s', (kernels) => {
  beforeAll(async () => {
    await selectBackend(kernels === 'cpu' ? 'cpu' : 'wasm');
    if (kernels === 'plain wasm') uninstallNativeKernels();
  });
  afterAll(() => {
    if (kernels === 'plain wasm') installNativeKernels();
  });

  it("loss = Σ w_k loss_k of tfjs-layers' loss functions, each output reported; the gradient equals tfjs autodiff", async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const ref = referenceLosses(model, d);
    const before = tf.memory().numTensors;
    const ev = await obj.evaluate(bundle.theta0);
    const g = await obj.grad(bundle.theta0);
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.loss).toBeCloseTo(ref.total, 5);
    expect(ev.outputs!.map((o) => o.name)).toEqual(['cls', 'reg']);
    ev.outputs!.forEach((o, k) => expect(o.loss).toBeCloseTo(ref.perOutput[k]!, 5));
    const hits = d.labels.filter((l, i) => argmax(model, d, i) === l).length;
    expect(ev.outputs![0]!.accuracy).toBeCloseTo(hits / N, 10);
    expect(ev.outputs![1]!.accuracy).toBeUndefined();
    expect(g.metrics!.outputs).toEqual(ev.outputs!.map((o) => ({ ...o, loss: expect.closeTo(o.loss, 6) })));
    expect(g.loss).toBeCloseTo(ref.total, 5);
    const want = referenceGradient(model, d);
    for (const b of bundle.layout.blocks) {
      const w = want.get(b.name)!;
      const scale = Math.max(...Array.from(w, Math.abs), 1e-3);
      g.grad.subarray(b.offset, b.offset + b.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${b.name}[${i}]`).toBeLessThan(1e-4 * scale));
    }
    obj.dispose();
  });

  it('the exact HVP (double backprop) is a symmetric explicit Hessian whose columns equal central differences', async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const fd = (await objectiveFor(ckpt, { hvp: 'fd' })).obj;
    expect(obj.hvpEngine()).toBe('double-backprop');
    const dim = bundle.layout.dim,
      H: Float32Array[] = [];
    let maxAbs = 0,
      fdErr = 0;
    const before = tf.memory().numTensors;
    for (let j = 0; j < dim; j++) {
      const e = new Float32Array(dim);
      e[j] = 1;
      const col = await obj.hvp(bundle.theta0, e);
      H.push(col);
      col.forEach((v) => (maxAbs = Math.max(maxAbs, Math.abs(v))));
      if (j % 4 === 0) (await fd.hvp(bundle.theta0, e)).forEach((v, i) => (fdErr = Math.max(fdErr, Math.abs(v - col[i]!))));
    }
    expect(tf.memory().numTensors).toBe(before);
    let asym = 0;
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
    // float32 exact HVPs: symmetric up to rounding; FD at t = 1e-2: O(t²) truncation, ~1e-3 of the largest entry
    expect(asym).toBeLessThan(1e-4 * maxAbs);
    expect(fdErr).toBeLessThan(5e-3 * maxAbs);
    obj.dispose();
    fd.dispose();
  });

  it('output analyses one head: its own loss, no gradient on the other head; the GGN is Σ w_k G_k', async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const reg = (await objectiveFor({ ...ckpt, io: { output: 'reg' } })).obj;
    const cls = (await objectiveFor({ ...ckpt, io: { output: 'cls' } })).obj;
    const ref = referenceLosses(model, d);
    expect((await reg.evaluate(bundle.theta0)).loss).toBeCloseTo(ref.perOutput[1]!, 5);
    const gr = (await reg.grad(bundle.theta0)).grad;
    for (const b of bundle.layout.blocks.filter((x) => x.layer === 'cls')) expect(Math.max(...gr.subarray(b.offset, b.offset + b.size).map(Math.abs))).toBe(0);
    const v = Float32Array.from({ length: bundle.layout.dim }, (_, i) => Math.sin(i + 1));
    const [g, gc, gg] = [await obj.ggnvp(bundle.theta0, v), await cls.ggnvp(bundle.theta0, v), await reg.ggnvp(bundle.theta0, v)];
    const scale = Math.max(...g.map(Math.abs));
    g.forEach((x, i) => expect(Math.abs(x - (WEIGHTS[0]! * gc[i]! + WEIGHTS[1]! * gg[i]!))).toBeLessThan(1e-5 * scale));
    await expect(obj.fishervp(bundle.theta0, v)).rejects.toThrow(/several outputs.*--output/);
    for (const o of [obj, reg, cls]) o.dispose();
  });
});

function argmax(m: tf.LayersModel, data: TwoHeadData, i: number): number {
  return tf.tidy(() => {
    const p = m.predict([tf.tensor2d(data.a.subarray(3 * i, 3 * i + 3), [1, 3]), tf.tensor2d(data.b.subarray(2 * i, 2 * i + 2), [1, 2])]) as tf.Tensor[];
    return p[0]!.argMax(1).dataSync()[0]!;
  });
}
