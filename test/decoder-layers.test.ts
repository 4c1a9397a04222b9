/**
 * Conv2DTranspose, UpSampling2D (nearest, bilinear), Cropping2D, LayerNormalization and Rescaling
 * analysed exactly, on cpu, on wasm with the native kernels and on plain wasm: the loss equals
 * tfjs-layers' model.evaluate, the gradient equals tfjs autodiff with stock tfjs gradients, and the
 * exact HVP (double backprop through Conv2DBackpropInput, the resize gradients, slice/pad and the
 * moments) forms a symmetric explicit Hessian whose columns equal central finite differences.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, stopEngine } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { fixture, referenceGradient, referenceLoss, type FixtureName } from './helpers/decoder-fixtures.js';

const NAMES: FixtureName[] = ['decoder', 'decoder-bilinear', 'layer-norm', 'image-out'];
const stockGrad = new Map<FixtureName, Float32Array>();

beforeAll(async () => {
  // the ground-truth gradients with tfjs' own (stock) gradient registry: the decoders' on wasm, since
  // cpu's stock resize gradients are wrong (nearest: mixes samples; bilinear: fails on non-square images)
  for (const name of NAMES) {
    await selectBackend(name === 'layer-norm' ? 'cpu' : 'wasm');
    stopEngine();
    const f = await fixture(name);
    stockGrad.set(name, referenceGradient(f));
    f.model.dispose();
    tf.dispose([f.xs, f.ys]);
  }
});

describe.each(['cpu', 'wasm', 'plain wasm'])('decoder and normalization layers on %s', (path) => {
  beforeAll(async () => {
    await selectBackend(path === 'cpu' ? 'cpu' : 'wasm');
    if (path === 'plain wasm') uninstallNativeKernels();
  });
  afterAll(() => {
    if (path === 'plain wasm') installNativeKernels();
  });

  it.each(NAMES)('%s: loss equals model.evaluate and the gradient equals stock tfjs autodiff', async (name) => {
    const f = await fixture(name);
    const obj = new LocalObjective(f.bundle, f.data, { batchSize: 5 });
    const before = tf.memory().numTensors;
    const r = await obj.evaluate(f.bundle.theta0);
    expect(r.loss).toBeCloseTo(referenceLoss(f), 5);
    const { grad } = await obj.grad(f.bundle.theta0);
    const ref = stockGrad.get(name)!;
    expect(grad.length).toBe(ref.length);
    const scale = Math.max(...ref.map(Math.abs));
    ref.forEach((g, i) => expect(Math.abs(grad[i]! - g)).toBeLessThan(2e-5 * scale + 1e-6));
    // and, independent of every gradient registration, a central difference of the loss along v
    const v = Float32Array.from(grad, (_, i) => Math.sin(i + 1)),
      h = 1e-2;
    const at = async (t: number) => (await obj.evaluate(Float32Array.from(f.bundle.theta0, (x, i) => x + t * v[i]!))).loss;
    const slope = ((await at(h)) - (await at(-h))) / (2 * h),
      gv = grad.reduce((s, g, i) => s + g * v[i]!, 0);
    expect(Math.abs(slope - gv)).toBeLessThan(2e-3 * (Math.abs(gv) + scale));
    expect(tf.memory().numTensors).toBe(before);
    obj.dispose();
    f.model.dispose();
    tf.dispose([f.xs, f.ys]);
  });

  it.each(NAMES)('%s: the explicit Hessian from exact HVPs is symmetric and its columns equal central differences of the gradient', (name) =>
    explicitHessianCheck(name),
  );
});

/** Every column of the Hessian by exact HVPs: symmetric, and every fourth column equal to central differences of the gradient. */
async function explicitHessianCheck(name: FixtureName): Promise<void> {
  const f = await fixture(name);
  f.model.dispose();
  tf.dispose([f.xs, f.ys]);
  const obj = new LocalObjective(f.bundle, f.data, { batchSize: 5 });
  const fd = new LocalObjective(f.bundle, f.data, { hvp: 'fd', fdStep: 1e-2 });
  const before = tf.memory().numTensors;
  const d = f.bundle.layout.dim,
    H: Float32Array[] = [];
  let maxAbs = 0,
    fdErr = 0;
  for (let j = 0; j < d; j++) {
    const e = new Float32Array(d);
    e[j] = 1;
    const col = await obj.hvp(f.bundle.theta0, e);
    H.push(col);
    col.forEach((c) => (maxAbs = Math.max(maxAbs, Math.abs(c))));
    if (j % 4 === 0) (await fd.hvp(f.bundle.theta0, e)).forEach((c, i) => (fdErr = Math.max(fdErr, Math.abs(c - col[i]!))));
  }
  let asym = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
  expect(maxAbs).toBeGreaterThan(1e-3); // a Hessian that is not trivially zero
  // float32 double backprop: symmetric to rounding; FD at t = 1e-2: truncation O(t²) plus roundoff
  expect(asym).toBeLessThan(1e-4 * maxAbs);
  expect(fdErr).toBeLessThan(5e-3 * maxAbs);
  expect(tf.memory().numTensors).toBe(before);
  obj.dispose();
  fd.dispose();
}
