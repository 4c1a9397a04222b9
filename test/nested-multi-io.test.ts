/**
 * A nested Model with two inputs and two outputs (a conditional head: Concatenate of its inputs,
 * then two heads), called inside a functional model with two inputs whose outputs are a layer on
 * the nested model's first output and the nested model's second output itself. Flattened into one
 * graph: layers named by path, θ in the manifest's order; the loss equals Σ w_k · (tfjs-layers'
 * loss of output k) and model.evaluate's per-output losses, the gradient equals tfjs autodiff, the
 * exact HVP equals central differences of the gradient; one SGD epoch of `train` equals model.fit.
 * A nested model called with fewer tensors than it has inputs is refused by name.
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
import { modelIONames } from '../src/objective/fit-inputs.js';
import { trainRun } from '../src/train/index.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import {
  N,
  WEIGHTS,
  conditionalNested,
  npyFile,
  referenceGradient,
  referenceLosses,
  tensorsOf,
  twoHeadData,
  type TwoHeadData,
} from './helpers/multi-io-nets.js';

let dir: string;
let model: tf.LayersModel;
let ckpt: Checkpoint;
let d: TwoHeadData;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-nested-multi-io-'));
  model = conditionalNested();
  ckpt = await checkpointFromModel(model);
  ckpt.trainingConfig = { ...ckpt.trainingConfig, loss_weights: WEIGHTS };
  d = twoHeadData(); // inputs [3] and [2], a 3-class label and 2 regression targets: the shapes of x_in, c_in, post and cond.1
  npyFile(path.join(dir, 'x_in.npy'), d.a, [N, 3]);
  npyFile(path.join(dir, 'c_in.npy'), d.b, [N, 2]);
  npyFile(path.join(dir, 'post.npy'), Int32Array.from(d.labels), [N]);
  npyFile(path.join(dir, 'cond.1.npy'), d.reg, [N, 2]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function objectiveFor(c: Checkpoint, opts: { hvp?: 'exact' | 'fd' } = {}) {
  const bundle = loadModel(c);
  const data = prepareModelData(await loadDataset({ data: dir, model: modelIONames(bundle.arch) }), bundle);
  return { bundle, data, obj: new LocalObjective(bundle, data, { batchSize: 7, ...opts }) };
}

describe('a nested model with two inputs and two outputs', () => {
  it("flattens: nested layers by path, each input wired to its tensor, the outputs through the nested model's; θ in manifest order", () => {
    const b = loadModel(ckpt);
    const byName = new Map(b.arch.nodes.map((n) => [n.name, n.inputs]));
    expect(byName.get('cond/cx')).toEqual(['pre']);
    expect(byName.get('cond/cc')).toEqual(['c_in']);
    expect(byName.get('cond/cj')).toEqual(['cond/cx', 'cond/cc']);
    expect(byName.get('post')).toEqual(['cond/cls']);
    expect(b.arch.outputs).toEqual([
      { name: 'post', layer: 'post', tensor: 0 },
      { name: 'cond.1', layer: 'cond/aux', tensor: 0 },
    ]);
    expect(b.arch.blocks!.map((x) => [x.path, x.outputs])).toEqual([
      [
        'cond',
        [
          { layer: 'cond/cls', tensor: 0 },
          { layer: 'cond/aux', tensor: 0 },
        ],
      ],
    ]);
    expect(b.heads.map((h) => [h.name, h.loss, h.weight])).toEqual([
      ['post', 'categoricalCrossentropy', 0.7],
      ['cond.1', 'meanSquaredError', 2],
    ]);
    expect(b.layout.blocks.map((x) => x.layer)).toEqual(['pre', 'pre', 'cond/ch', 'cond/ch', 'cond/cls', 'cond/cls', 'cond/aux', 'cond/aux', 'post', 'post']);
    expect(b.indices).toEqual(ckpt.weights.map((_, i) => i)); // every weight trainable, in the manifest's order
  });

  it("loss = Σ w_k loss_k with model.evaluate's per-output losses; the gradient equals tfjs autodiff", async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const ref = referenceLosses(model, d);
    const { xs, ys } = tensorsOf(d);
    const evaluated = (model.evaluate(xs, ys, { batchSize: N }) as tf.Scalar[]).map((t) => t.dataSync()[0]!);
    tf.dispose([...xs, ...ys]);
    const before = tf.memory().numTensors;
    const ev = await obj.evaluate(bundle.theta0);
    const g = await obj.grad(bundle.theta0);
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.loss).toBeCloseTo(ref.total, 5);
    const perOutput = evaluated.slice(-2); // tfjs lists post_loss and cond_loss last, after the totals
    ev.outputs!.forEach((o, k) => expect(o.loss).toBeCloseTo(perOutput[k]!, 5));
    perOutput.forEach((l, k) => expect(l).toBeCloseTo(ref.perOutput[k]!, 5));
    const want = referenceGradient(model, d);
    for (const b of bundle.layout.blocks) {
      const w = want.get(b.name)!;
      const scale = Math.max(...Array.from(w, Math.abs), 1e-3);
      g.grad.subarray(b.offset, b.offset + b.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${b.name}[${i}]`).toBeLessThan(1e-4 * scale));
    }
    obj.dispose();
  });

  it('the exact HVP equals central differences of the gradient along seeded directions', async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const fd = (await objectiveFor(ckpt, { hvp: 'fd' })).obj;
    const dim = bundle.layout.dim;
    for (const seed of [1, 2, 3]) {
      const v = Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));
      const exact = await obj.hvp(bundle.theta0, v),
        diff = await fd.hvp(bundle.theta0, v);
      const scale = Math.max(...Array.from(exact, Math.abs));
      // float32 central differences at t = 1e-2: O(t²) truncation and rounding, ~1e-3 of the largest entry
      exact.forEach((x, i) => expect(Math.abs(x - diff[i]!), `v${seed}[${i}]`).toBeLessThan(5e-3 * scale));
    }
    obj.dispose();
    fd.dispose();
  });

  it('one SGD epoch of train equals tfjs-layers model.fit (losses times w_k, same batches)', async () => {
    const net = conditionalNested();
    const start = await checkpointFromModel(net);
    start.trainingConfig = { ...start.trainingConfig, loss_weights: WEIGHTS };
    const fns = (net as any).lossFunctions as ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[];
    net.compile({ optimizer: tf.train.sgd(0.3), loss: fns.map((f, k) => (y: tf.Tensor, p: tf.Tensor) => tf.mul(WEIGHTS[k]!, f(y, p))) });
    const { xs, ys } = tensorsOf(d);
    await net.fit(xs, ys, { epochs: 1, batchSize: 6, shuffle: false, verbose: 0 });
    const ref = new Map(net.weights.map((v) => [v.originalName, v.read().dataSync() as Float32Array]));
    tf.dispose([...xs, ...ys]);
    net.dispose();
    const { bundle, data } = await objectiveFor(start);
    const { checkpoint } = await trainRun(
      { init: 'checkpoint', epochs: 1, batchSize: 6, valSplit: 0, shuffle: false, optimizer: { name: 'sgd', lr: 0.3 } },
      bundle,
      data,
    );
    for (const w of checkpoint.weights) {
      const r = ref.get(w.spec.name)!;
      w.values.forEach((v, i) => expect(Math.abs(v - r[i]!), `${w.spec.name}[${i}]`).toBeLessThan(2e-6 * Math.max(1, Math.abs(r[i]!))));
    }
  });

  it('refuses a nested model called with fewer tensors than it has inputs, naming it', () => {
    const topo = structuredClone(ckpt.modelTopology);
    const cond = topo.config.layers.find((l: any) => l.name === 'cond');
    cond.inbound_nodes[0] = cond.inbound_nodes[0].slice(0, 1);
    expect(() => loadModel({ ...ckpt, modelTopology: topo })).toThrow(/nested model "cond" is called with 1 tensor\(s\) but has 2 input\(s\)/);
  });
});
