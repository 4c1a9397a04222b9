/**
 * Saddle counts #{λ < −τ·λmax} on operators with known spectra: the dense path exact (and an
 * honest interval where the products are noisy), the iterative path exact when its locked pairs
 * pass the threshold, else an interval that contains the truth; both against each other. The
 * spectra put a cluster across the threshold, so that locking an unconverged Ritz value (which
 * lies above its eigenvalue) or stopping before the cluster is resolved gives a wrong count.
 */
import { describe, expect, it } from 'vitest';
import { saddleCounts } from '../src/curvature/saddle-counts.js';
import { lockPrefix } from '../src/curvature/block-bottom-eigen.js';
import { diagonalOperator, rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';
import type { MatVec } from '../src/curvature/vector-ops.js';

/** λmax = 1; thresholds −0.01 (τ = 1e-2) and −0.05 (τ = 5e-2); a cluster straddles −0.01 by ±5e-4. */
function spectrum(d: number): number[] {
  const negatives = [-0.5, -0.3, -0.2, -0.1, -0.051, -0.049, -0.013, -0.012, -0.011, -0.0105, -0.0095, -0.009, -0.008];
  const bulk = Array.from({ length: d - negatives.length - 3 }, (_, i) => 0.01 + (0.5 * i) / d);
  return [...negatives, ...bulk, 0.8, 0.9, 1];
}
const TAUS = [5e-2, 1e-2];
const truth = (lams: number[], t: number) => lams.filter((x) => x < t).length;
const float64 = { floor: 1e-13, tol: 1e-10 };

describe('dense saddle counts', () => {
  it('exact on a rotated operator with a cluster across the threshold; the spectrum is its eigenvalues', async () => {
    const lams = spectrum(120);
    const op = rotatedSpectrumOperator(lams, 4);
    const r = await saddleCounts(op.matvec, op.dim, { method: 'dense', taus: TAUS });
    expect(r.method).toBe('dense');
    expect(r.matvecs).toBe(120);
    expect(r.lambdaMax).toBeCloseTo(1, 12);
    r.eigenvalues.forEach((v, i) => expect(Math.abs(v - op.eigenvalues[i])).toBeLessThan(1e-12));
    for (const t of r.thresholds) {
      expect(t.exact).toBe(true);
      expect(t.count).toEqual({ lo: truth(lams, t.threshold), hi: truth(lams, t.threshold) });
    }
    expect(r.thresholds.map((t) => t.count.lo)).toEqual([5, 10]);
    expect(r.dense!.asymmetry).toBeLessThan(1e-14);
  });

  it('noisy products: the asymmetry is reported and an eigenvalue within the noise radius of the threshold makes an interval', async () => {
    const lams = spectrum(80);
    lams[9] = -0.01 - 1e-7; // 1e-7 below −τ·λmax: inside the noise radius 2e-7
    const op = rotatedSpectrumOperator(lams, 5);
    const eps = 1e-7; // an antisymmetric error K with K[i][j] = eps·sign(j − i) on the first neighbours
    const noisy: MatVec = async (v) => {
      const w = Float64Array.from(await op.matvec(v));
      for (let i = 0; i + 1 < w.length; i++) {
        w[i] += eps * v[i + 1];
        w[i + 1] -= eps * v[i];
      }
      return w;
    };
    const r = await saddleCounts(noisy, op.dim, { method: 'dense', taus: [1e-2] });
    // ‖K‖₁ = 2·eps (two entries per column): the radius, and ‖K‖_F/‖A‖_F the asymmetry
    expect(r.dense!.noiseRadius).toBeCloseTo(2 * eps, 12);
    expect(r.dense!.asymmetry).toBeGreaterThan(1e-7);
    const t = r.thresholds[0];
    expect(t.exact).toBe(false);
    expect(t.cause).toMatch(/noise radius/);
    const n = truth(lams, t.threshold);
    expect(t.count.lo).toBeLessThanOrEqual(n);
    expect(t.count.hi).toBeGreaterThanOrEqual(n);
    expect(t.count.hi - t.count.lo).toBe(1);
  });
});

describe('iterative saddle counts, chebyshev engine', () => {
  const lams = spectrum(300);
  const op = diagonalOperator(lams);

  it('exact and equal to the truth when the locked pairs pass the threshold; locked values are the bottom of the spectrum', async () => {
    const r = await saddleCounts(op.matvec, op.dim, {
      method: 'iterative',
      engine: 'chebyshev',
      taus: TAUS,
      lambdaMax: 1,
      blockSize: 16,
      degree: 20,
      ...float64,
    });
    expect(r.iterative!.passed).toBe(true);
    for (const t of r.thresholds) {
      expect(t.exact).toBe(true);
      expect(t.count.lo).toBe(truth(lams, t.threshold));
    }
    // prefix locking: the locked values are the smallest eigenvalues, each within its residual
    const sorted = [...lams].sort((a, b) => a - b);
    r.eigenvalues.forEach((v, i) => expect(Math.abs(v - sorted[i])).toBeLessThanOrEqual(r.iterative!.residuals[i] + 1e-12));
    expect(r.iterative!.missedOrder).toBe(false);
  });

  it('agrees with dense on the same rotated operator', async () => {
    const small = spectrum(100);
    const rot = rotatedSpectrumOperator(small, 6);
    const dense = await saddleCounts(rot.matvec, rot.dim, { method: 'dense', taus: TAUS });
    const iter = await saddleCounts(rot.matvec, rot.dim, {
      method: 'iterative',
      engine: 'chebyshev',
      taus: TAUS,
      lambdaMax: dense.lambdaMax,
      blockSize: 12,
      degree: 20,
      ...float64,
    });
    expect(iter.thresholds.map((t) => t.count)).toEqual(dense.thresholds.map((t) => t.count));
    expect(iter.thresholds.every((t) => t.exact)).toBe(true);
  });

  it('a budget too small to pass: an interval from the locked pairs + deflated SLQ that contains the truth, with its cause', async () => {
    const r = await saddleCounts(op.matvec, op.dim, {
      method: 'iterative',
      engine: 'chebyshev',
      taus: TAUS,
      lambdaMax: 1,
      blockSize: 16,
      degree: 20,
      maxMatvecs: 900,
      slqProbes: 8,
      slqOrder: 60,
      ...float64,
    });
    expect(r.iterative!.passed).toBe(false);
    expect(r.iterative!.stop).toBe('matvec-budget');
    const t = r.thresholds.find((x) => x.tau === 1e-2)!;
    expect(t.exact).toBe(false);
    expect(t.cause).toMatch(/matvec budget ran out.*deflated SLQ/);
    const n = truth(lams, t.threshold);
    expect(t.count.lo).toBeLessThanOrEqual(n);
    expect(t.count.hi).toBeGreaterThanOrEqual(n);
    expect(t.count.hi).toBeLessThan(op.dim / 4); // an interval that says something
  });

  it('auto: dense up to denseMaxDim, iterative above', async () => {
    const rot = rotatedSpectrumOperator(spectrum(40), 7);
    expect((await saddleCounts(rot.matvec, rot.dim, { taus: [5e-2], denseMaxDim: 40 })).method).toBe('dense');
    const it2 = await saddleCounts(rot.matvec, rot.dim, { taus: [5e-2], denseMaxDim: 39, engine: 'chebyshev', lambdaMax: 1, blockSize: 8, ...float64 });
    expect(it2.method).toBe('iterative');
    expect(it2.reason).toMatch(/40 parameters > 39/);
  });

  it('bad options name their field', async () => {
    await expect(saddleCounts(op.matvec, op.dim, { method: 'sideways' as never })).rejects.toThrow(/saddleMethod/);
    await expect(saddleCounts(op.matvec, op.dim, { blockSize: 1 })).rejects.toThrow(/saddleBlock/);
  });
});

describe('lockPrefix: the locking rule', () => {
  const rule = { tol: 1e-6, floor: 0 };
  it('locks the converged prefix only: an unconverged pair stops the walk, the guard is never locked', () => {
    const values = [-3, -2, -1, 0.5, 1, 2];
    expect(lockPrefix({ values, residuals: [0, 0, 1e-3, 0, 0, 0] }, 1, 3, rule)).toBe(2);
    expect(lockPrefix({ values, residuals: [0, 0, 0, 0, 0, 0] }, 2, 3, rule)).toBe(4);
    expect(lockPrefix({ values, residuals: [1e-3, 0, 0, 0, 0, 0] }, 1, 3, rule)).toBe(0);
  });
});
