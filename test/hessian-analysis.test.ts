/**
 * `analyzeHessian` against ground truths: a quadratic with a chosen spectrum (negative and
 * clustered eigenvalues), linear regression (H = 2X̃ᵀX̃/N) and, on the small tanh MLP, the
 * explicit Hessian built column by column from exact HVPs and eigen-decomposed with ml-matrix.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { analyzeHessian } from '../src/curvature/analyze-hessian.js';
import { hessianRepeats } from '../src/curvature/hessian-repeats.js';
import { rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { quadraticObjective } from './helpers/quadratic-objective.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

const fast = { maxIter: 80, probes: 60, slqOrder: 40, slqProbes: 4, tol: 1e-6 };

describe('Hessian analysis of a quadratic with a known spectrum', () => {
  // 60 eigenvalues: 8 negative (one clustered pair at the bottom), a tight cluster near zero, and a top cluster
  const lambdas = [-3, -2.99, -1, -0.5, -0.2, -0.1, -0.05, -0.01, ...Array.from({ length: 46 }, (_, i) => 0.01 + 0.02 * i), 5, 9.9, 10, 20, 40, 50].sort(
    (a, b) => a - b,
  );
  const op = rotatedSpectrumOperator(lambdas, 5);
  const A = op.rows.map((r) => Array.from(r));
  const obj = quadraticObjective(
    A,
    Array.from({ length: lambdas.length }, () => 0),
  );

  it('top-5 and bottom-5 equal the extremes; trace within 3 SE; negative fraction matches', async () => {
    const r = await analyzeHessian(obj, { ...fast, seed: 1 });
    const desc = [...lambdas].sort((a, b) => b - a);
    // Ritz values of a float32-rounded A (the objective works in float32): rtol 1e-5
    r.eigenvalues.top.forEach((v, i) => expect(v).toBeCloseTo(desc[i], 4));
    r.eigenvalues.bottom.forEach((v, i) => expect(v).toBeCloseTo(lambdas[i], 4));
    const tr = lambdas.reduce((a, b) => a + b, 0);
    expect(Math.abs(r.trace.estimate - tr)).toBeLessThan(3 * r.trace.stderr!);
    // 8 of 60 eigenvalues are < −τ·λmax for τ = 1e-4 (−0.005): SLQ fraction within 3 SE + 1 node's weight
    const neg = r.saddleIndex.thresholds.find((t) => t.tau === 1e-4)!;
    expect(Math.abs(neg.fraction - 8 / 60)).toBeLessThan(3 * (neg.stderr ?? 0) + 0.05);
    expect(r.conditionNumbers.kappa).toBeNull(); // indefinite
    expect(r.conditionNumbers.negativeToPositiveRatio).toBeCloseTo(3 / 50, 4);
    expect(r.criticalPoint.verdict).toBe('near-saddle'); // ∇L = 0 at θ = 0 and λmin < 0
    r.density!.weights.forEach((w) => expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10));
  });

  it('same seed gives the same numbers; the stability threshold is 2/λmax', async () => {
    const a = await analyzeHessian(obj, { ...fast, seed: 3, lr: 0.1 });
    const b = await analyzeHessian(obj, { ...fast, seed: 3, lr: 0.1 });
    expect(a.trace).toEqual(b.trace);
    expect(a.eigenvalues).toEqual(b.eigenvalues);
    expect(a.stability.threshold).toBeCloseTo(2 / 50, 6);
    expect(a.stability.stable).toBe(false); // lr 0.1 > 2/50
  });

  it("per-layer blocks of a block-diagonal quadratic give each block's λmax and trace", async () => {
    const diag = [1, 2, 3, 10, 20];
    const A2 = diag.map((d, i) => diag.map((_, j) => (i === j ? d : 0)));
    const layout = {
      dim: 5,
      blocks: [
        { layer: 'a', name: 'a/kernel', shape: [3], offset: 0, size: 3, role: 'kernel' as const, filterAxis: null },
        { layer: 'b', name: 'b/kernel', shape: [2], offset: 3, size: 2, role: 'kernel' as const, filterAxis: null },
      ],
    };
    const r = await analyzeHessian(quadraticObjective(A2, [0, 0, 0, 0, 0], { layout }), { ...fast, perLayer: true, top: 2, bottom: 2, perLayerProbes: 50 });
    expect(r.perLayer!.map((l) => l.layer)).toEqual(['a', 'b']);
    expect(r.perLayer![0].lambdaMax).toBeCloseTo(3, 5);
    expect(r.perLayer![1].lambdaMax).toBeCloseTo(20, 5);
    expect(Math.abs(r.perLayer![1].trace - 30)).toBeLessThan(3 * (r.perLayer![1].traceStderr ?? 0) + 1e-9);
  });
});

describe('Hessian analysis on real models (cpu)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('linear regression: eigenvalues equal those of 2X̃ᵀX̃/N', async () => {
    const rng = createRng(11);
    const n = 80;
    const X = Array.from({ length: n }, () => [rng.normal(), 2 * rng.normal(), 0.5 * rng.normal()]);
    const y = X.map((r) => r[0] + r[1] - r[2] + 0.1 * rng.normal());
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const bundle = loadModel(await checkpointFromModel(model));
    model.dispose();
    const data = prepareData(datasetOf(X, [3], y, 'float', [1]), [3], 1, bundle.loss);
    const obj = new LocalObjective(bundle, data);
    const before = tf.memory().numTensors;
    const r = await analyzeHessian(obj, { top: 2, bottom: 2, maxIter: 4, probes: 30, slqOrder: 4, slqProbes: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const Xt = new Matrix(X.map((row) => [...row, 1]));
    const H = Xt.transpose()
      .mmul(Xt)
      .mul(2 / n);
    const ev = new EigenvalueDecomposition(H, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
    // float32 HVPs of O(10) entries: relative 1e-5
    expect(r.eigenvalues.top[0]).toBeCloseTo(ev[3], 3);
    expect(r.eigenvalues.top[1]).toBeCloseTo(ev[2], 3);
    expect(r.eigenvalues.bottom[0]).toBeCloseTo(ev[0], 3);
    expect(r.eigenvalues.bottom[1]).toBeCloseTo(ev[1], 3);
    expect(r.conditionNumbers.kappa).toBeCloseTo(ev[3] / ev[0], 1);
    obj.dispose();
  });

  it('repeats on disjoint subsets report a spread', async () => {
    const sub = (L0: number, s: number) =>
      quadraticObjective(
        [
          [2 * s, 0],
          [0, s],
        ],
        [0, 0],
        { L0 },
      );
    const r = await hessianRepeats([sub(0, 1), sub(0, 2), sub(0, 3)], { top: 1, bottom: 1, maxIter: 2, probes: 10, slqOrder: 2, slqProbes: 1 });
    expect(r.lambdaMax.values.map((v) => Math.round(v * 1e4) / 1e4)).toEqual([2, 4, 6]);
    expect(r.lambdaMax.mean).toBeCloseTo(4, 4);
    expect(r.lambdaMax.std).toBeCloseTo(2, 4);
  });
});
