/**
 * The iterative saddle counts' lanczos engine (spectrum-slicing*.ts) on operators with known
 * spectra shaped like a trained network's Hessian: a few large outliers on top, a bottom cluster
 * that straddles the thresholds, and a dense bulk near zero. Exact counts where the locked pairs
 * pass, honest intervals where they do not, and the locking rule's mutations caught.
 */
import { describe, expect, it } from 'vitest';
import { saddleCounts } from '../src/curvature/saddle-counts.js';
import { convergedPrefix, lockBottomUntil, sliceBasis } from '../src/curvature/spectrum-slicing.js';
import { slicingTarget } from '../src/curvature/spectrum-slicing-counts.js';
import { diagonalOperator, rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';

/**
 * λmax = 100 with outliers 100, 40, 12; thresholds −0.1 (τ = 1e-3) and −0.01 (τ = 1e-4). 12 values below
 * −0.1 and a cluster straddling −0.01 within ±3e-4 (6 below, 6 above); a bulk of d − 36 in [−0.004, 0.3].
 */
function spectrum(d: number): number[] {
  const deep = [-2, -1.3, -0.9, -0.7, -0.5, -0.4, -0.3, -0.25, -0.2, -0.15, -0.12, -0.105];
  const mid = [-0.09, -0.07, -0.05, -0.04, -0.03, -0.02];
  const straddle = [-0.0103, -0.01025, -0.0102, -0.01015, -0.0101, -0.01005, -0.00995, -0.0099, -0.00985, -0.0098, -0.00975, -0.0097];
  const bulk = Array.from({ length: d - 33 }, (_, i) => -0.004 + (0.304 * i) / (d - 33));
  return [...deep, ...mid, ...straddle, ...bulk, 100, 40, 12];
}
const TAUS = [1e-3, 1e-4];
const truth = (lams: number[], t: number) => lams.filter((x) => x < t).length;
const float64 = { floor: 1e-13, tol: 1e-9 };

describe('iterative saddle counts, lanczos engine', () => {
  const lams = spectrum(400);
  const op = rotatedSpectrumOperator(lams, 21);

  it('exact at both thresholds on a rotated operator with outliers on top; locked values are the bottom of the spectrum', async () => {
    // a 2 × 80 sizing (the default 4 × 150 is for thousands of parameters, where a short sizing's low estimate costs a second locking run)
    const r = await saddleCounts(op.matvec, op.dim, { method: 'iterative', taus: TAUS, lambdaMax: 100, sizingProbes: 2, sizingOrder: 80, ...float64 });
    expect(r.iterative!.engine).toBe('lanczos');
    expect(r.iterative!.passed).toBe(true);
    expect(r.thresholds.map((t) => t.count.lo)).toEqual([12, 24]);
    for (const t of r.thresholds) {
      expect(t.exact).toBe(true);
      expect(t.count).toEqual({ lo: truth(lams, t.threshold), hi: truth(lams, t.threshold) });
    }
    const sorted = [...lams].sort((a, b) => a - b);
    // each locked value within its residual of the eigenvalue of the same rank (1e-12: the operator's own rounding)
    r.eigenvalues.forEach((v, i) => expect(Math.abs(v - sorted[i])).toBeLessThanOrEqual(r.iterative!.residuals[i] + 1e-12));
    // and every residual meets the rule it was locked under (ρ = 100)
    r.iterative!.residuals.forEach((res, i) => expect(res).toBeLessThanOrEqual(Math.max(1e-9 * Math.abs(r.eigenvalues[i]), 1e-13 * 100) * (1 + 1e-9)));
    expect(r.iterative!.target!.threshold).toBeCloseTo(-0.01, 12);
    // 443 products measured (sizing 160 + locking): far fewer than the Chebyshev-filtered block needs here, where the outliers on top slow its filter
    expect(r.matvecs).toBeLessThan(600);
  });

  it('a first guess too small grows (doubling) until the locked pairs pass', async () => {
    const d = diagonalOperator(lams);
    const r = await lockBottomUntil(d.matvec, d.dim, { until: -0.01, kStart: 4, maxLocked: 64, maxMatvecs: 20_000, seed: 3, ...float64 });
    expect(r.passed).toBe(true);
    expect(r.cycles).toBeGreaterThan(2); // 4 → 8 → 16 → 32
    expect(r.values.filter((v, i) => v + r.residuals[i] < -0.01).length).toBe(24);
  });

  it('maxLocked too small for the shallow threshold: the deep count exact, the shallow one an interval (locked + deflated SLQ ± 2 se) containing the truth', async () => {
    // τ = 5e-5: t = −0.005 with 30 below; 1.25·30 + 10 > 36 = maxLocked, so the locking aims at −0.1 only
    const r = await saddleCounts(op.matvec, op.dim, {
      method: 'iterative',
      taus: [1e-3, 5e-5],
      lambdaMax: 100,
      maxLocked: 36,
      slqProbes: 6,
      slqOrder: 120,
      ...float64,
    });
    const [deep, shallow] = r.thresholds;
    expect(r.iterative!.target!.threshold).toBeCloseTo(-0.1, 12);
    expect(deep.exact).toBe(true);
    expect(deep.count.lo).toBe(12);
    expect(shallow.exact).toBe(false);
    expect(shallow.cause).toMatch(/deflated SLQ.*standard errors/);
    const n = truth(lams, shallow.threshold);
    expect(n).toBe(30);
    expect(shallow.count.lo).toBeLessThanOrEqual(n);
    expect(shallow.count.hi).toBeGreaterThanOrEqual(n);
    expect(shallow.count.hi - shallow.count.lo).toBeLessThan(op.dim / 4);
    expect(shallow.stderr).toBeGreaterThan(0);
  });

  it('a budget that ends before convergence: no exact count is claimed, the interval contains the truth', async () => {
    // the locking rule is what keeps this honest: unconverged Ritz values lie above their eigenvalues, so taking them would undercount
    const r = await saddleCounts(op.matvec, op.dim, {
      method: 'iterative',
      taus: [1e-4],
      lambdaMax: 100,
      maxMatvecs: 200,
      slqProbes: 6,
      slqOrder: 100,
      ...float64,
    });
    const t = r.thresholds[0];
    const n = truth(lams, t.threshold);
    expect(r.iterative!.passed).toBe(false);
    expect(t.exact).toBe(false);
    expect(t.count.lo).toBeLessThanOrEqual(n);
    expect(t.count.hi).toBeGreaterThanOrEqual(n);
  });
});

describe('spectrum slicing: the rules', () => {
  it('convergedPrefix stops at the first unconverged pair', () => {
    const c = (...f: boolean[]) => f.map((converged) => ({ converged }));
    expect(convergedPrefix(c(true, true, false, true))).toBe(2);
    expect(convergedPrefix(c(false, true))).toBe(0);
    expect(convergedPrefix(c(true, true))).toBe(2);
  });

  it('slicingTarget aims at the threshold nearest zero whose sized count fits', () => {
    expect(slicingTarget([-1, -0.1, -0.01], [5, 60, 400], 100)).toEqual({ threshold: -0.1, estimate: 60, wanted: 85 });
    expect(slicingTarget([-1, -0.1], [5, 60], 1000)).toEqual({ threshold: -0.1, estimate: 60, wanted: 85 });
    expect(slicingTarget([-1], [500], 100)).toBeNull();
    expect(slicingTarget([-1, -0.1], [NaN, 3], 100)).toEqual({ threshold: -0.1, estimate: 3, wanted: 14 });
  });

  it('a bad engine names its field', async () => {
    const op = diagonalOperator([-1, 0, 1]);
    await expect(saddleCounts(op.matvec, op.dim, { method: 'iterative', engine: 'sideways' as never })).rejects.toThrow(/saddleEngine: unknown "sideways"/);
  });

  it('the basis holds 2k + 60 vectors, at most the dimension', () => {
    expect(sliceBasis(70, 2000)).toBe(200);
    expect(sliceBasis(70, 150)).toBe(150);
  });
});
