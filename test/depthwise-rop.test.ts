/**
 * The forward-over-reverse rule of DepthwiseConv2D (src/objective/rop/depthwise.ts) on small
 * MobileNet-style nets built with tfjs-layers (depth multipliers 1 and 2, strides 1 and 2, 'same'
 * and 'valid', a bias and an activation of its own, first layer or after a conv), on the cpu
 * backend and on wasm with and without the native kernels: the rules really run; the loss of the
 * rules' gradient pass is the loss pass's to the bit; the gradient and the HVP equal the tape's
 * (double backprop through the registered depthwise gradients) to float32 rounding and the HVP
 * central differences of the gradient; the explicit Hessian from the rules is symmetric.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { PATHS, asymmetry, rel, setupRules, tapeObjective, unit } from './helpers/rop-rules-check.js';

const SIDE = 6,
  C = 2,
  N = 6,
  CLASSES = 3;
const init = (seed: number) => tf.initializers.glorotNormal({ seed });
const bias = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });
const relu6 = () => tf.layers.reLU({ maxValue: 6 });
const head = () => [tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(9) })];
const IN = { inputShape: [SIDE, SIDE, C] };

/** smooth: no kink on the way (tanh, sigmoid), so central differences (step 1e-2) are an oracle to 5e-3. */
const CASES: { name: string; smooth: boolean; layers: () => tf.layers.Layer[] }[] = [
  {
    name: 'Conv → ReLU6 → Depthwise ×2 same → ReLU6 → Depthwise stride 2 valid (relu)',
    smooth: false,
    layers: () => [
      tf.layers.conv2d({ ...IN, filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init(1), biasInitializer: bias(2) }),
      relu6(),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init(3), biasInitializer: bias(4) }),
      relu6(),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, activation: 'relu', depthwiseInitializer: init(5), biasInitializer: bias(6) }),
      ...head(),
    ],
  },
  {
    name: 'Conv (tanh) → Depthwise ×2 same (sigmoid) → Depthwise stride 2 valid (tanh)',
    smooth: true,
    layers: () => [
      tf.layers.conv2d({ ...IN, filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: init(11), biasInitializer: bias(12) }),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        activation: 'sigmoid',
        depthwiseInitializer: init(13),
        biasInitializer: bias(14),
      }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, activation: 'tanh', depthwiseInitializer: init(15), biasInitializer: bias(16) }),
      ...head(),
    ],
  },
  {
    name: 'Depthwise first (tanh, stride 2 same, no bias) → pointwise Conv (tanh)',
    smooth: true,
    layers: () => [
      tf.layers.depthwiseConv2d({ ...IN, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', useBias: false, depthwiseInitializer: init(7) }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'tanh', kernelInitializer: init(8), biasInitializer: bias(10) }),
      ...head(),
    ],
  },
];

describe.each(PATHS)('DepthwiseConv2D forward-over-reverse rule on %s (%s)', (backend, kernels) => {
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (kernels === 'native' ? installNativeKernels : uninstallNativeKernels)();
  });

  it.each(CASES)("$name: rules run; loss to the bit; gradient and HVP = the tape's (and central FD where smooth); symmetric Hessian", async (c) => {
    const { bundle, prepared } = await setupRules(c.layers(), [SIDE, SIDE, C], N, CLASSES);
    const obj = new LocalObjective(bundle, prepared, { batchSize: 4 }),
      theta = bundle.theta0,
      d = bundle.layout.dim;
    expect([obj.hvpEngine(), obj.gradEngine()]).toEqual(['forward-over-reverse', 'rules']);
    const tape = await tapeObjective(bundle, prepared, 4);
    const fd = new LocalObjective(bundle, prepared, { batchSize: 4, hvp: 'fd', fdStep: 1e-2 });
    const before = tf.memory().numTensors;
    const g = await obj.grad(theta);
    expect(g.loss).toBe((await obj.evaluate(theta)).loss);
    expect(rel(g.grad, (await tape.grad(theta)).grad)).toBeLessThan(2e-6);
    const rng = createRng(17);
    for (let k = 0; k < 2; k++) {
      const v = Float32Array.from({ length: d }, () => rng.normal());
      const hv = await obj.hvp(theta, v);
      expect(rel(hv, await tape.hvp(theta, v))).toBeLessThan(1e-5);
      if (c.smooth) expect(rel(hv, await fd.hvp(theta, v))).toBeLessThan(5e-3);
    }
    expect(tf.memory().numTensors).toBe(before);
    // the explicit Hessian on 40 coordinates spread over every weight (a column per HVP): H[S, S] symmetric
    const S = Array.from({ length: Math.min(d, 40) }, (_, k) => Math.floor((k * d) / Math.min(d, 40)));
    const H: Float32Array[] = [];
    for (const j of S) H.push(await obj.hvp(theta, unit(d, j)));
    expect(asymmetry(H.map((col) => Float32Array.from(S, (i) => col[i]!)))).toBeLessThan(2e-6);
    [obj, tape, fd].forEach((o) => o.dispose());
  });
});
