/**
 * Sharpness along training (train --track-sharpness): on a linear model with MSE the Hessian is
 * H = 2XᵀX/N whatever θ, so tracking must return its chosen λmax at every measurement, and the
 * edge-of-stability finding must fire only when full-batch GD runs at (within 10% of) or past 2/η.
 * Warm starts converge at once on a fixed Hessian; adaptive optimizers get λmax(P⁻¹H); no leaks.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel, type ModelBundle } from '../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../src/objective/prepare-data.js';
import { createRng } from '../src/random.js';
import { trainRun } from '../src/train/train-run.js';
import { SharpnessTracker, resolveSharpnessOptions, stabilityRule } from '../src/train/sharpness-tracker.js';
import { sharpnessFinding } from '../src/train/sharpness-finding.js';
import { resolveOptimizerConfig } from '../src/train/optimizers.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

/**
 * N = d·m samples, sample i = a_j e_j (j = i mod d) with a² = `a2`: XᵀX/N = diag(a²)/d, so
 * H = 2·diag(a²)/d exactly (float32 inputs a_j = √a²_j are rounded; the test's λ uses them).
 */
async function diagonalRegression(a2: number[], m: number): Promise<{ bundle: ModelBundle; data: PreparedData; lambdas: number[] }> {
  const d = a2.length;
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, useBias: false, inputShape: [d] })] });
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(ckpt);
  const r = createRng(5);
  const x = new Float32Array(d * m * d);
  const y: number[] = [];
  for (let i = 0; i < d * m; i++) {
    x[i * d + (i % d)] = Math.sqrt(a2[i % d]);
    y.push(r.normal());
  }
  const data = prepareData(datasetOf(x, [d], y, 'float', [1]), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const lambdas = a2.map((v) => (2 * Math.fround(Math.sqrt(v)) ** 2) / d);
  return { bundle, data, lambdas };
}

describe('sharpness tracking along full-batch GD', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  const lambdaMax = 4;
  const run = async (lr: number, extra: Record<string, unknown> = {}) => {
    const { bundle, data, lambdas } = await diagonalRegression([8, 4, 2, 1], 8); // λ = 4, 2, 1, 0.5
    expect(Math.max(...lambdas)).toBeCloseTo(lambdaMax, 6);
    const before = tf.memory().numTensors;
    const out = await trainRun({ seed: 1, optimizer: { name: 'sgd', lr }, batchSize: 32, epochs: 20, shuffle: false, ...extra }, bundle, data, {
      sharpness: { every: 5 },
    });
    expect(tf.memory().numTensors).toBe(before);
    return out.result.history.sharpness!;
  };

  it('reproduces λmax = 4 at every tracked step; 2/η recorded; finding only at or past the threshold', async () => {
    for (const [lr, fires, past] of [
      [0.4, false, 0],
      [0.49, true, 0],
      [0.526, true, 1],
    ] as const) {
      const h = await run(lr);
      expect(h.objective.kind).toBe('full-batch');
      expect(h.objective.samples).toBe(32);
      expect(h.step).toEqual([0, 5, 10, 15, 20]);
      for (let i = 0; i < h.step.length; i++) {
        expect(Math.abs(h.lambdaMax[i] - lambdaMax)).toBeLessThan(1e-5 * lambdaMax);
        expect(h.residual[i]).toBeLessThan(1e-3 * lambdaMax);
        expect(h.twoOverLr[i]).toBeCloseTo(2 / lr, 10);
        expect(h.threshold[i]).toBeCloseTo(2 / lr, 10);
      }
      const f = sharpnessFinding(h);
      expect(f.code).toBe(fires ? 'edge-of-stability' : 'below-stability-threshold');
      expect(f.atOrPastFraction).toBe(fires ? 1 : 0);
      expect(f.pastFraction).toBe(past);
      expect(f.maxRatio).toBeCloseTo((lambdaMax * lr) / 2, 4);
    }
  });

  it('2/η follows the schedule; the fixed seeded subset when training is by minibatches', async () => {
    const h = await run(0.4, { batchSize: 8, epochs: 2, schedule: { name: 'step', decayRate: 0.5, decaySteps: 1 } });
    expect(h.objective).toMatchObject({ kind: 'subset', samples: 32 });
    expect(h.step).toEqual([0, 5]);
    // 4 steps per epoch: step 5 is in epoch 2, at η = 0.2
    expect(h.lr).toEqual([0.4, 0.2]);
    expect(h.twoOverLr[1]).toBeCloseTo(10, 10);
    const { bundle, data } = await diagonalRegression([8, 4, 2, 1], 8);
    const small = await trainRun({ optimizer: { name: 'sgd', lr: 0.1 }, batchSize: 8, epochs: 1 }, bundle, data, { sharpness: { every: 2, samples: 12 } });
    expect(small.result.history.sharpness!.objective).toMatchObject({ kind: 'subset', samples: 12 });
  });

  it('warm starts: on a fixed Hessian every measurement after the first converges in one or two products', async () => {
    const a2 = Array.from({ length: 40 }, (_, i) => 10 * 0.9 ** i);
    const { bundle, data, lambdas } = await diagonalRegression(a2, 2);
    const out = await trainRun({ optimizer: { name: 'sgd', lr: 0.01 }, batchSize: 80, epochs: 6 }, bundle, data, {
      sharpness: { every: 2, iterations: 30, tol: 1e-4 },
    });
    const h = out.result.history.sharpness!;
    const top = Math.max(...lambdas);
    for (const v of h.lambdaMax) expect(Math.abs(v - top)).toBeLessThan(1e-3 * top);
    expect(h.matvecs[0]).toBeGreaterThan(2);
    for (const m of h.matvecs.slice(1)) expect(m).toBeLessThanOrEqual(2);
  });
});

