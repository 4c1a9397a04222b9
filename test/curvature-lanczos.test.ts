/**
 * Lanczos and the extreme-eigenpair driver against A = Q diag(λ) Qᵀ with known λ, plus the
 * tridiagonal solver against ml-matrix's EVD.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { lanczos } from '../src/curvature/lanczos.js';
import { extremeEigenpairs } from '../src/curvature/extreme-eigenvalues.js';
import { tridiagonalEigen } from '../src/curvature/tridiagonal-eigen.js';
import { rotatedSpectrumOperator, diagonalOperator, eigenResidual } from '../src/curvature/known-spectrum.js';
import { dot, type MatVec } from '../src/curvature/vector-ops.js';
import { createRng } from '../src/random.js';

function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}
// dim 200: bulk in [−0.5, 1], separated top and negative outliers.
const SPECTRUM = [...uniform(190, -0.5, 1, 3), 10, 9, 8.5, 8, 7.9, -3, -2.5, -2, -1.9, -1.8];

describe('tridiagonalEigen', () => {
  it('matches ml-matrix EVD: T·V = V·D, VᵀV = I', () => {
    const rng = createRng(11);
    for (const n of [1, 2, 7, 40]) {
      const a = Array.from({ length: n }, () => rng.normal());
      const b = Array.from({ length: n - 1 }, (_, i) => (i % 5 === 3 ? 0 : rng.normal())); // zeros: split blocks
      const T = Matrix.zeros(n, n);
      a.forEach((x, i) => T.set(i, i, x));
      b.forEach((x, i) => {
        T.set(i, i + 1, x);
        T.set(i + 1, i, x);
      });
      const { values, vectors } = tridiagonalEigen(a, b);
      const ref = [...new EigenvalueDecomposition(T).realEigenvalues].sort((x, y) => x - y);
      // 1e-12 absolute on O(1) entries: both are backward-stable QL, they agree to rounding.
      values.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
      const V = new Matrix(vectors.map((v) => Array.from(v))).transpose();
      // 1e-12: residual of a backward-stable solver on ‖T‖ = O(1)
      expect(
        T.mmul(V)
          .sub(V.mmul(Matrix.diag(Array.from(values))))
          .abs()
          .max(),
      ).toBeLessThan(1e-12);
      // orthonormal to rounding (products of O(n) rotations)
      expect(V.transpose().mmul(V).sub(Matrix.eye(n)).abs().max()).toBeLessThan(1e-13);
    }
  });
});

describe('lanczos', () => {
  it('finds the top-5 and bottom-5 eigenpairs of a 200-dim indefinite quadratic', async () => {
    const op = rotatedSpectrumOperator(SPECTRUM, 5);
    const r = await lanczos(op.matvec, op.dim, { which: 'both', k: 5, tol: 1e-10, keepBasis: true, seed: 1 });
    expect(r.converged).toBe(true);
    expect(r.matvecs).toBe(op.calls());
    expect(r.matvecs).toBeLessThan(100); // far fewer than dim: the point of Lanczos
    const want = [...op.eigenvalues.slice(0, 5), ...op.eigenvalues.slice(-5).reverse()];
    r.wanted.forEach((idx, j) => {
      // rtol 1e-8: Ritz-value error ~ residual²/gap, here ≲ 1e-18; 1e-8 leaves room for rounding.
      expect(Math.abs(r.ritzValues[idx] - want[j])).toBeLessThan(1e-8 * Math.abs(want[j]));
      // the true residual ‖Av − θv‖ is small and the cheap estimate |β s_m| tracks it
      const true_ = eigenResidual(op, r.ritzVectors![j], r.ritzValues[idx]);
      expect(true_).toBeLessThan(1e-9 * 10);
      expect(Math.abs(true_ - r.residuals[idx])).toBeLessThan(1e-12);
    });
  });

  it('resolves a tight top cluster (gaps 1e-3 relative)', async () => {
    const lams = [...uniform(195, 0, 1, 4), 10, 10 - 1e-2, 10 - 2e-2, 10 - 3e-2, 5];
    const op = rotatedSpectrumOperator(lams, 6);
    const r = await lanczos(op.matvec, op.dim, { which: 'largest', k: 4, tol: 1e-10, maxIter: 200 });
    const top = r.wanted.map((i) => r.ritzValues[i]);
    // rtol 1e-8 again: a cluster slows convergence but full reorthogonalization keeps it clean
    [10, 10 - 1e-2, 10 - 2e-2, 10 - 3e-2].forEach((v, i) => expect(Math.abs(top[i] - v)).toBeLessThan(1e-8 * v));
  });

  it('finds exactly repeated eigenvalues through breakdown restarts', async () => {
    const op = rotatedSpectrumOperator([3, 3, 3, 3, 1, 1, 1, -2, -2, -2, 0.5, 0.5], 2);
    const r = await lanczos(op.matvec, op.dim, { which: 'both', k: 3, tol: 1e-10 });
    expect(r.restarts).toBeGreaterThan(0);
    const got = r.wanted.map((i) => r.ritzValues[i]);
    got.slice(0, 3).forEach((v) => expect(v).toBeCloseTo(-2, 10));
    got.slice(3).forEach((v) => expect(v).toBeCloseTo(3, 10));
  });

  it('basis is orthonormal and Ritz values lie in [λmin, λmax] (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 5, max: 60 }), async (seed, n) => {
        const lams = uniform(n, -2, 5, seed);
        const op = rotatedSpectrumOperator(lams, seed + 1);
        const Q: Float64Array[] = [];
        const spy: MatVec = (v) => {
          Q.push(Float64Array.from(v));
          return op.matvec(v);
        };
        const r = await lanczos(spy, n, { maxIter: Math.min(n, 30), tol: 0, seed, restartOnBreakdown: false });
        for (let i = 0; i < Q.length; i++) {
          for (let j = 0; j <= i; j++) {
            // 1e-12: two-pass Gram-Schmidt keeps QᵀQ = I to a few ulps times the basis size
            expect(Math.abs(dot(Q[i], Q[j]) - (i === j ? 1 : 0))).toBeLessThan(1e-12);
          }
        }
        const lo = op.eigenvalues[0],
          hi = op.eigenvalues[n - 1];
        // Cauchy interlacing: Ritz values of a projection lie in the spectrum's hull (+ rounding)
        r.ritzValues.forEach((x) => {
          expect(x).toBeGreaterThanOrEqual(lo - 1e-10);
          expect(x).toBeLessThanOrEqual(hi + 1e-10);
        });
      }),
      { numRuns: 25, seed: 42 },
    );
  });

  it('is deterministic in its seed', async () => {
    const op = rotatedSpectrumOperator(SPECTRUM, 5);
    const a = await lanczos(op.matvec, op.dim, { maxIter: 10, tol: 0, seed: 7 });
    const b = await lanczos(op.matvec, op.dim, { maxIter: 10, tol: 0, seed: 7 });
    const c = await lanczos(op.matvec, op.dim, { maxIter: 10, tol: 0, seed: 8 });
    expect(b.alpha).toEqual(a.alpha);
    expect(b.beta).toEqual(a.beta);
    expect(c.alpha[0]).not.toBe(a.alpha[0]); // a different start vector
  });

  it('rejects bad options with the field name', async () => {
    const op = diagonalOperator([1, 2, 3]);
    await expect(lanczos(op.matvec, 3, { which: 'middle' as never })).rejects.toThrow(/option which/);
    await expect(lanczos(op.matvec, 3, { tol: -1 })).rejects.toThrow(/option tol/);
    await expect(lanczos(op.matvec, 3, { k: 0 })).rejects.toThrow(/option k/);
  });
});

describe('extremeEigenpairs', () => {
  it('returns top descending, bottom ascending, with small residuals and vectors', async () => {
    const op = rotatedSpectrumOperator(SPECTRUM, 5);
    const r = await extremeEigenpairs(op.matvec, op.dim, { top: 5, bottom: 5, tol: 1e-10, floor: 1e-13, vectors: true, seed: 3 });
    expect(r.top.values).toEqual([...r.top.values].sort((a, b) => b - a));
    r.top.values.forEach((v, i) => expect(Math.abs(v - op.eigenvalues[199 - i])).toBeLessThan(1e-8 * Math.abs(v)));
    r.bottom.values.forEach((v, i) => expect(Math.abs(v - op.eigenvalues[i])).toBeLessThan(1e-8 * Math.abs(v)));
    r.bottom.vectors!.forEach((v, i) => expect(eigenResidual(op, v, r.bottom.values[i])).toBeLessThan(1e-8));
    expect(r.top.convergedEach.concat(r.bottom.convergedEach).every(Boolean)).toBe(true);
    expect(r.matvecs).toBe(op.calls());
  });

  it('restarts until a slowly converging bottom end converges', async () => {
    // a clean top, but the negative outliers sit just below a dense 2000-value cluster
    // near 0 (relative gap 5e-4 of the spread): the bottom needs far more steps than the top.
    const bottom = [-0.05, -0.045, -0.04];
    const lams = [...uniform(1997, -0.035, 0.05, 9), ...bottom, 10, 6, 4];
    const op = diagonalOperator(lams);
    const phase1 = await lanczos(op.matvec, lams.length, { which: 'both', k: 2, kSmallest: 3, tol: 1e-8, maxIter: 40, seed: 1 });
    expect(phase1.converged).toBe(false); // the premise: 40 steps are not enough for one run
    const before = op.calls();
    const r = await extremeEigenpairs(op.matvec, lams.length, { top: 2, bottom: 3, tol: 1e-8, floor: 1e-13, maxIter: 40, maxMatvecs: 2000, seed: 1 });
    expect(r.restarts).toBeGreaterThan(0);
    expect(r.matvecs).toBe(op.calls() - before);
    expect(r.top.converged && r.bottom.converged).toBe(true);
    // rtol 1e-8 on the top; 1e-9 absolute on the bottom (residual ≤ 1e-8·|θ|, value
    // error ≲ residual²/gap, with rounding to spare)
    expect(Math.abs(r.top.values[0] - 10)).toBeLessThan(1e-7);
    r.bottom.values.forEach((v, i) => expect(Math.abs(v - bottom[i])).toBeLessThan(1e-9));
  });

  it('flags the bottom unconverged when the budget runs out, never silently', async () => {
    const lams = [...uniform(1997, -0.035, 0.05, 9), -0.05, -0.045, -0.04, 10, 6, 4];
    const op = diagonalOperator(lams);
    const r = await extremeEigenpairs(op.matvec, lams.length, { top: 2, bottom: 3, tol: 1e-8, floor: 1e-13, maxIter: 20, maxMatvecs: 40, seed: 1 });
    expect(r.matvecs).toBe(40);
    expect(r.budgetExhausted).toBe(true);
    expect(r.bottom.converged).toBe(false);
    expect(r.bottom.convergedEach.some((c) => !c)).toBe(true);
  });
});

describe('lanczos: converged means the residual rule, not a Krylov space that ran out', () => {
  it('a start vector in a 2-D invariant subspace gives exact pairs, but 3 wanted are not "converged"', async () => {
    const d = [5, 3, 2, 1];
    const matvec: MatVec = (v) => Float64Array.from(v, (x, i) => d[i] * x);
    const start = Float64Array.from([1, 1, 0, 0]); // spans the eigenvectors of 5 and 3 only
    const r = await lanczos(matvec, 4, { which: 'largest', k: 3, tol: 1e-10, start, restartOnBreakdown: false });
    expect(r.invariantSubspace).toBe(true);
    expect(r.ritzValues.map((x) => Number(x.toFixed(9)))).toEqual([3, 5]); // exact, but only two
    expect(r.converged).toBe(false);
    // the whole space of a 2×2 operator: both pairs exact and known to be all of them
    const full = await lanczos((v) => Float64Array.from(v, (x, i) => [5, 3][i] * x), 2, { which: 'largest', k: 2, tol: 1e-10, seed: 3 });
    expect(full.converged).toBe(true);
  });
});
