/**
 * The honesty rules of the Hessian summary: the convergence rule, derived quantities from
 * converged pairs only, the saddle index with its resolution (exact from eigenpairs, else an
 * interval from the SLQ quadrature), the table's marks and the report's warning.
 */
import { describe, it, expect } from 'vitest';
import { isConverged, residualThreshold, errorBound, gaps, FLOAT32_HVP_FLOOR } from '../src/curvature/convergence-rule.js';
import { conditionNumbers, cmsBounds, criticalPointVerdict } from '../src/curvature/spectrum-diagnostics.js';
import { slqDensity } from '../src/curvature/slq-density.js';
import { diagonalOperator, rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';
import { analyzeHessian } from '../src/curvature/analyze-hessian.js';
import { gaussianVector } from '../src/random.js';
import { hessianTable } from '../src/report/hessian-digest.js';
import { reportFindings } from '../src/report/findings.js';
import { FINDING_THRESHOLDS } from '../src/report/report-options.js';
import { fakeReport } from './helpers/fake-report.js';
import { quadraticObjective } from './helpers/quadratic-objective.js';
import { createRng } from '../src/random.js';

describe('convergence rule (ARPACK relative to |θ|, float32 floor)', () => {
  it('judges the bottom relative to |θ|, not to λmax, down to the noise floor', () => {
    const rule = { tol: 1e-4, floor: FLOAT32_HVP_FLOOR };
    // ρ = 10, θ = −1e-3: the old rule (1e-4·ρ = 1e-3) accepted a residual as large as θ itself
    expect(isConverged(-1e-3, 5e-4, 10, rule)).toBe(false);
    expect(residualThreshold(-1e-3, 10, rule)).toBeCloseTo(FLOAT32_HVP_FLOOR * 10, 15); // floor dominates
    expect(isConverged(-1e-3, 5e-6, 10, rule)).toBe(true);
    expect(isConverged(10, 9e-4, 10, rule)).toBe(true); // top: tol·|θ| = 1e-3
  });
  it('error bound min(r, r²/gap) and gaps between neighbours', () => {
    expect(gaps([0, 1, 3])).toEqual([1, 1, 2]);
    expect(errorBound(1e-3, 1)).toBeCloseTo(1e-6, 15);
    expect(errorBound(1e-3, 1e-4)).toBe(1e-3);
  });
});

describe('derived quantities use converged pairs only', () => {
  it('κ and κ₊ skip an unconverged bottom value and say why', () => {
    const c = conditionNumbers({ top: { values: [10], converged: [true] }, bottom: { values: [0.001, 0.5], converged: [false, true] } });
    expect(c.kappa).toBeNull();
    expect(c.kappaReason).toMatch(/did not converge/);
    expect(c.kappaPositive).toBeCloseTo(20, 10); // 10 / 0.5, not 10 / 0.001
    const none = conditionNumbers({ top: { values: [10], converged: [true] }, bottom: { values: [0.001], converged: [false] } });
    expect(none.kappaPositive).toBeNull();
    expect(none.kappaPositiveReason).toMatch(/unconverged ones skipped/);
  });
  it('"near-minimum" from an unconverged λmin carries the caveat', () => {
    const v = criticalPointVerdict({ gradNorm: 0, lambdaMax: 10, lambdaMin: 1e-4, loss: 1, lambdaMinConverged: false });
    expect(v.verdict).toBe('near-minimum');
    expect(v.reason).toMatch(/did not converge/);
  });
});

describe('saddle index with its resolution', () => {
  it("CMS bounds bracket every probe's exact spectral CDF", async () => {
    const rng = createRng(3);
    const lams = Array.from({ length: 400 }, () => rng.normal() * 0.1 + (rng.next() < 0.2 ? -0.2 : 0.05));
    const op = diagonalOperator(lams);
    const slq = await slqDensity(op.matvec, 400, { order: 25, probes: 4, seed: 5 });
    for (let p = 0; p < 4; p++) {
      const v = gaussianVector(400, (5 + Math.imul(p + 1, 0x85ebca6b)) >>> 0);
      const n2 = v.reduce((a, x) => a + x * x, 0);
      for (const t of [-0.3, -0.1, -0.01, 0, 0.02, 0.1]) {
        const exact = lams.reduce((a, l, i) => a + (l < t ? (v[i] * v[i]) / n2 : 0), 0);
        const b = cmsBounds(slq.nodes[p], slq.weights[p], t);
        // 1e-10: Lanczos in float64 on a 400-dim diagonal, weights exact to rounding
        expect(exact).toBeGreaterThanOrEqual(b.lo - 1e-10);
        expect(exact).toBeLessThanOrEqual(b.hi + 1e-10);
      }
    }
  });

  it('exact count from converged eigenpairs when they reach the threshold, else an SLQ interval', async () => {
    const negatives = [-3, -2.99, -1, -0.5, -0.2, -0.1, -0.06, -0.01];
    const lambdas = [...negatives, ...Array.from({ length: 46 }, (_, i) => 0.01 + 0.02 * i), 5, 9.9, 10, 20, 40, 50];
    const op = rotatedSpectrumOperator(lambdas, 5);
    const obj = quadraticObjective(
      op.rows.map((r) => Array.from(r)),
      new Array(lambdas.length).fill(0),
    );
    const fast = { maxIter: 40, probes: 10, slqOrder: 20, slqProbes: 4, seed: 1, saddleMethod: 'lanczos' as const }; // the eigenvalue stage's own estimate
    const wide = await analyzeHessian(obj, { ...fast, bottom: 10 });
    for (const t of wide.saddleIndex.thresholds) {
      expect(t.source).toBe('eigenpairs'); // the 10th smallest (0.03) is above −τ·50 for every τ
      const truth = lambdas.filter((l) => l < t.threshold).length; // 7 at τ = 1e-3 (−0.05), else 8
      expect(t.count).toEqual({ lo: truth, hi: truth });
    }
    const narrow = await analyzeHessian(obj, { ...fast, bottom: 3 });
    for (const t of narrow.saddleIndex.thresholds) {
      expect(t.source).toBe('slq-interval');
      expect(t.count.lo).toBeGreaterThanOrEqual(3); // the 3 converged below it
      // the interval is the quadrature's resolution; probe noise on top: 3 stderr of the point estimate
      const slack = 3 * (t.stderr ?? 0) * lambdas.length;
      const truth = lambdas.filter((l) => l < t.threshold).length;
      expect(truth).toBeGreaterThanOrEqual(t.count.lo - slack);
      expect(truth).toBeLessThanOrEqual(t.count.hi + slack);
    }
  });
});

describe('the table and the report never present an unconverged value as an eigenvalue', () => {
  it('marks it in the table and warns with the remedy', async () => {
    const lams = [...Array.from({ length: 1997 }, (_, i) => -0.035 + (0.085 * i) / 1997), -0.05, -0.045, -0.04, 10, 6, 4];
    const A = lams.map((l, i) => {
      const row = new Array(lams.length).fill(0);
      row[i] = l;
      return row;
    });
    const obj = quadraticObjective(A, new Array(lams.length).fill(0));
    const r = await analyzeHessian(obj, { top: 2, bottom: 3, maxIter: 10, maxMatvecs: 20, probes: 3, slqOrder: 5, slqProbes: 2, saddleMethod: 'lanczos' });
    expect(r.eigenvalues.convergedEach.bottom.some((c) => !c)).toBe(true);
    const table = hessianTable(r);
    expect(table).toMatch(/\?/);
    expect(table).toMatch(/raise --max-matvecs/);
    const report = fakeReport({});
    (report as any).hessian = { ...report.hessian, eigenvalues: r.eigenvalues, residuals: r.residuals };
    const f = reportFindings(report, FINDING_THRESHOLDS).find((x) => x.code === 'unconverged-eigenvalues');
    expect(f?.severity).toBe('warning');
    expect(f?.remedy).toMatch(/--max-matvecs/);
  }, 60_000);
});

describe('κ of a singular PSD matrix', () => {
  it('a converged λmin at the noise floor is zero within resolution: κ undefined, said why', () => {
    const c = conditionNumbers({ top: { values: [7.4], converged: [true] }, bottom: { values: [5.4e-8, 0.2], converged: [true, true] } });
    expect(c.kappa).toBeNull();
    expect(c.kappaReason).toMatch(/zero within resolution/);
    expect(c.kappaPositive).toBeCloseTo(37, 10); // 7.4 / 0.2
  });
});