describe('preconditioned sharpness (adaptive optimizers)', () => {
  it('λmax(P⁻¹H) of a diagonal H and a known Adam state is max hᵢ/pᵢ, P = (1−β₁ᵗ)(√v̂ + ε)', async () => {
    const c = resolveOptimizerConfig({ name: 'adam', lr: 0.001 });
    const h = [5, 3, 1, 0.2];
    const v = [0.01, 1e-4, 0.04, 1e-6];
    const t = 3;
    const P = v.map((x) => (1 - c.beta1 ** t) * (Math.sqrt(x / (1 - c.beta2 ** t)) + c.epsilon));
    const tracker = new SharpnessTracker(resolveSharpnessOptions({ every: 1 }), c, { kind: 'full-batch', samples: 1, mode: 'analytic' });
    const hvp = async (u: Float64Array) => u.map((x, i) => h[i] * x);
    await tracker.measure(0, 0.001, 4, hvp, { name: 'adam', t: 0, slots: { m: [0, 0, 0, 0], v: [0, 0, 0, 0] } });
    await tracker.measure(3, 0.001, 4, hvp, { name: 'adam', t, slots: { m: [0, 0, 0, 0], v } });
    const r = tracker.history;
    expect(r.lambdaMax[1]).toBeCloseTo(5, 10);
    expect(r.preconditioned!.lambdaMax[0]).toBeNull();
    const want = Math.max(...h.map((x, i) => x / P[i]));
    expect(Math.abs(r.preconditioned!.lambdaMax[1]! - want)).toBeLessThan(1e-9 * want);
    expect(r.threshold[1]).toBeCloseTo((2 + 2 * 0.9) / (0.1 * 0.001), 6);
    expect(stabilityRule(c).kind).toBe('preconditioned');
    expect(stabilityRule(resolveOptimizerConfig({ name: 'momentum', momentum: 0.9 })).threshold(0.1)).toBeCloseTo(38, 10);
  });

  it('a run with adam records λmax(H) and λmax(P⁻¹H) (none at step 0) and judges the preconditioned one', async () => {
    await selectBackend('cpu');
    const { bundle, data } = await diagonalRegression([8, 4, 2, 1], 8);
    const out = await trainRun({ optimizer: { name: 'adam', lr: 0.01 }, batchSize: 32, epochs: 6 }, bundle, data, { sharpness: { every: 3 } });
    const h = out.result.history.sharpness!;
    expect(h.rule.kind).toBe('preconditioned');
    expect(h.preconditioned!.lambdaMax[0]).toBeNull();
    expect(h.preconditioned!.lambdaMax.slice(1).every((x) => x !== null && x > 0)).toBe(true);
    expect(sharpnessFinding(h).sharpness).toBe('λmax(P⁻¹H)');
  });

  it('refuses bad tracking options by field name', () => {
    expect(() => resolveSharpnessOptions({ every: 0 })).toThrow(/trackSharpness/);
    expect(() => resolveSharpnessOptions({ every: 2, iterations: 1 })).toThrow(/sharpnessIterations/);
    expect(() => resolveSharpnessOptions({ every: 2, tol: 0 })).toThrow(/sharpnessTol/);
  });
});

