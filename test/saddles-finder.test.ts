/**
 * The critical-point finder (Newton-MR) and its MINRES on analytic cases: f(x) = Σᵢ ((Qx)ᵢ² − 1)²
 * with Q orthogonal has its critical points at Qᵀc, c ∈ {−1, 0, 1}^d, with index #{cᵢ = 0}
 * (f'' = 12z² − 4 is −4 at z = 0 and 8 at z = ±1), so each found point and its index are known.
 */
import { describe, expect, it } from 'vitest';
import { findCriticalPoint, type CriticalPointProblem } from '../src/saddles/critical-points.js';
import { minres } from '../src/saddles/minres.js';
import { createRng } from '../src/random.js';
import { Matrix, EigenvalueDecomposition, QrDecomposition } from 'ml-matrix';

/** A random orthogonal d×d matrix (QR of a Gaussian one). */
function orthogonal(d: number, seed: number): number[][] {
  const rng = createRng(seed);
  const a = new Matrix(Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal())));
  const q = new QrDecomposition(a).orthogonalMatrix;
  return q.to2DArray();
}

/** f(x) = Σ (zᵢ² − 1)², z = Qx; gradient Qᵀ(4z³ − 4z), Hessian Qᵀ diag(12z² − 4) Q. */
function quartic(q: number[][]): CriticalPointProblem & { hessian(x: Float64Array): number[][]; counts: { grads: number; hvps: number } } {
  const d = q.length;
  const z = (x: Float64Array) => q.map((row) => row.reduce((s, a, j) => s + a * x[j], 0));
  const qt = (u: number[]) => Float64Array.from({ length: d }, (_, j) => q.reduce((s, row, i) => s + row[j] * u[i], 0));
  const counts = { grads: 0, hvps: 0 };
  return {
    counts,
    grad: async (x) => {
      counts.grads++;
      const zz = z(x);
      return { loss: zz.reduce((s, t) => s + (t * t - 1) ** 2, 0), grad: qt(zz.map((t) => 4 * t ** 3 - 4 * t)) };
    },
    hvp: async (x, v) => {
      counts.hvps++;
      const zz = z(x),
        zv = z(v);
      return qt(zz.map((t, i) => (12 * t * t - 4) * zv[i]));
    },
    hessian: (x) => {
      const zz = z(x);
      return Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => q.reduce((s, row, i) => s + row[a] * (12 * zz[i] ** 2 - 4) * row[b], 0)));
    },
  };
}

const negatives = (h: number[][]) => new EigenvalueDecomposition(new Matrix(h)).realEigenvalues.filter((l) => l < -1e-6).length;
const apply = (q: number[][], c: number[]) => Float64Array.from({ length: q.length }, (_, j) => q.reduce((s, row, i) => s + row[j] * c[i], 0));

