/** Spectrum diagnostics on hand-made cases: positive definite, indefinite, λmin ≈ 0. */
import { describe, it, expect } from 'vitest';
import { conditionNumbers, saddleIndex, criticalPointVerdict, stabilityVerdict } from '../src/curvature/spectrum-diagnostics.js';

// one "probe" with nodes/weights chosen by hand: 20% of the mass below −0.01, 10% in (−1e-4, 0)
const slq = { nodes: [[-1, -0.02, -5e-5, 0.5, 10]], weights: [[0.1, 0.1, 0.1, 0.4, 0.3]] };

describe('conditionNumbers', () => {
  it('positive definite: κ = λmax/λmin from the bottom Ritz values', () => {
    const c = conditionNumbers({ top: [10, 8], bottom: [0.5, 1] });
    expect(c.kappa).toBe(20);
    expect(c.kappaPositive).toBe(20);
    expect(c.kappaPositiveSource).toBe('bottom-ritz');
    expect(c.negativeToPositiveRatio).toBe(0);
    expect(c.definitions.kappa).toMatch(/λmax\/λmin/);
  });

  it('indefinite: κ undefined with a reason, κ+ from SLQ nodes, |λmin|/λmax', () => {
    const c = conditionNumbers({ top: [10], bottom: [-1, -0.02], slq });
    expect(c.kappa).toBeNull();
    expect(c.kappaReason).toMatch(/not positive definite/);
    expect(c.kappaPositive).toBe(10 / 0.5);
    expect(c.kappaPositiveSource).toBe('slq-nodes');
    expect(c.negativeToPositiveRatio).toBeCloseTo(0.1, 15);
  });

  it('λmin ≈ 0: eigenvalues below relTol·λmax count as zero for κ and κ+', () => {
    const c = conditionNumbers({ top: [10], bottom: [1e-9, 1e-3], relTol: 1e-6 });
    // λmin = 1e-10·λmax is below what float32 HVPs resolve: singular within resolution, κ undefined
    expect(c.kappa).toBeNull();
    expect(c.kappaReason).toMatch(/zero within resolution/);
    expect(c.kappaPositive).toBeCloseTo(1e4, 8);
  });
});

describe('saddleIndex', () => {
  it('counts the mass below −τ·λmax for each τ', () => {
    const s = saddleIndex(slq, 10, 1000, [1e-3, 1e-6]);
    expect(s.thresholds[0]).toMatchObject({ tau: 1e-3, threshold: -0.01, fraction: 0.2, estimatedCount: 200 });
    expect(s.thresholds[1].fraction).toBeCloseTo(0.3, 15); // −5e-5 < −1e-5 now counts
    expect(s.thresholds[0].stderr).toBeNull(); // one probe: no spread to report
    expect(s.negativeSpectralMass.fraction).toBeCloseTo(0.3, 15);
  });
});

describe('criticalPointVerdict', () => {
  it('a small gradient relative to curvature and loss with no negative curvature is a near-minimum', () => {
    const v = criticalPointVerdict({ gradNorm: 1e-3, lambdaMax: 10, lambdaMin: 1e-4, loss: 0.5 });
    expect(v.verdict).toBe('near-minimum');
    expect(v.ratio).toBeCloseTo(1e-6 / (2 * 10 * 0.5), 18);
  });
  it('negative curvature beyond negTol makes it a saddle', () => {
    expect(criticalPointVerdict({ gradNorm: 1e-3, lambdaMax: 10, lambdaMin: -0.5, loss: 0.5 }).verdict).toBe('near-saddle');
  });
  it('a large gradient is not critical', () => {
    expect(criticalPointVerdict({ gradNorm: 3, lambdaMax: 10, lambdaMin: -0.5, loss: 0.5 }).verdict).toBe('not-critical');
  });
  it('is invariant to scaling the loss (L → aL multiplies g and H by a)', () => {
    const a = criticalPointVerdict({ gradNorm: 0.05, lambdaMax: 10, lambdaMin: -1e-3, loss: 0.5 });
    const b = criticalPointVerdict({ gradNorm: 0.05 * 7, lambdaMax: 70, lambdaMin: -7e-3, loss: 3.5 });
    expect(b.ratio).toBeCloseTo(a.ratio, 14);
    expect(b.verdict).toBe(a.verdict);
  });
});

describe('stabilityVerdict', () => {
  it('compares lr with 2/λmax', () => {
    expect(stabilityVerdict(10, 0.1)).toMatchObject({ threshold: 0.2, stable: true });
    expect(stabilityVerdict(10, 0.3)).toMatchObject({ threshold: 0.2, stable: false });
    expect(stabilityVerdict(10)).toMatchObject({ stable: null, lr: null });
    expect(stabilityVerdict(-1, 0.1)).toMatchObject({ threshold: null, stable: true });
    expect(() => stabilityVerdict(10, -1)).toThrow(/option lr/);
  });
});