describe('sharpness tracking on a nonlinear model', () => {
  it('the last measurement equals the top of the dense Hessian spectrum at the final θ (full batch)', async () => {
    await selectBackend('cpu');
    const { LocalObjective } = await import('../src/objective/local-objective.js');
    const { denseSpectrum } = await import('../src/curvature/dense-spectrum.js');
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [2] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
    });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const ckpt = await checkpointFromModel(model);
    model.dispose();
    const bundle = loadModel(ckpt);
    const r = createRng(2);
    const X = Array.from({ length: 60 }, (_, i) => [Math.cos(i) * (1 + (i % 3)) + 0.3 * r.normal(), Math.sin(i) + 0.3 * r.normal()]);
    const data = prepareData(
      datasetOf(
        X,
        [2],
        X.map((_, i) => i % 3),
        'class-index',
      ),
      bundle.arch.inputShape,
      bundle.outDim,
      bundle.loss,
    );
    const out = await trainRun({ seed: 3, optimizer: { name: 'sgd', lr: 0.5 }, batchSize: 60, epochs: 12 }, bundle, data, {
      sharpness: { every: 4, iterations: 33 },
    });
    const h = out.result.history.sharpness!;
    expect(h.step[h.step.length - 1]).toBe(12);
    const obj = new LocalObjective(loadModel(out.checkpoint), data);
    try {
      const spectrum = await denseSpectrum((v) => obj.hvp(out.theta, v), out.theta.length);
      const top = Math.max(...spectrum);
      expect(Math.abs(h.lambdaMax[h.lambdaMax.length - 1] - top)).toBeLessThan(1e-3 * top);
    } finally {
      obj.dispose();
    }
  });
});

describe('sharpness figure', () => {
  it('λmax against 2/η renders to an 800×600 PNG with both series', async () => {
    const { sharpnessSpec } = await import('../src/figures/sharpness.js');
    const { renderSpec } = await import('../src/render/render-png.js');
    const { PNG } = await import('pngjs');
    await selectBackend('cpu');
    const { bundle, data } = await diagonalRegression([8, 4, 2, 1], 8);
    const out = await trainRun({ optimizer: { name: 'momentum', lr: 0.05, momentum: 0.9 }, batchSize: 32, epochs: 10 }, bundle, data, {
      sharpness: { every: 2 },
    });
    const spec = sharpnessSpec(out.result.history.sharpness!);
    const names = (spec as any).scales.find((s: any) => s.name === 'color').domain;
    expect(names).toEqual(['λmax(H), sharpness', '2/η', 'threshold (2 + 2μ)/η, μ = 0.9']);
    const img = PNG.sync.read((await renderSpec(spec)).png);
    expect([img.width, img.height]).toEqual([800, 600]);
  });
});

describe('sharpness tracking is an observation', () => {
  it("with BatchNorm and dropout: the same θ with and without tracking; the last λmax is the final model's (its moving statistics, inference mode)", async () => {
    await selectBackend('cpu');
    const { LocalObjective } = await import('../src/objective/local-objective.js');
    const { denseSpectrum } = await import('../src/curvature/dense-spectrum.js');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }),
        tf.layers.batchNormalization(),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const ckpt = await checkpointFromModel(model);
    model.dispose();
    const bundle = loadModel(ckpt);
    const r = createRng(8);
    const X = Array.from({ length: 40 }, () => [r.normal(), r.normal()]);
    const data = prepareData(
      datasetOf(
        X,
        [2],
        X.map((x) => (x[0] * x[1] > 0 ? 1 : 0)),
        'class-index',
      ),
      bundle.arch.inputShape,
      bundle.outDim,
      bundle.loss,
    );
    const cfg = { seed: 4, optimizer: { name: 'momentum', lr: 0.2 }, batchSize: 10, epochs: 3 };
    const plain = await trainRun(cfg, bundle, data);
    const before = tf.memory().numTensors;
    const tracked = await trainRun(cfg, bundle, data, { sharpness: { every: 3, iterations: 30, samples: 40 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(tracked.result.thetaHash).toBe(plain.result.thetaHash);
    const h = tracked.result.history.sharpness!;
    expect(h.step[h.step.length - 1]).toBe(12);
    const obj = new LocalObjective(loadModel(tracked.checkpoint), data);
    try {
      const top = Math.max(...(await denseSpectrum((v) => obj.hvp(tracked.theta, v), tracked.theta.length)));
      expect(Math.abs(h.lambdaMax[h.lambdaMax.length - 1] - top)).toBeLessThan(1e-3 * top);
    } finally {
      obj.dispose();
    }
  });
});

describe('sharpness tracking when products blow up', () => {
  it('a non-finite Hessian-vector product is recorded as NaN (not converged), not a crash or a hang', async () => {
    const tracker = new SharpnessTracker(resolveSharpnessOptions({ every: 1 }), resolveOptimizerConfig({ name: 'sgd', lr: 0.1 }), {
      kind: 'full-batch',
      samples: 1,
      mode: 'analytic',
    });
    await tracker.measure(0, 0.1, 3, async (u) => u.map((x) => 2 * x));
    await tracker.measure(1, 0.1, 3, async (u) => u.map(() => NaN));
    await tracker.measure(2, 0.1, 3, async (u) => u.map((x) => 3 * x));
    const h = tracker.history;
    expect(h.lambdaMax[0]).toBeCloseTo(2, 10);
    expect(h.lambdaMax[1]).toBeNaN();
    expect(h.converged[1]).toBe(false);
    expect(h.lambdaMax[2]).toBeCloseTo(3, 10);
    expect(sharpnessFinding(h).tracked).toBe(2);
  });
});
