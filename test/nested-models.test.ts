/**
 * Models used as layers (a Sequential in a Sequential, a functional model of two sub-Models, a
 * Sequential holding a Model inside a functional model) flattened into one graph: layers named by
 * path, θ in the manifest's order, and the loss equal to tfjs-layers' model.evaluate, the gradient
 * to tfjs autodiff of the model's loss, the HVP (forward-over-reverse where it covers the model,
 * double backprop always) to central differences of the gradient and to an explicit Hessian.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel, type ModelBundle } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { hvpMethod } from '../src/objective/rop/hvp.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { NESTED_CASES, nestedData, type NestedCase } from './helpers/nested-nets.js';

const N = 24;

async function setup(c: NestedCase, edit?: (ck: Checkpoint) => void) {
  const model = c.build();
  model.compile({ loss: c.loss, optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  edit?.(ckpt);
  const bundle = loadModel(ckpt);
  const { x, y } = nestedData(c, N);
  const ds = c.loss === 'meanSquaredError' ? datasetOf(x, c.input, Float32Array.from(y), 'float', [c.k]) : datasetOf(x, c.input, y, 'class-index');
  return { model, ckpt, bundle, x, y, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

function tensorsOf(c: NestedCase, x: Float32Array, y: number[]): [tf.Tensor, tf.Tensor] {
  const xs = tf.tensor(x, [N, ...c.input]);
  const ys =
    c.loss === 'meanSquaredError'
      ? tf.tensor2d(y, [N, c.k])
      : c.loss === 'categoricalCrossentropy'
        ? tf.oneHot(tf.tensor1d(y, 'int32'), c.k)
        : tf.tensor2d(y, [N, 1]);
  return [xs, ys];
}

/** tfjs autodiff of the compiled model's own loss, by manifest weight name. */
function tfjsGradient(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor): Map<string, Float32Array> {
  // a Sequential keeps its compiled losses on the LayersModel it wraps
  const lossFn = ((model as any).model ?? model).lossFunctions[0] as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  const vars = model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(lossFn(ys, model.apply(xs, { training: false }) as tf.Tensor)) as tf.Scalar, vars);
  const out = new Map(model.trainableWeights.map((w, i) => [w.originalName, grads[vars[i].name].dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** The explicit Hessian from HVPs: symmetric, and every third column equal to central differences of the gradient. */
async function checkHessian(bundle: ModelBundle, obj: LocalObjective, fd: LocalObjective): Promise<void> {
  const d = bundle.layout.dim;
  const H: Float32Array[] = [];
  let maxAbs = 0,
    fdErr = 0;
  for (let j = 0; j < d; j++) {
    const e = new Float32Array(d);
    e[j] = 1;
    const col = await obj.hvp(bundle.theta0, e);
    H.push(col);
    col.forEach((v) => (maxAbs = Math.max(maxAbs, Math.abs(v))));
    if (j % 3 === 0) (await fd.hvp(bundle.theta0, e)).forEach((v, i) => (fdErr = Math.max(fdErr, Math.abs(v - col[i]))));
  }
  let asym = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i][j] - H[j][i]));
  // float32 exact HVPs: symmetric up to rounding; FD at t = 1e-2: O(t²) truncation, ~1e-3 of the largest entry
  expect(asym).toBeLessThan(1e-4 * maxAbs);
  expect(fdErr).toBeLessThan(5e-3 * maxAbs);
}

async function checkLossAndGradient(c: NestedCase): Promise<void> {
  const { model, bundle, x, y, data } = await setup(c);
  const obj = new LocalObjective(bundle, data, { batchSize: 10 });
  const [xs, ys] = tensorsOf(c, x, y);
  const ref = model.evaluate(xs, ys) as tf.Scalar;
  const before = tf.memory().numTensors;
  const { loss, grad } = await obj.grad(bundle.theta0);
  expect(tf.memory().numTensors).toBe(before);
  expect(loss).toBeCloseTo(ref.dataSync()[0], 5);
  const want = tfjsGradient(model, xs, ys);
  for (const b of bundle.layout.blocks) {
    const g = grad.subarray(b.offset, b.offset + b.size);
    const w = want.get(b.name)!;
    const scale = Math.max(...Array.from(w, Math.abs), 1e-3);
    g.forEach((v, i) => expect(Math.abs(v - w[i]), `${b.layer} ${b.name}[${i}]`).toBeLessThan(1e-4 * scale));
  }
  tf.dispose([xs, ys, ref]);
  obj.dispose();
  model.dispose();
}

/** mode 'tape' forces double backprop (LOSSLENS_HVP=tape); 'default' takes forward-over-reverse where it covers the model. */
async function checkHvp(c: NestedCase, mode: string): Promise<void> {
  if (mode === 'tape') process.env.LOSSLENS_HVP = 'tape';
  const { model, bundle, data } = await setup(c);
  model.dispose();
  if (mode === 'tape') expect(hvpMethod(bundle.arch).method).toBe('double-backprop');
  const obj = new LocalObjective(bundle, data);
  const fd = new LocalObjective(bundle, data, { hvp: 'fd', fdStep: 1e-2 });
  const before = tf.memory().numTensors;
  await checkHessian(bundle, obj, fd);
  expect(tf.memory().numTensors).toBe(before);
  obj.dispose();
  fd.dispose();
}

describe.each(['cpu', 'wasm'])('nested models on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });
  afterEach(() => {
    delete process.env.LOSSLENS_HVP;
  });

  describe.each(NESTED_CASES)('$name', (c) => {
    it('flattens into layers named by path, θ in the manifest order', async () => {
      const { model, ckpt, bundle } = await setup(c);
      const names = bundle.arch.nodes.map((n) => n.name);
      for (const p of c.paths) expect(names).toContain(p);
      const trainable = new Set(model.trainableWeights.map((w) => w.originalName));
      expect(bundle.layout.blocks.map((b) => b.name)).toEqual(ckpt.weights.map((w) => w.spec.name).filter((n) => trainable.has(n)));
      expect(bundle.layout.dim).toBe(model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a, b) => a! * b!, 1)!, 0));
      model.dispose();
    });

    it('loss equals model.evaluate, gradient equals tfjs autodiff', () => checkLossAndGradient(c));
    it.each(['default', 'tape'])('HVP (%s) equals central differences and builds a symmetric Hessian', (mode) => checkHvp(c, mode));
  });

  it('a chain of nested Sequentials keeps the forward-over-reverse HVP', async () => {
    const { model, bundle } = await setup(NESTED_CASES[0]);
    model.dispose();
    expect(hvpMethod(bundle.arch)).toEqual({ method: 'forward-over-reverse' });
  });
});
