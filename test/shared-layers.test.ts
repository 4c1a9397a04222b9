/**
 * A layer called twice (a shared layer) reads one set of weights: θ holds them once, its later call
 * is a node of its own ("name@1") whose weight gradient and HVP terms add to the first call's. The
 * fixture puts the shared layer inside a nested model, in a chain A(A(x)), so the forward-over-reverse
 * rules run it (their per-call terms must be summed, not overwritten): loss = tfjs-layers'
 * model.evaluate, gradient = tfjs autodiff, HVP = central differences and = a column of the
 * explicit Hessian built from gradient differences. A model called twice, or a reference to a
 * call a layer does not have, is refused by name.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { hvpMethod } from '../src/objective/rop/hvp.js';
import { checkpointCard } from '../src/model/model-card.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';

const N = 10;
const glorot = (seed: number) => tf.initializers.glorotNormal({ seed });
const noisy = (seed: number) => tf.initializers.randomNormal({ seed, stddev: 0.4 });

/** x [3] → nested "block" (tanh "shared" [3] applied twice in a row) → softmax "out" [3]. */
function chainNet(): tf.LayersModel {
  const bx = tf.input({ shape: [3], name: 'bx' });
  const shared = tf.layers.dense({ units: 3, activation: 'tanh', name: 'shared', kernelInitializer: glorot(1), biasInitializer: noisy(2) });
  const block = tf.model({ inputs: bx, outputs: shared.apply(shared.apply(bx)) as tf.SymbolicTensor, name: 'block' });
  const x = tf.input({ shape: [3], name: 'x' });
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: glorot(3), biasInitializer: noisy(4) });
  const m = tf.model({ inputs: x, outputs: out.apply(block.apply(x)) as tf.SymbolicTensor, name: 'outer' });
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const xs = Float32Array.from({ length: N * 3 }, (_, i) => Math.sin(1.3 * i + 0.2) * 1.4);
const labels = Array.from({ length: N }, (_, i) => (i * 5 + 2) % 3);
let model: tf.LayersModel;
let ckpt: Checkpoint;

beforeAll(async () => {
  await selectBackend('cpu');
  model = chainNet();
  ckpt = await checkpointFromModel(model);
});

function objective(c: Checkpoint, hvp: 'exact' | 'fd' = 'exact') {
  const bundle = loadModel(c);
  return { bundle, obj: new LocalObjective(bundle, prepareModelData(datasetOf(xs, [3], labels, 'class-index'), bundle), { batchSize: 4, hvp }) };
}

describe('a layer shared by two calls', () => {
  it('is two nodes reading one set of weights: θ holds them once, the card counts them once', () => {
    const { bundle } = objective(ckpt);
    expect(bundle.arch.nodes.map((n) => [n.name, n.inputs])).toEqual([
      ['x', ['']],
      ['block/bx', ['x']],
      ['block/shared', ['block/bx']],
      ['block/shared@1', ['block/shared']],
      ['out', ['block/shared@1']],
    ]);
    expect(bundle.layout.dim).toBe(model.countParams());
    expect(bundle.layout.blocks.map((b) => b.layer)).toEqual(['block/shared', 'block/shared', 'out', 'out']);
    expect(hvpMethod(bundle.arch).method).toBe('forward-over-reverse');
    const card = checkpointCard(ckpt);
    expect(card.trainableParams).toBe(model.countParams());
    expect(card.layers.find((l) => l.name === 'block/shared@1')!.trainableParams).toBe(0);
    expect(card.layers.find((l) => l.name === 'block/shared')!.trainableParams).toBe(12);
  });

  it('loss = model.evaluate, gradient = tfjs autodiff (both calls add), HVP = central differences and the explicit Hessian', async () => {
    const { bundle, obj } = objective(ckpt);
    const x = tf.tensor2d(xs, [N, 3]),
      y = tf.tensor1d(labels);
    const evaluated = (model.evaluate(x, y) as tf.Scalar).dataSync()[0]!;
    const lossFn = (model as any).lossFunctions[0] as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    const vars = model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.mean(lossFn(y, model.apply(x) as tf.Tensor)) as tf.Scalar, vars);
    const want = Float32Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())));
    tf.dispose([x, y, value, ...Object.values(grads)]);
    const before = tf.memory().numTensors;
    const ev = await obj.evaluate(bundle.theta0);
    const g = (await obj.grad(bundle.theta0)).grad;
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.loss).toBeCloseTo(evaluated, 5);
    g.forEach((v, i) => expect(Math.abs(v - want[i]!), `grad[${i}]`).toBeLessThan(1e-5));
    const fd = objective(ckpt, 'fd').obj;
    const dim = bundle.layout.dim;
    const v = Float32Array.from({ length: dim }, (_, i) => Math.cos(0.7 * i + 0.1));
    const [exact, diff] = [await obj.hvp(bundle.theta0, v), await fd.hvp(bundle.theta0, v)];
    const scale = Math.max(...Array.from(exact, Math.abs));
    // float32 central differences: truncation and rounding ~1e-3 of the largest entry
    exact.forEach((e, i) => expect(Math.abs(e - diff[i]!), `Hv[${i}]`).toBeLessThan(5e-3 * scale));
    // H e_j, column j = 0 (shared kernel, read by both calls): explicit Hessian column by gradient differences in float64 steps
    const col = await obj.hvp(
      bundle.theta0,
      Float32Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : 0)),
    );
    const t = 1e-2,
      plus = bundle.theta0.slice(),
      minus = bundle.theta0.slice();
    plus[0]! += t;
    minus[0]! -= t;
    const [gp, gm] = [(await obj.grad(plus)).grad, (await obj.grad(minus)).grad];
    const colScale = Math.max(...Array.from(col, Math.abs));
    col.forEach((c, i) => expect(Math.abs(c - (gp[i]! - gm[i]!) / (2 * t)), `H[${i}, 0]`).toBeLessThan(5e-3 * colScale));
    obj.dispose();
    fd.dispose();
  });

  it('refuses a model called twice and a reference to a call the layer does not have, by name', () => {
    const topo = structuredClone(ckpt.modelTopology);
    const block = topo.config.layers.find((l: any) => l.name === 'block');
    block.inbound_nodes.push(block.inbound_nodes[0]);
    expect(() => loadModel({ ...ckpt, modelTopology: topo })).toThrow(
      /layer "block" is shared \(called 2 times\) but is a Model: a model or InputLayer used by several calls is not supported \(a shared layer is\)/,
    );
    const topo2 = structuredClone(ckpt.modelTopology);
    const inner = topo2.config.layers.find((l: any) => l.name === 'block').config.layers;
    inner.find((l: any) => l.name === 'shared').inbound_nodes[1][0][1] = 2; // the second call reads call 2 of itself
    expect(() => loadModel({ ...ckpt, modelTopology: topo2 })).toThrow(
      /in nested model "block": layer "shared" takes input \["shared",2,0\]: layer "shared" is called 2 times \(nodes 0 to 1\) and has one output tensor; node 2 and that tensor index name none/,
    );
  });
});
