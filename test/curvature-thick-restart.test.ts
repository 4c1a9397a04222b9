/**
 * Thick-restart Lanczos against a dense float64 eigensolver (ml-matrix EVD of the explicit
 * matrix) on operators with the shapes of real Hessians: a planted bottom cluster tighter
 * than tol·λmax, repeated eigenvalues, an indefinite bulk with a few negative outliers, and a
 * Papyan-2020-like spectrum (bulk + C outliers + a C(C−1) cross-class cluster).
 */
import { describe, it, expect } from 'vitest';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { thickRestartLanczos } from '../src/curvature/thick-restart-lanczos.js';
import { isConverged } from '../src/curvature/convergence-rule.js';
import { rotatedSpectrumOperator, eigenResidual } from '../src/curvature/known-spectrum.js';
import { createRng } from '../src/random.js';

function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

function denseEigenvalues(rows: Float64Array[]): number[] {
  const A = new Matrix(rows.map((r) => Array.from(r)));
  return [...new EigenvalueDecomposition(A, { assumeSymmetric: true }).realEigenvalues].sort((a, b) => a - b);
}

// float64 operators: the floor of the convergence rule can sit at rounding level
const F64 = { tol: 1e-10, floor: 1e-13 };

async function checkEnds(lambdas: number[], k: { top: number; bottom: number }, opts: { basisSize?: number; maxMatvecs?: number; seed?: number } = {}) {
  const op = rotatedSpectrumOperator(lambdas, 7);
  const ref = denseEigenvalues(op.rows);
  const r = await thickRestartLanczos(op.matvec, op.dim, { which: 'both', kTop: k.top, kBottom: k.bottom, ...F64, maxMatvecs: 4000, vectors: true, ...opts });
  const lmax = Math.max(...ref.map(Math.abs));
  expect(r.converged).toBe(true);
  expect(r.matvecs).toBe(op.calls());
  // 1e-8·λmax: the bar for restarted Lanczos vs a dense float64 solve (residuals ≤ 1e-10·|θ| + 1e-13·ρ)
  r.bottom.forEach((p, i) => expect(Math.abs(p.value - ref[i])).toBeLessThan(1e-8 * lmax));
  r.top.forEach((p, i) => expect(Math.abs(p.value - ref[ref.length - 1 - i])).toBeLessThan(1e-8 * lmax));
  for (const p of [...r.top, ...r.bottom]) {
    expect(p.converged).toBe(true);
    // the cheap residual |cᵀs| tracks the true ‖Av − θv‖ (1e-9·ρ: rounding of 300-dim products)
    const trueRes = eigenResidual(op, p.vector!, p.value);
    expect(Math.abs(trueRes - p.residual)).toBeLessThan(1e-9 * lmax);
    expect(isConverged(p.value, trueRes + 1e-12 * lmax, r.radius, { tol: 1e-9, floor: 1e-11 })).toBe(true);
  }
  return { r, ref };
}

describe('thick-restart Lanczos vs dense EVD (float64, 1e-8·λmax)', () => {
  it('resolves a planted bottom cluster far tighter than tol·λmax', async () => {
    // spacing 1e-5 inside the cluster, λmax = 100: tol·λmax = 1e-2 with the old relative-to-ρ rule at 1e-4
    const cluster = Array.from({ length: 8 }, (_, i) => -0.3 - 1e-5 * i);
    const lambdas = [...uniform(280, 0, 5, 1), 100, 60, 40, ...cluster, 7, 6.5, 6, 5.5, 5.2, 5.1, 5.05, 5.01, 5.001];
    const { r } = await checkEnds(lambdas, { top: 3, bottom: 5 });
    expect(r.bottom.map((p) => p.value)).toHaveLength(5);
    expect(r.restarts).toBeGreaterThan(0); // basis 40 < dim 300: the restarts did the work
  });

  it('finds every copy of repeated eigenvalues at both ends', async () => {
    const lambdas = [...uniform(290, -0.5, 2, 2), 20, 20, 20, -4, -4, -4, -4, 10, 9, 8];
    const { r } = await checkEnds(lambdas, { top: 4, bottom: 5 });
    expect(r.top.slice(0, 3).every((p) => Math.abs(p.value - 20) < 1e-8 * 20)).toBe(true);
    expect(r.bottom.slice(0, 4).every((p) => Math.abs(p.value + 4) < 1e-8 * 20)).toBe(true);
  });

  it('indefinite: a positive bulk near zero with a few negative outliers', async () => {
    const lambdas = [...uniform(290, -0.01, 1, 3), 30, 20, 15, 12, -3, -2, -1.5, -1.4, -0.2, -0.15];
    await checkEnds(lambdas, { top: 5, bottom: 5 });
  });

  it('Papyan-2020-Fig.15-like: a bulk, C(C−1) cross-class cluster and C class outliers', async () => {
    const rng = createRng(4);
    const C = 6;
    const bulk = Array.from({ length: 330 }, () => 0.05 * rng.normal() ** 2 - 0.004 * Math.abs(rng.normal()));
    const cross = uniform(C * (C - 1), 2, 4, 5);
    const outliers = Array.from({ length: C }, (_, i) => 20 + 5 * i + rng.next());
    await checkEnds([...bulk, ...cross, ...outliers], { top: C, bottom: 5 });
  });

  it('stops on the matvec budget and flags what did not converge', async () => {
    const cluster = Array.from({ length: 8 }, (_, i) => -0.3 - 1e-5 * i);
    const op = rotatedSpectrumOperator([...uniform(280, 0, 5, 1), 100, 60, 40, ...cluster], 7);
    const r = await thickRestartLanczos(op.matvec, op.dim, { which: 'bottom', kBottom: 5, ...F64, maxMatvecs: 30, basisSize: 20 });
    expect(r.matvecs).toBe(30);
    expect(r.budgetExhausted).toBe(true);
    expect(r.converged).toBe(false);
    expect(r.bottom.some((p) => !p.converged)).toBe(true);
  });

  it('a basis over 2 GiB is refused before the first matvec', async () => {
    let calls = 0;
    const matvec = (v: Float64Array) => (calls++, v);
    await expect(thickRestartLanczos(matvec, 2 ** 20, { which: 'both', kTop: 5, kBottom: 5, basisSize: 300 })).rejects.toThrow(
      /option maxIter: .* GiB; at most 2 GiB/,
    );
    expect(calls).toBe(0);
  });

  it('small dim: the space is exhausted and every pair is exact', async () => {
    const op = rotatedSpectrumOperator([3, 1, 1, -2, 0.5], 3);
    const r = await thickRestartLanczos(op.matvec, op.dim, { which: 'both', kTop: 2, kBottom: 2, ...F64 });
    expect(r.top.map((p) => p.value).map((x) => Math.round(x * 1e10) / 1e10)).toEqual([3, 1]);
    expect(r.bottom.map((p) => p.value).map((x) => Math.round(x * 1e10) / 1e10)).toEqual([-2, 0.5]);
    expect(r.converged).toBe(true);
  });
});
