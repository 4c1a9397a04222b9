/**
 * The bottom end on a bundled fixture, against a dense float64 eigensolve (ml-matrix EVD) of
 * the explicit Hessian built column by column from the same float32 HVPs: the bar is
 * bottom-5 within 1e-6·λmax, all flagged converged.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { denseSpectrum } from '../src/curvature/dense-spectrum.js';
import { loadProblem, type Problem } from '../src/problem.js';
import { analyzeHessian } from '../src/curvature/analyze-hessian.js';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

describe('spiral-tanh (371 params): bottom-5 vs the explicit Hessian', () => {
  let problem: Problem;
  let exact: number[];
  beforeAll(async () => {
    problem = await loadProblem({ model: path.join(FIX, 'spiral-tanh'), train: { data: path.join(FIX, 'spiral-tanh/train.csv') }, backend: 'cpu', workers: 1 });
    const obj = problem.train!.objective;
    exact = await denseSpectrum((v) => obj.hvp(obj.theta0, v), obj.layout.dim);
  }, 120_000);
  afterAll(async () => problem?.dispose());

  it('bottom-5 and top-5 within 1e-6·λmax, all converged, no tensor leaks', async () => {
    const obj = problem.train!.objective;
    const before = tf.memory().numTensors;
    const r = await analyzeHessian(obj, { top: 5, bottom: 5, probes: 10, slqOrder: 20, slqProbes: 2, seed: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const d = exact.length,
      lmax = exact[d - 1];
    // 1e-6·λmax: the bar; the explicit Hessian carries the same float32 HVP noise (~1e-7·λmax)
    r.eigenvalues.bottom.forEach((v, i) => expect(Math.abs(v - exact[i])).toBeLessThan(1e-6 * lmax));
    r.eigenvalues.top.forEach((v, i) => expect(Math.abs(v - exact[d - 1 - i])).toBeLessThan(1e-6 * lmax));
    expect(r.eigenvalues.convergedEach.bottom).toEqual([true, true, true, true, true]);
    expect(r.eigenvalues.convergedEach.top).toEqual([true, true, true, true, true]);
    // the error bounds the pairs carry are honest: each covers its actual error (+1e-7·λmax float32 noise)
    r.eigenvalues.bottom.forEach((v, i) => expect(Math.abs(v - exact[i])).toBeLessThanOrEqual(r.residuals.errorBounds.bottom[i] + 1e-7 * lmax));
    // saddle index: the converged bottom-5 all lie below −1e-3·λmax, so that count needs SLQ: an interval containing the truth
    for (const t of r.saddleIndex.thresholds) {
      const truth = exact.filter((x) => x < t.threshold).length;
      if (t.source === 'eigenpairs') expect(t.count.lo).toBe(truth);
      else expect(t.count.lo).toBeLessThanOrEqual(truth + 3 * (t.stderr ?? 0) * d);
    }
  }, 120_000);
});
