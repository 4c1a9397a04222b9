/**
 * Gradient diagnostics against ground truths: a deep linear net whose per-layer gradients
 * have a closed form (ml-matrix), activation gradients against central finite differences
 * on a tanh net, the pure attenuation/findings arithmetic, seeded re-initialisation,
 * determinism and tensor leaks.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Matrix } from 'ml-matrix';
import { selectBackend } from '../src/engine/index.js';
import { forward } from '../src/model/forward.js';
import { perSampleLoss } from '../src/model/loss.js';
import { analyzeGradients } from '../src/gradients/analyze-gradients.js';
import { attenuationProfile, spikes } from '../src/gradients/attenuation.js';
import { diagnose } from '../src/gradients/findings.js';
import { analysedLayers } from '../src/gradients/layers.js';
import { rawLayerGradients } from '../src/gradients/layer-gradients.js';
import { minibatchIndices } from '../src/gradients/minibatches.js';
import { GRADIENT_DEFAULTS, resolveGradientOptions } from '../src/gradients/options.js';
import { reinitialize, INITIALIZER_NAMES } from '../src/gradients/reinitialize.js';
import { gradientTrajectory } from '../src/gradients/trajectory.js';
import { withTheta } from '../src/objective/layout.js';
import { denseNet } from './helpers/gradients-nets.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const close = (a: number, b: number, rtol: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rtol * Math.abs(b) + 1e-7);
const fro = (m: Matrix) => Math.sqrt(m.to1DArray().reduce((s, v) => s + v * v, 0));

describe('deep linear network: closed-form per-layer gradients', () => {
  it('‖∂L/∂W_k‖, ‖∂L/∂b_k‖, ‖∂L/∂a_k‖ equal A_{k−1}ᵀG_k, 1ᵀG_k, G_k with G_{k−1} = G_k W_kᵀ', async () => {
    const widths = [3, 5, 4, 6, 2];
    const { bundle, data, X, Y } = await denseNet(widths, 7);
    const before = tf.memory().numTensors;
    const r = await analyzeGradients(bundle, data, { batches: 1, batchSize: 7 });
    expect(tf.memory().numTensors).toBe(before);
    // closed form in float64
    const layers = analysedLayers(bundle.arch);
    const W = layers.map((l) => new Matrix(toRows(bundle.checkpoint.weights[l.kernel!].values, bundle.checkpoint.weights[l.kernel!].spec.shape)));
    const B = layers.map((l) => Array.from(bundle.checkpoint.weights[l.bias!].values));
    const A = [new Matrix(X)];
    for (let k = 0; k < W.length; k++) A.push(A[k].mmul(W[k]).addRowVector(B[k]));
    const b = X.length,
      kOut = widths[widths.length - 1];
    const G: Matrix[] = [];
    G[W.length - 1] = A[W.length]
      .clone()
      .sub(new Matrix(Y))
      .mul(2 / (b * kOut));
    for (let k = W.length - 1; k > 0; k--) G[k - 1] = G[k].mmul(W[k].transpose());
    const loss =
      A[W.length]
        .clone()
        .sub(new Matrix(Y))
        .to1DArray()
        .reduce((s, v) => s + v * v, 0) /
      (b * kOut);
    close(r.loss.mean, loss, 1e-5);
    r.layers.forEach((s, k) => {
      close(s.kernelGrad!.mean, fro(A[k].transpose().mmul(G[k])), 1e-4);
      close(s.biasGrad!.mean, fro(Matrix.columnVector(G[k].sum('column'))), 1e-4);
      close(s.activationGrad.mean, fro(G[k]), 1e-4);
      close(s.kernelNorm!, fro(W[k]), 1e-6);
      close(s.gradToWeight!.mean, fro(A[k].transpose().mmul(G[k])) / fro(W[k]), 1e-4);
      expect(s.kernelGrad!.std).toBe(0); // one batch: no spread
    });
    // the attenuation profile is the ratio of those norms
    const gw = W.map((_, k) => fro(A[k].transpose().mmul(G[k])));
    close(r.attenuation.weights.overall, gw[0] / gw[gw.length - 1], 1e-4);
    r.attenuation.weights.factors.forEach((f, k) => close(f, gw[k] / gw[k + 1], 1e-4));
    close(r.attenuation.activations.overall, fro(G[0]) / fro(G[W.length - 2]), 1e-4);
  });
});

function toRows(v: Float32Array, [r, c]: number[]): number[][] {
  return Array.from({ length: r }, (_, i) => Array.from(v.subarray(i * c, (i + 1) * c)));
}

describe('activation gradients against central finite differences', () => {
  it('∂L/∂a_k of every layer of a tanh net matches (L(a+εe) − L(a−εe))/2ε', async () => {
    const { bundle, data } = await denseNet([3, 5, 4, 2], 4, 'tanh', 5);
    const layers = analysedLayers(bundle.arch);
    const weights = bundle.checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    const x = tf.tensor2d(data.x, [4, 3]);
    const y = tf.tensor2d(data.y, [4, 2]);
    const m = { arch: bundle.arch, loss: bundle.loss, weights };
    const raw = rawLayerGradients(m, x, y, layers);
    const eps = 1e-2;
    const lossAt = (name: string, shift: tf.Tensor) =>
      tf.tidy(() => tf.mean(perSampleLoss(m.loss, y, forward(m.arch, weights, x, { addAt: new Map([[name, shift]]) }))).dataSync()[0]);
    for (const [li, l] of layers.entries()) {
      const g = raw.activationGrads[li];
      const gv = g.dataSync();
      const scale = Math.max(...Array.from(gv, Math.abs));
      for (let j = 0; j < g.size; j++) {
        const e = tf.tidy(() =>
          tf
            .oneHot(tf.tensor1d([j], 'int32'), g.size)
            .reshape(g.shape)
            .toFloat(),
        );
        const plus = lossAt(
          l.name,
          tf.tidy(() => tf.mul(e, eps)),
        );
        const minus = lossAt(
          l.name,
          tf.tidy(() => tf.mul(e, -eps)),
        );
        e.dispose();
        expect(Math.abs((plus - minus) / (2 * eps) - gv[j])).toBeLessThan(2e-3 * scale + 1e-5);
      }
    }
    tf.dispose([raw.value, ...raw.weightGrads, ...raw.activationGrads, x, y, ...weights]);
  });
});

describe('attenuation and findings arithmetic', () => {
  it('profile: relative to last, consecutive factors, overall and per-layer factor', () => {
    const p = attenuationProfile(['a', 'b', 'c', 'd'], [1e-6, 1e-4, 1e-2, 1]);
    expect(p.relativeToLast).toEqual([1e-6, 1e-4, 1e-2, 1]);
    p.factors.forEach((f) => close(f, 1e-2, 1e-12));
    close(p.overall, 1e-6, 1e-12);
    close(p.perLayer, 1e-2, 1e-9);
    expect(spikes([1, 1.1, 0.9, 50, 1], 10).map((s) => s.index)).toEqual([3]);
  });

  it('diagnose: each threshold gives its code, and none gives "healthy"', () => {
    const o = GRADIENT_DEFAULTS;
    const health = (sat: number | null, dead: number | null) => [
      { name: 'h', activation: 'x', mean: 0, std: 1, saturatedFraction: sat, deadFraction: dead, deadUnits: null, units: 4 },
    ];
    const base = { basis: 'weights' as const, batchNorms: [1, 1, 1], outputLayer: 'out' };
    const codes = (overall: number, norms = [1, 1, 1], h = health(null, null)) =>
      diagnose({ ...base, attenuation: attenuationProfile(['h', 'out'], [overall, 1]), batchNorms: norms, health: h }, o).map((f) => f.code);
    expect(codes(1e-4)).toEqual(['vanishing-gradients']);
    expect(codes(1e4)).toEqual(['exploding-gradients']);
    expect(codes(1, [1, 1, 30, 1])).toEqual(['gradient-spike']);
    expect(codes(1, undefined, health(0.9, null))).toEqual(['saturated-layer']);
    expect(codes(1, undefined, health(null, 0.5))).toEqual(['dead-relus']);
    expect(codes(1)).toEqual(['healthy']);
    const f = diagnose({ ...base, attenuation: attenuationProfile(['h', 'out'], [1e-5, 1]), health: health(null, null) }, o)[0];
    expect(f).toMatchObject({ layers: ['h', 'out'], threshold: 1e-3, figure: 'attenuation.png', severity: 'warning' });
    expect(f.remedy).toMatch(/initiali[sz]ation/);
  });

  it('options: defaults documented, bad values named', () => {
    expect(resolveGradientOptions()).toEqual(GRADIENT_DEFAULTS);
    expect(() => resolveGradientOptions({ batches: 0 })).toThrow(/batches/);
    expect(() => resolveGradientOptions({ saturation: 1.2 })).toThrow(/saturation/);
    expect(() => resolveGradientOptions({ basis: 'bogus' as any })).toThrow(/valid: weights, activations/);
  });

  it('minibatches: seeded, no repeats inside a batch, capped at n', () => {
    const a = minibatchIndices(10, 4, 5, 3);
    expect(a).toEqual(minibatchIndices(10, 4, 5, 3));
    a.forEach((b) => expect(new Set(b).size).toBe(4));
    expect(minibatchIndices(10, 64, 2, 3).map((b) => b.length)).toEqual([10, 10]);
  });
});

describe('re-initialisation', () => {
  it('matches the initializer variance, zeroes biases, is seeded and leaves the input alone', async () => {
    const { bundle } = await denseNet([200, 300, 100], 2);
    const k = bundle.checkpoint.weights[0].values; // [200, 300]
    const copy = Float32Array.from(k);
    const variance = (v: Float32Array) => v.reduce((s, x) => s + x * x, 0) / v.length;
    const he = reinitialize(bundle.checkpoint, bundle.arch, 'he', 1);
    close(variance(he.weights[0].values), 2 / 200, 0.03);
    const gu = reinitialize(bundle.checkpoint, bundle.arch, 'glorot_uniform', 1);
    close(variance(gu.weights[0].values), 2 / 500, 0.03);
    expect(Math.max(...Array.from(gu.weights[0].values, Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    close(variance(reinitialize(bundle.checkpoint, bundle.arch, 'lecunUniform', 1).weights[2].values), 1 / 300, 0.05);
    expect(he.weights[1].values.every((v) => v === 0)).toBe(true);
    expect(reinitialize(bundle.checkpoint, bundle.arch, 'zeros', 1).weights[0].values.every((v) => v === 0)).toBe(true);
    expect(reinitialize(bundle.checkpoint, bundle.arch, 'he', 1).weights[0].values).toEqual(he.weights[0].values);
    expect(reinitialize(bundle.checkpoint, bundle.arch, 'he', 2).weights[0].values).not.toEqual(he.weights[0].values);
    expect(bundle.checkpoint.weights[0].values).toEqual(copy);
    expect(() => reinitialize(bundle.checkpoint, bundle.arch, 'orthogonal', 1)).toThrow(new RegExp(`valid: ${INITIALIZER_NAMES.slice(0, 3).join(', ')}`));
  });
});

describe('determinism and leaks', () => {
  it('same seed → identical result; another seed → other batches; no tensors left behind', async () => {
    const { bundle, data } = await denseNet([4, 8, 8, 8, 3], 40, 'tanh', 9);
    const before = tf.memory().numTensors;
    const opts = { batches: 3, batchSize: 8, seed: 4, compareInit: 'glorotNormal' };
    const a = await analyzeGradients(bundle, data, opts);
    const b = await analyzeGradients(bundle, data, opts);
    expect(tf.memory().numTensors).toBe(before);
    // identical apart from how long each took (meta.elapsedMs)
    const untimed = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'elapsedMs' ? undefined : v)));
    expect(untimed(a)).toEqual(untimed(b));
    expect(a.init!.initializer).toBe('glorotNormal');
    expect(a.init!.layers[0].kernelNorm).not.toBeCloseTo(a.layers[0].kernelNorm!, 6);
    const c = await analyzeGradients(bundle, data, { ...opts, seed: 5 });
    expect(c.batchTotals).not.toEqual(a.batchTotals);
    expect(a.layers[0].kernelGrad!.std).toBeGreaterThan(0);
  });

  it('trajectory: one column per checkpoint, equal to the single-checkpoint profile', async () => {
    const { bundle, data } = await denseNet([4, 6, 6, 3], 24, 'tanh', 11);
    const theta = Float32Array.from(bundle.theta0, (v) => v * 3);
    const ckpts = [bundle.checkpoint, withTheta(bundle.checkpoint, bundle.layout, bundle.indices, theta)];
    const before = tf.memory().numTensors;
    const t = await gradientTrajectory(bundle, ckpts, data, { batches: 2, batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    const single = await analyzeGradients(bundle, data, { batches: 2, batchSize: 8 });
    expect(t.layers).toEqual(single.layers.map((l) => l.name));
    t.layers.forEach((_, k) => expect(t.kernelGrad[k][0]).toBe(single.layers[k].kernelGrad!.mean));
    expect(t.kernelGrad[0][1]).not.toBe(t.kernelGrad[0][0]);
    expect(t.totalGrad).toHaveLength(2);
  });
});
