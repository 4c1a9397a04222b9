/**
 * DepthwiseConv2D, SeparableConv2D, ReLU(max_value), ZeroPadding2D, Conv1D, MaxPooling1D,
 * AveragePooling1D and GlobalMax/AveragePooling1D through the Objective, on cpu and wasm (the wasm
 * project runs it again with LOSSLENS_NATIVE=0), against three ground truths on models built with
 * tfjs' own layers API: the loss equals tfjs-layers' model.evaluate, the gradient equals tfjs
 * autodiff of the model's loss, and the HVP equals central differences of the gradient and the
 * columns of an explicit Hessian that is symmetric.
 *
 * Tolerances: losses and gradients are the same float32 ops summed in other orders (batches of 8 vs
 * one pass): 1e-5 relative. FD of the gradient (h = 1e-3, float32): O(h²) truncation plus
 * ulp(∇L)/2h ≈ 6e-8·|∇L|/2e-3 roundoff ⇒ 2e-2 of max|Hv| as rop-hvp.test.ts. ReLU6's kinks: inputs
 * and weights are seeded so that both the 0 and the 6 clip are active on some entries (checked),
 * and the FD probe moves pre-activations by ~1e-3, which crosses no kink at these seeds.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { clippedReluChain, fixtureOf, mobileNet, oneDNet, tfjsLossAndGrad, type Fixture } from './helpers/mobile-one-d-nets.js';

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
const NETS: Array<[string, () => tf.LayersModel, number]> = [
  ['mobile (depthwise, separable, ReLU6, zero padding)', mobileNet, 2],
  ['1-D (Conv1D, 1-D pools, global 1-D pools)', oneDNet, 1],
  ['dense → ReLU(max_value 0.5) → dense (kept off the forward-over-reverse rules, whose ReLU is relu or relu6)', clippedReluChain, 1],
];

describe.each(['cpu', 'wasm'])('mobile and 1-D layers on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(NETS)('%s: loss = model.evaluate, gradient = tfjs autodiff, no leaks', async (_name, build, scale) => {
    const f = await fixtureOf(build, 20, scale);
    const ref = tfjsLossAndGrad(f);
    expect(Math.abs(ref.loss - ref.evaluate)).toBeLessThan(1e-6 * ref.evaluate); // the oracle's two readings agree
    const obj = new LocalObjective(f.bundle, f.data, { batchSize: 8 }); // 8 + 8 + 4: uneven batches
    const before = tf.memory().numTensors;
    const ev = await obj.evaluate(f.bundle.theta0);
    const g = await obj.grad(f.bundle.theta0);
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(ev.loss - ref.evaluate)).toBeLessThan(1e-5 * ref.evaluate);
    expect(g.grad.length).toBe(ref.grad.length);
    expect(maxAbs(ref.grad)).toBeGreaterThan(1e-3);
    expect(maxDiff(g.grad, ref.grad)).toBeLessThan(1e-5 * maxAbs(ref.grad) + 1e-7);
    obj.dispose();
    f.model.dispose();
  });

  it.each(NETS)('%s: HVP = central differences of the gradient, and the explicit Hessian is symmetric', async (_name, build, scale) => {
    const f = await fixtureOf(build, 16, scale);
    f.model.dispose();
    const obj = new LocalObjective(f.bundle, f.data, { batchSize: 8 });
    const fd = new LocalObjective(f.bundle, f.data, { batchSize: 8, hvp: 'fd', fdStep: 1e-3 });
    const theta = f.bundle.theta0,
      d = theta.length,
      rng = createRng(9);
    const before = tf.memory().numTensors;
    for (let probe = 0; probe < 2; probe++) {
      const v = Float32Array.from(theta, () => rng.normal());
      const [he, hf] = [await obj.hvp(theta, v), await fd.hvp(theta, v)];
      expect(maxAbs(he)).toBeGreaterThan(1e-3);
      expect(maxDiff(he, hf)).toBeLessThan(2e-2 * maxAbs(he));
    }
    const H: Float32Array[] = [];
    for (let j = 0; j < d; j++) {
      const e = new Float32Array(d);
      e[j] = 1;
      H.push(await obj.hvp(theta, e));
    }
    expect(tf.memory().numTensors).toBe(before);
    let asym = 0,
      scaleH = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
        scaleH = Math.max(scaleH, Math.abs(H[i]![j]!));
      }
    expect(asym).toBeLessThan(1e-4 * scaleH); // two exact second derivatives in float32: rounding apart
    // the explicit Hessian's action equals the HVP of the same vector (linearity of the exact HVP)
    const v = Float32Array.from(theta, () => rng.normal());
    const hv = await obj.hvp(theta, v);
    const Hv = Float32Array.from({ length: d }, (_, i) => H.reduce((s, col, j) => s + col[i]! * v[j]!, 0));
    expect(maxDiff(hv, Hv)).toBeLessThan(1e-4 * maxAbs(hv));
    obj.dispose();
    fd.dispose();
  });
});

describe('ReLU(max_value) at the fixture: both clips are active', () => {
  it('some depthwise outputs are below 0 and some above 6, so the fixture tests the clip', async () => {
    await selectBackend('cpu');
    const f: Fixture = await fixtureOf(mobileNet, 16, 2);
    const pre = tf.tidy(() => {
      const inner = tf.model({ inputs: f.model.inputs, outputs: f.model.layers[2]!.output as tf.SymbolicTensor });
      return (inner.predict(tf.tensor(f.x, [16, ...f.inputShape])) as tf.Tensor).dataSync();
    });
    expect(Array.from(pre).filter((p) => p > 6).length).toBeGreaterThan(5);
    expect(Array.from(pre).filter((p) => p < 0).length).toBeGreaterThan(5);
    f.model.dispose();
  });
});
