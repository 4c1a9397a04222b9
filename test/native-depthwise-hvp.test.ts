/**
 * The HVP of a small depthwise net on the native path, where the depthwise forward and both of its
 * gradients run in native/depthwise.c (tf.profile sees the three kernels): the full explicit Hessian
 * (one HVP a column) equals the one the cpu backend builds from tfjs's stock kernels and the composed
 * depthwise gradients, to float32 rounding (1e-5 of max|H|), is symmetric, and an HVP equals central
 * differences of the native gradient (a unit direction, step 1e-2, on a smooth net: truncation ~h² ≈ 1e-4, 2e-3 allowed).
 * Skipped where the addon is not built.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { DEPTHWISE, DEPTHWISE_FILTER, DEPTHWISE_INPUT } from '../src/kernels/native-depthwise.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { asymmetry, rel, setupRules, unit } from './helpers/rop-rules-check.js';

const SIDE = 5,
  C = 2;
const init = (seed: number) => tf.initializers.glorotNormal({ seed });
const bias = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });
/** depthwise (×2, stride 2, same, tanh) → depthwise (valid, sigmoid) → GAP → softmax: smooth, so differences are an oracle */
const layers = () => [
  tf.layers.depthwiseConv2d({
    inputShape: [SIDE, SIDE, C],
    kernelSize: 3,
    depthMultiplier: 2,
    strides: 2,
    padding: 'same',
    activation: 'tanh',
    depthwiseInitializer: init(1),
    biasInitializer: bias(2),
  }),
  tf.layers.depthwiseConv2d({ kernelSize: 2, activation: 'sigmoid', depthwiseInitializer: init(3), biasInitializer: bias(4) }),
  tf.layers.globalAveragePooling2d({}),
  tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(5) }),
];

async function hessian(backend: 'cpu' | 'wasm'): Promise<{ H: Float32Array[]; obj: LocalObjective; theta: Float32Array; kernels: string[] }> {
  await selectBackend(backend);
  if (backend === 'wasm') installNativeKernels();
  const { bundle, prepared } = await setupRules(layers(), [SIDE, SIDE, C], 6, 3);
  const obj = new LocalObjective(bundle, prepared, { batchSize: 6 }),
    theta = bundle.theta0,
    d = bundle.layout.dim;
  const H: Float32Array[] = [];
  for (let j = 0; j < d; j++) H.push(await obj.hvp(theta, unit(d, j)));
  const prof = await tf.profile(async () => {
    await obj.hvp(theta, unit(d, 0));
  });
  return { H, obj, theta, kernels: prof.kernelNames };
}

describe.skipIf(!loadNativeAddon().addon)('HVP through depthwise layers on the native kernels', () => {
  it('explicit Hessian = the cpu backend’s, symmetric; HVP = central differences of the gradient', async () => {
    const cpu = await hessian('cpu');
    cpu.obj.dispose();
    const native = await hessian('wasm');
    expect(native.kernels).toEqual(expect.arrayContaining([DEPTHWISE, DEPTHWISE_INPUT, DEPTHWISE_FILTER]));
    const flat = (H: Float32Array[]) => Float32Array.from(H.flatMap((col) => Array.from(col)));
    expect(rel(flat(native.H), flat(cpu.H))).toBeLessThan(1e-5);
    expect(asymmetry(native.H)).toBeLessThan(2e-6);
    const { obj, theta } = native,
      h = 1e-2,
      rng = createRng(3);
    const before = tf.memory().numTensors;
    const raw = Array.from(theta, () => rng.normal()),
      norm = Math.hypot(...raw);
    const v = Float32Array.from(raw, (r) => r / norm); // a unit direction: the step is h long
    const at = (s: number) => Float32Array.from(theta, (t, i) => t + s * h * v[i]!);
    const [gp, gm] = [(await obj.grad(at(1))).grad, (await obj.grad(at(-1))).grad];
    const fd = Float32Array.from(gp, (g, i) => (g - gm[i]!) / (2 * h));
    expect(rel(await obj.hvp(theta, v), fd)).toBeLessThan(2e-3);
    expect(tf.memory().numTensors).toBe(before);
    obj.dispose();
  });
});
