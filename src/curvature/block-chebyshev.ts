/**
 * The pieces of Chebyshev-filtered subspace iteration (Zhou & Saad 2007, CheFSI) on a block of
 * vectors: the filter p_m(H)·X that amplifies the spectrum below a and damps [a, b], the
 * Rayleigh–Ritz step on span(X) with each pair's residual, the orthonormalisation of a block
 * against the locked vectors, and the deflated operator that moves locked directions out of
 * the filter's way.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { gaussianVector } from '../random.js';
import { applyMatVec, combine, dot, norm, normalize, orthogonalize, scale, type MatVec } from './vector-ops.js';

/**
 * Y = p_m(H)·X with p_m the degree-m Chebyshev polynomial of the first kind mapped from
 * [−1, 1] to [a, b], scaled so that p_m(a0) = 1 (a0 ≤ a: the lowest Ritz value), by the
 * three-term recurrence of Zhou & Saad (Algorithm 3.2) whose scaling keeps every iterate O(1).
 * Eigen-components below a grow like T_m at their mapped position (≈ exp(m·√(4(a − λ)/(b − a))) near a),
 * those in [a, b] stay ≤ 1 in the scaled polynomial. m·|X| matvecs.
 */
export async function chebyshevFilter(matvec: MatVec, X: Float64Array[], m: number, a: number, b: number, a0: number): Promise<Float64Array[]> {
  const e = (b - a) / 2,
    c = (b + a) / 2;
  const out: Float64Array[] = [];
  for (const x of X) {
    let sigma = e / (a0 - c);
    const tau = 2 / sigma;
    let prev = x;
    let cur = await applyMatVec(matvec, x);
    for (let i = 0; i < cur.length; i++) cur[i] = ((cur[i] - c * x[i]) * sigma) / e;
    for (let k = 2; k <= m; k++) {
      const sigmaNext = 1 / (tau - sigma);
      const hy = await applyMatVec(matvec, cur);
      const next = new Float64Array(cur.length);
      for (let i = 0; i < next.length; i++) next[i] = (2 * sigmaNext * (hy[i] - c * cur[i])) / e - sigma * sigmaNext * prev[i];
      prev = cur;
      cur = next;
      sigma = sigmaNext;
    }
    out.push(cur);
  }
  return out;
}

/**
 * Orthonormalises the block in place against `locked` and itself (two Gram–Schmidt passes each);
 * a vector that collapses (norm below 1e-10 of its size before) is replaced by a seeded random
 * one, so the block keeps its size. Returns the block.
 */
export function orthonormalizeBlock(X: Float64Array[], locked: readonly Float64Array[], seed: number): Float64Array[] {
  const done: Float64Array[] = [];
  for (let j = 0; j < X.length; j++) {
    let x = X[j];
    for (let attempt = 0; ; attempt++) {
      const before = norm(x);
      orthogonalize(x, locked);
      orthogonalize(x, done);
      const after = normalize(x);
      if (after > 1e-10 * before && after > 0) break;
      x = gaussianVector(x.length, (seed + Math.imul(j + 1, 0x9e3779b1) + attempt) >>> 0);
    }
    done.push(x);
  }
  X.splice(0, X.length, ...done);
  return X;
}

export interface RitzBlock {
  /** Ritz values, ascending. */
  values: number[];
  /** Unit Ritz vectors, aligned with values. */
  vectors: Float64Array[];
  /** ‖H y − θ y‖, aligned with values. */
  residuals: number[];
}

/** Rayleigh–Ritz on span(X) (X orthonormal): |X| matvecs; pairs ascending with residuals. */
export async function rayleighRitz(matvec: MatVec, X: Float64Array[]): Promise<RitzBlock> {
  const s = X.length,
    d = X[0].length;
  const W: Float64Array[] = [];
  for (const x of X) W.push(await applyMatVec(matvec, x));
  const G = Matrix.zeros(s, s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j <= i; j++) {
      const g = (dot(X[i], W[j]) + dot(X[j], W[i])) / 2;
      G.set(i, j, g);
      G.set(j, i, g);
    }
  }
  const eig = new EigenvalueDecomposition(G, { assumeSymmetric: true });
  const S = eig.eigenvectorMatrix;
  const order = eig.realEigenvalues.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const values: number[] = [],
    vectors: Float64Array[] = [],
    residuals: number[] = [];
  for (const [theta, i] of order) {
    const coef = S.getColumn(i);
    const y = combine(X, coef, d),
      hy = combine(W, coef, d);
    const ny = norm(y);
    scale(1 / ny, y);
    scale(1 / ny, hy);
    for (let k = 0; k < d; k++) hy[k] -= theta * y[k];
    values.push(theta);
    vectors.push(y);
    residuals.push(norm(hy));
  }
  return { values, vectors, residuals };
}

/**
 * v ↦ P H P v + shift·QQᵀv with P = I − QQᵀ over the locked orthonormal Q: a locked direction
 * gets eigenvalue `shift` (the top of the spectrum, where the filter damps it), the rest is H's
 * on the complement. Projecting, rather than subtracting θⱼqⱼqⱼᵀ (Wielandt), keeps a locked
 * vector that is accurate only to residual/gap inside a cluster from coupling to its neighbours.
 * Four sweeps over the locked vectors per product.
 */
export function deflatedMatVec(matvec: MatVec, locked: readonly Float64Array[], shift: number): MatVec {
  return async (v) => {
    if (locked.length === 0) return applyMatVec(matvec, v);
    const d = v.length;
    const c = locked.map((q) => dot(q, v));
    const qc = combine(locked, c, d);
    const pv = new Float64Array(d);
    for (let i = 0; i < d; i++) pv[i] = v[i] - qc[i];
    const w = await applyMatVec(matvec, pv);
    const back = combine(
      locked,
      locked.map((q, j) => shift * c[j] - dot(q, w)),
      d,
    );
    for (let i = 0; i < d; i++) w[i] += back[i];
    return w;
  };
}
