/**
 * Second-order steps in a Krylov subspace (Dauphin et al. 2014, Algorithm 1): k Lanczos vectors V
 * of H started at the gradient g (so g ∈ span V and Vᵀg = ‖g‖e₁), T = VᵀHV = QΛQᵀ, and
 *   Newton:           s = −V Q (Λ + δ)⁻¹ Qᵀ Vᵀ g   (no sign fix: it is drawn to saddles),
 *   saddle-free (SFN): s = −V Q (|Λ| + δ)⁻¹ Qᵀ Vᵀ g  (negative curvature is followed away from the saddle).
 * With k = d (or an invariant Krylov space) the steps are the closed forms −(H + δ)⁻¹g and −(|H| + δ)⁻¹g.
 * Lanczos keeps the full basis and reorthogonalises every vector against it (float64), as src/curvature/lanczos.ts does.
 */
import { tridiagonalEigen } from '../curvature/tridiagonal-eigen.js';
import { axpy, dot, norm, orthogonalize, type MatVec } from '../curvature/vector-ops.js';

/** The Krylov basis K_k(H, g) and the projected matrix T = VᵀHV in its eigenbasis. */
export interface KrylovModel {
  dim: number;
  /** Orthonormal basis rows (m ≤ k of them; fewer when the space became invariant). */
  basis: Float64Array[];
  /** Eigenvalues Λ of T, ascending. */
  values: Float64Array;
  /** Eigenvectors of T (columns of Q as arrays of length m). */
  vectors: Float64Array[];
  /** Vᵀg in the eigenbasis: Qᵀ Vᵀ g. */
  gInEigen: Float64Array;
  /** Products H·v used. */
  hvps: number;
}

/** Lanczos from g for at most k steps; stops early on an invariant subspace (β ≤ 1e-12·‖T‖). */
export async function krylovModel(matvec: MatVec, g: Float64Array, k: number): Promise<KrylovModel> {
  const gNorm = norm(g);
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  if (!(gNorm > 0)) return { dim: g.length, basis, values: new Float64Array(0), vectors: [], gInEigen: new Float64Array(0), hvps: 0 };
  let q = Float64Array.from(g, (x) => x / gNorm);
  let hvps = 0;
  let scaleT = 0;
  for (let j = 0; j < Math.min(k, g.length); j++) {
    basis.push(q);
    const w = Float64Array.from(await matvec(q));
    hvps++;
    alpha.push(dot(q, w));
    orthogonalize(w, basis);
    const b = norm(w);
    scaleT = Math.max(scaleT, Math.abs(alpha[j]) + b);
    if (j === Math.min(k, g.length) - 1 || b <= 1e-12 * scaleT) break;
    beta.push(b);
    q = w.map((x) => x / b);
  }
  const { values, vectors } = tridiagonalEigen(alpha, beta);
  // Vᵀg = ‖g‖ e₁, so Qᵀ Vᵀ g is ‖g‖ times the first entry of each eigenvector.
  const gInEigen = Float64Array.from(vectors, (v) => gNorm * v[0]);
  return { dim: g.length, basis, values, vectors, gInEigen, hvps };
}

/** The per-eigenvalue gain of a step rule: Newton 1/(λ + δ), SFN 1/(|λ| + δ). */
export type Curvature = 'newton' | 'saddle-free';

/**
 * s = −V Q diag(1/c(λᵢ)) Qᵀ Vᵀ g with c(λ) = λ + δ (Newton) or |λ| + δ (SFN). Directions where
 * |c(λ)| ≤ 1e-12·max|Λ| are left out (the pseudo-inverse): a singular T gives a finite step.
 */
export function krylovStep(m: KrylovModel, rule: Curvature, damping: number): Float64Array {
  const step = new Float64Array(m.dim);
  const big = m.values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const coef = new Float64Array(m.basis.length);
  m.values.forEach((lam, i) => {
    const c = rule === 'newton' ? lam + damping : Math.abs(lam) + damping;
    if (Math.abs(c) <= 1e-12 * big) return;
    const w = -m.gInEigen[i] / c;
    m.vectors[i].forEach((qi, r) => (coef[r] += w * qi));
  });
  m.basis.forEach((v, r) => axpy(coef[r], v, step));
  return step;
}
