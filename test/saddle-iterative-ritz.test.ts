/**
 * The dense symmetric eigensolver of the Ritz problems (symmetric-eigen.ts: the Householder reduction with Q kept, then QL rotating Q) against known
 * spectra and ml-matrix on random symmetric matrices: eigenvalues to n·ε·‖A‖, A·v = λ·v and VᵀV = I.
 */
import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { symmetricEigenpairs } from '../src/curvature/symmetric-eigen.js';
import { createRng } from '../src/random.js';
import { randomOrthogonal } from '../src/curvature/known-spectrum.js';

function randomSymmetric(n: number, seed: number): number[][] {
  const rng = createRng(seed);
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const x = rng.normal();
      a[i][j] = x;
      a[j][i] = x;
    }
  return a;
}

describe('symmetricEigenpairs', () => {
  it('a known spectrum with a repeated value and a tight cluster, rotated: values to 1e-12, orthonormal vectors', () => {
    const lams = [-3, -1e-3, -1e-3 + 1e-9, 0, 0, 0.5, 2, 2, 7, 40];
    const n = lams.length;
    const Q = randomOrthogonal(n, 5);
    const A = Q.mmul(Matrix.diag(lams)).mmul(Q.transpose()).to2DArray();
    const r = symmetricEigenpairs(A, n);
    r.values.forEach((v, i) => expect(Math.abs(v - lams[i])).toBeLessThan(1e-12 * 40));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const dot = r.vectors[i].reduce((s, x, k) => s + x * r.vectors[j][k], 0);
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
  });

  it('random symmetric 120 × 120: values equal ml-matrix to n·ε·‖A‖ and every pair has ‖Av − λv‖ ≤ n·ε·‖A‖', () => {
    const n = 120;
    const A = randomSymmetric(n, 9);
    const r = symmetricEigenpairs(A, n);
    const ref = [...new EigenvalueDecomposition(new Matrix(A), { assumeSymmetric: true }).realEigenvalues].sort((p, q) => p - q);
    const norm = Math.max(...ref.map(Math.abs));
    const tol = n * 2 ** -52 * norm * 10;
    r.values.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(tol));
    r.vectors.forEach((v, j) => {
      let res = 0;
      for (let i = 0; i < n; i++) res += (A[i].reduce((s, x, k) => s + x * v[k], 0) - r.values[j] * v[i]) ** 2;
      expect(Math.sqrt(res)).toBeLessThan(tol);
    });
    // ascending
    for (let i = 1; i < n; i++) expect(r.values[i]).toBeGreaterThanOrEqual(r.values[i - 1]);
  });

  it('1 × 1 and diagonal input', () => {
    expect(symmetricEigenpairs([[4]], 1).values).toEqual([4]);
    const r = symmetricEigenpairs(
      [
        [3, 0],
        [0, -1],
      ],
      2,
    );
    expect(r.values).toEqual([-1, 3]);
    expect(Math.abs(r.vectors[0][1])).toBeCloseTo(1, 14);
  });
});