describe('findCriticalPoint (Newton-MR)', () => {
  it('2-D: from near each kind of critical point it reaches that point — minimum (index 0), saddle (index 1), maximum (index 2)', async () => {
    const q = orthogonal(2, 3);
    const f = quartic(q);
    for (const [z0, c, index] of [
      [[0.8, -1.25], [1, -1], 0],
      [[0.2, 0.85], [0, 1], 1],
      [[-0.15, 0.2], [0, 0], 2],
    ] as const) {
      const r = await findCriticalPoint(f, apply(q, [...z0]), { gradTol: 1e-10 });
      expect(r.converged, `from z0 = ${z0}: ${r.stop}`).toBe(true);
      const want = apply(q, [...c]);
      // quadratic convergence near a non-degenerate point: far below the 1e-10 gradient ratio's 1e-9 distance
      r.theta.forEach((t, i) => expect(Math.abs(t - want[i]), `from ${z0}`).toBeLessThan(1e-8));
      expect(negatives(f.hessian(r.theta))).toBe(index);
    }
  });

  it('6-D rotated: lands on the critical point of index 3 nearest the start, where gradient descent on L would reach a minimum', async () => {
    const q = orthogonal(6, 11);
    const f = quartic(q);
    const c = [0, 0, 1, 1, 0, -1];
    const start = apply(q, [0.12, -0.18, 0.8, 1.2, 0.1, -0.75]);
    const r = await findCriticalPoint(f, start, { gradTol: 1e-9 });
    expect(r.converged).toBe(true);
    const want = apply(q, c);
    r.theta.forEach((t, i) => expect(Math.abs(t - want[i])).toBeLessThan(1e-7));
    expect(negatives(f.hessian(r.theta))).toBe(3);
    expect(r.gradNormRatio).toBeLessThanOrEqual(1e-9);
    // Newton converges in a handful of steps here; each step costs ≤ 6 products (MINRES on a 6×6 matrix)
    expect(r.iterations).toBeLessThan(12);
    expect(r.hvps).toBe(f.counts.hvps);
    expect(r.hvps).toBeLessThanOrEqual(6 * r.iterations + 6);
    expect(r.history[0].gradNorm).toBeCloseTo(r.gradNorm0, 12);
    // ‖g‖ never grows along the path (the line search is on ‖g‖²)
    for (let k = 1; k < r.history.length; k++) expect(r.history[k].gradNorm).toBeLessThanOrEqual(r.history[k - 1].gradNorm);
  });

  it('from a far start, where a full Newton step overshoots, the line search still brings ‖g‖ down to a critical point', async () => {
    const q = orthogonal(4, 5);
    const f = quartic(q);
    const r = await findCriticalPoint(f, apply(q, [3, -2.5, 0.58, 4]), { gradTol: 1e-10, stepCap: 100 });
    expect(r.converged, r.stop).toBe(true);
    const z = q.map((row) => row.reduce((s, a, j) => s + a * r.theta[j], 0));
    for (const t of z) expect(Math.min(Math.abs(t), Math.abs(Math.abs(t) - 1))).toBeLessThan(1e-8);
    expect(r.history.some((h) => h.alpha < 1)).toBe(true);
    // the full step from z = 0.58 (f'' ≈ 0.04) lands near z = 42; the Armijo rule on ‖g‖² refuses it
    for (let k = 1; k < r.history.length; k++) expect(r.history[k].gradNorm).toBeLessThan(r.history[k - 1].gradNorm);
  });

  it('a budget that ends early reports the point as not converged, with its final ratio', async () => {
    const f = quartic(orthogonal(3, 2));
    const r = await findCriticalPoint(f, Float64Array.from([2, 2, 2]), { maxIter: 1, gradTol: 1e-12 });
    expect(r.converged).toBe(false);
    expect(r.stop).toBe('max-iter');
    expect(r.gradNormRatio).toBeGreaterThan(1e-12);
    expect(r.gradNormRatio).toBeLessThan(1);
    const s = await findCriticalPoint(f, Float64Array.from([2, 2, 2]), { maxHvps: 2, gradTol: 1e-12 });
    expect(s.converged).toBe(false);
    expect(s.hvps).toBeLessThanOrEqual(2);
  });

  it('bad options are refused naming the field', async () => {
    const f = quartic(orthogonal(2, 1));
    await expect(findCriticalPoint(f, new Float64Array(2), { gradTol: 0 })).rejects.toThrow(/gradTol/);
    await expect(findCriticalPoint(f, new Float64Array(2), { maxIter: 1.5 })).rejects.toThrow(/maxIter/);
  });
});

describe('minres', () => {
  const sym = (d: number, seed: number, eig: (i: number) => number) => {
    const q = orthogonal(d, seed);
    return Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => q.reduce((s, row, i) => s + row[a] * eig(i) * row[b], 0)));
  };
  const mv = (h: number[][]) => async (v: Float64Array) => Float64Array.from(h.map((row) => row.reduce((s, a, j) => s + a * v[j], 0)));

  it('solves an indefinite system to its tolerance and returns Hb', async () => {
    const h = sym(20, 4, (i) => (i % 3 === 0 ? -1 : 1) * (0.5 + i));
    const b = Float64Array.from({ length: 20 }, (_, i) => Math.sin(i + 1));
    const r = await minres(mv(h), b, { tol: 1e-10, maxIter: 100 });
    expect(r.stop).toBe('residual');
    const hx = await mv(h)(r.x);
    const res = Math.sqrt(hx.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
    const bn = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
    expect(res / bn).toBeLessThan(1e-9);
    expect(Math.abs(res - r.residual)).toBeLessThan(1e-8 * bn);
    const hb = await mv(h)(b);
    hb.forEach((v, i) => expect(r.hb[i]).toBeCloseTo(v, 10));
    expect(r.iterations).toBeLessThanOrEqual(24); // 20 in exact arithmetic, a few more with rounding
  });

  it('on a singular, inconsistent system stops by ‖Hr‖ at the least-squares solution', async () => {
    const h = sym(12, 8, (i) => (i < 3 ? 0 : i % 2 ? 2 + i : -1 - i));
    const b = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const r = await minres(mv(h), b, { tol: 1e-10, maxIter: 60 });
    expect(r.stop).toBe('normal-residual');
    const hx = await mv(h)(r.x);
    const hr = await mv(h)(hx.map((v, i) => b[i] - v));
    expect(Math.sqrt(hr.reduce((s, v) => s + v * v, 0))).toBeLessThan(1e-8);
    expect(r.residual).toBeGreaterThan(1e-3);
  });
});
