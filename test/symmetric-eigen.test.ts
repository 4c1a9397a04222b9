/**
 * The dense symmetric eigensolver (Householder tridiagonalisation + QL) and the Sturm count
 * against matrices with known spectra A = Q diag(λ) Qᵀ (Q a seeded random orthogonal matrix,
 * A formed in float64): spread, clustered and exactly repeated eigenvalues. Backward stability
 * promises each computed eigenvalue within c·n·ε·‖A‖ of the exact one; the tolerance is n·ε·‖A‖
 * (the measured errors are about a tenth of it), far below any spacing the tests resolve.
 */
import { describe, expect, it } from 'vitest';
import { householderTridiagonalize, sturmCount, symmetricEigenvalues } from '../src/curvature/symmetric-eigen.js';
import { tridiagonalEigen, tridiagonalEigenvalues } from '../src/curvature/tridiagonal-eigen.js';
import { rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';
import { createRng } from '../src/random.js';

const EPS = 2 ** -52;

function dense(lambdas: number[], seed: number): { a: Float64Array; n: number } {
  const op = rotatedSpectrumOperator(lambdas, seed);
  const n = lambdas.length,
    a = new Float64Array(n * n);
  op.rows.forEach((r, i) => a.set(r, i * n));
  return { a, n };
}

function expectSpectrum(lambdas: number[], seed: number): Float64Array {
  const { a, n } = dense(lambdas, seed);
  const values = symmetricEigenvalues(a, n).values;
  const truth = [...lambdas].sort((x, y) => x - y);
  const normA = Math.max(...truth.map(Math.abs));
  const tol = n * EPS * normA;
  let worst = 0;
  values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - truth[i]))));
  expect(worst).toBeLessThan(tol);
  return values;
}

describe('symmetricEigenvalues: Householder + QL against known spectra', () => {
  it('a spread spectrum of both signs (n = 150)', () => {
    const rng = createRng(1);
    expectSpectrum(
      Array.from({ length: 150 }, () => 10 * (rng.next() - 0.3)),
      2,
    );
  });

  it('clusters and exact repeats: 40 × 1, 40 × (1 + 1e-9), 30 × 0, the rest spread (n = 130)', () => {
    const lams = [...new Array(40).fill(1), ...new Array(40).fill(1 + 1e-9), ...new Array(30).fill(0), ...Array.from({ length: 20 }, (_, i) => -2 + 0.1 * i)];
    expectSpectrum(lams, 3);
  });

  it('odd and tiny sizes: n = 1, 2, 3 and a diagonal matrix (every reflector trivial)', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.of(-4), 1).values)).toEqual([-4]);
    expectSpectrum([3, -1], 4);
    expectSpectrum([0.5, 2, -7], 5);
    const n = 5,
      a = new Float64Array(n * n);
    [4, -3, 0, 2, 1].forEach((x, i) => (a[i * n + i] = x));
    expect(Array.from(symmetricEigenvalues(a, n).values)).toEqual([-3, 0, 1, 2, 4]);
  });

  it('T is orthogonally similar to A: the same trace and Frobenius norm; only the lower triangle is read', () => {
    const rng = createRng(7);
    const n = 60,
      a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const x = rng.normal();
        a[i * n + j] = x;
        a[j * n + i] = x;
      }
    let tr = 0,
      fro = 0;
    for (let i = 0; i < n; i++) {
      tr += a[i * n + i];
      for (let j = 0; j < n; j++) fro += a[i * n + j] ** 2;
    }
    const upperGarbage = a.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upperGarbage[i * n + j] = 1e6;
    const t = householderTridiagonalize(upperGarbage, n);
    const trT = t.alpha.reduce((s, x) => s + x, 0);
    const froT = t.alpha.reduce((s, x) => s + x * x, 0) + 2 * t.beta.reduce((s, x) => s + x * x, 0);
    expect(Math.abs(trT - tr)).toBeLessThan(n * EPS * Math.sqrt(fro) * 10);
    expect(Math.abs(froT - fro) / fro).toBeLessThan(n * EPS * 10);
  });

  it('preserve keeps A; the values-only QL equals the QL with vectors', () => {
    const { a, n } = dense([1, 2, 3, -4, 5, 6, -0.5], 8);
    const before = a.slice();
    const r = symmetricEigenvalues(a, n, { preserve: true });
    expect(a).toEqual(before);
    const withVectors = tridiagonalEigen(r.tridiagonal.alpha, r.tridiagonal.beta).values;
    expect(Array.from(tridiagonalEigenvalues(r.tridiagonal.alpha, r.tridiagonal.beta))).toEqual(Array.from(withVectors));
  });
});

describe('sturmCount: #{λ < σ} by Sylvester inertia of T − σI', () => {
  it('equals the known count at every shift between eigenvalues, repeats included', () => {
    const lams = [-3, -3, -3, -1e-4, -1e-4, 0, 0, 0, 1e-4, 2, 2, 5, ...Array.from({ length: 40 }, (_, i) => 0.3 + 0.01 * i)];
    const { a, n } = dense(lams, 9);
    const { tridiagonal } = symmetricEigenvalues(a, n);
    const sorted = [...lams].sort((x, y) => x - y);
    // shifts 5e-5 from every eigenvalue: far above the n·ε·‖A‖ ≈ 6e-14 backward error
    const shifts = [-4, -3.5, -2.9, -2e-4, -5e-5, 5e-5, 1.5e-4, 1, 2.5, 4.9, 5.1, 0.305, 0.6999, 0.7001];
    for (const s of shifts) expect(sturmCount(tridiagonal, s)).toBe(sorted.filter((x) => x < s).length);
  });

  it('agrees with the computed spectrum on a random matrix (n = 200) at 50 random shifts', () => {
    const rng = createRng(11);
    const n = 200,
      a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const x = rng.normal();
        a[i * n + j] = x;
        a[j * n + i] = x;
      }
    const { values, tridiagonal } = symmetricEigenvalues(a, n);
    for (let k = 0; k < 50; k++) {
      const s = 40 * (rng.next() - 0.5);
      const near = Array.from(values).some((v) => Math.abs(v - s) < 1e-9);
      if (!near) expect(sturmCount(tridiagonal, s)).toBe(Array.from(values).filter((v) => v < s).length);
    }
  });
});
