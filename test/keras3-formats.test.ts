/**
 * Keras 3 model.json forms (keras3-topology.ts: {args, kwargs} calls with __keras_tensor__
 * histories, DTypePolicy objects, InputLayer batch_shape, a nested Functional's node indices)
 * of four models built with tfjs' own API: two inputs calling a two-input functional model, a
 * nested Sequential, a layer shared by two calls, an Embedding(mask_zero) → LSTM text model.
 * tfjs-layers 4.22 itself refuses every Keras 3 form (it knows no InputLayer batch_shape, and its
 * fromConfig expects Keras 2's [[name, node, tensor, kwargs]] nodes); losslens reads them, and on the same weights its loss
 * equals tfjs-layers' model.evaluate of the tfjs-built model, its gradient tfjs autodiff, and its
 * exact HVP central differences of its gradient.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { loadDataset } from '../src/io/dataset.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { fitModelToData, modelIONames } from '../src/objective/fit-inputs.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { npyFile } from './helpers/multi-io-nets.js';
import { keras3Topology } from './helpers/keras3-topology.js';
import { KERAS3_CASES, keras3Data, type Keras3Case } from './helpers/keras3-nets.js';

const N = 12;
let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-keras3-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Built {
  model: tf.LayersModel;
  ckpt: Checkpoint;
  xs: tf.Tensor[];
  y: tf.Tensor;
  folder: string;
}

/** The tfjs model, its Keras 3 checkpoint (same weights) and its data as tensors and as a folder of .npy files. */
async function build(c: Keras3Case, k: number): Promise<Built> {
  const model = c.build();
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const ckpt = await checkpointFromModel(model, `/in-memory/keras3-${k}/model.json`);
  const shapes = new Map(model.layers.map((l) => [l.name, ([] as (number | null)[]).concat(...([l.outputShape].flat(0) as any)).slice(1)]));
  ckpt.modelTopology = { keras_version: '3.6.0', backend: 'tensorflow', model_config: keras3Topology(ckpt.modelTopology, shapes) };
  ckpt.trainingConfig = { loss: 'sparse_categorical_crossentropy', metrics: null, loss_weights: null };
  const d = keras3Data(c, N);
  const folder = path.join(dir, `case${k}`);
  c.inputs.forEach((inp, i) => npyFile(path.join(folder, `${inp.name}.npy`), d.xs[i]!, [N, ...inp.shape]));
  npyFile(path.join(folder, `${c.output.name}.npy`), d.labels, [N]);
  const xs = c.inputs.map((inp, i) => tf.tensor(Float32Array.from(d.xs[i]!), [N, ...inp.shape]));
  return { model, ckpt, xs, y: tf.tensor1d(Float32Array.from(d.labels)), folder };
}

async function objectiveFor(b: Built, hvp: 'exact' | 'fd' = 'exact') {
  const loaded = loadModel(b.ckpt);
  const ds = await loadDataset({ data: b.folder, model: modelIONames(loaded.arch) });
  const { model: bundle } = fitModelToData(b.ckpt, loaded, ds);
  return { bundle, obj: new LocalObjective(bundle, prepareModelData(ds, bundle), { batchSize: 5, hvp }) };
}

/** tfjs autodiff of the mean loss by the compiled model's own loss function (inference mode), by manifest weight name. */
function tfjsGradient(b: Built): Map<string, Float32Array> {
  const loss = (b.model as any).lossFunctions[0] as (y: tf.Tensor, p: tf.Tensor) => tf.Tensor;
  const vars = b.model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const p = b.model.apply(b.xs.length === 1 ? b.xs[0]! : b.xs, { training: false }) as tf.Tensor;
    return tf.mean(loss(b.y, p)) as tf.Scalar;
  }, vars);
  const out = new Map(b.model.trainableWeights.map((w, i) => [w.originalName, grads[vars[i]!.name]!.dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('Keras 3 model.json forms', () => {
  KERAS3_CASES.forEach((c, k) => {
    it(`${c.name}: tfjs-layers refuses the Keras 3 form; losslens' loss = model.evaluate, gradient = autodiff, HVP = central differences`, async () => {
      const b = await build(c, k);
      await expect(tf.models.modelFromJSON({ modelTopology: b.ckpt.modelTopology })).rejects.toThrow(/InputLayer should be passed either a `batchInputShape`/);
      const { bundle, obj } = await objectiveFor(b);
      const fd = (await objectiveFor(b, 'fd')).obj;
      const evaluated = (b.model.evaluate(b.xs.length === 1 ? b.xs[0]! : b.xs, b.y, { batchSize: N }) as tf.Scalar).dataSync()[0]!;
      const before = tf.memory().numTensors;
      const ev = await obj.evaluate(bundle.theta0);
      const g = await obj.grad(bundle.theta0);
      expect(tf.memory().numTensors).toBe(before);
      expect(ev.loss).toBeCloseTo(evaluated, 5);
      const want = tfjsGradient(b);
      expect(bundle.layout.dim).toBe(b.model.countParams());
      for (const blk of bundle.layout.blocks) {
        const w = want.get(blk.name)!;
        const scale = Math.max(...Array.from(w, Math.abs), 1e-3);
        g.grad.subarray(blk.offset, blk.offset + blk.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${blk.name}[${i}]`).toBeLessThan(1e-4 * scale));
      }
      const v = Float32Array.from({ length: bundle.layout.dim }, (_, i) => Math.sin(12.9898 + i * 78.233));
      const exact = await obj.hvp(bundle.theta0, v),
        diff = await fd.hvp(bundle.theta0, v);
      const scale = Math.max(...Array.from(exact, Math.abs));
      // float32 central differences: O(t²) truncation and rounding, ~1e-3 of the largest entry
      exact.forEach((x, i) => expect(Math.abs(x - diff[i]!), `Hv[${i}]`).toBeLessThan(5e-3 * scale));
      obj.dispose();
      fd.dispose();
      tf.dispose([...b.xs, b.y]);
      b.model.dispose();
    });
  });
});
