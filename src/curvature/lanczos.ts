/**
 * Symmetric Lanczos with full reorthogonalization. The basis Q is kept as Float64Array rows
 * and every new vector is made orthogonal to all of it (two passes of classical
 * Gram-Schmidt), so the Ritz values carry no spurious "ghost" copies. Memory is
 * (iterations+1)·dim doubles: 800 MB for dim = 1e6 and 100 iterations.
 *
 * Convergence: the residual of Ritz pair (θ_i, Q s_i) is ‖H Q s_i − θ_i Q s_i‖ = |β_m s_{m,i}|
 * (no extra matvec). The run stops when each wanted pair has residual ≤ tol · radius, where
 * radius is the spectral-radius estimate max |θ| over the current Ritz values (or the
 * caller's `radius`); when maxIter steps are done; or when the Krylov space is exhausted.
 * Breakdown (β ≤ 1e-10 · ‖T‖, an invariant subspace: its Ritz pairs are exact) restarts from
 * a fresh seeded random vector orthogonal to Q with a zero coupling, which is how exactly
 * repeated eigenvalues are found; a single Krylov vector otherwise sees one copy of each.
 */
import { optionError } from '../errors.js';
import { gaussianVector } from '../random.js';
import { tridiagonalEigen, type TridiagonalEigen } from './tridiagonal-eigen.js';
import { applyMatVec, combine, dot, norm, normalize, orthogonalize, scale, type MatVec, type OnProgress } from './vector-ops.js';

/** Which end of the spectrum the wanted Ritz pairs come from. */
export type LanczosWhich = 'largest' | 'smallest' | 'both';

/** lanczos's options: the basis size, tolerance, seed, which ends are wanted and how many. */
export interface LanczosOptions {
  /** Most matvecs (Lanczos steps); default min(dim, 100). */
  maxIter?: number;
  /** Relative residual tolerance (see file comment); 0 = run all maxIter steps. Default 1e-6. */
  tol?: number;
  seed?: number;
  /** How many wanted pairs at each wanted end; default 1. */
  k?: number;
  /** For which = 'both': wanted pairs at the smallest end (default k). */
  kSmallest?: number;
  which?: LanczosWhich;
  /** Return the normalised Ritz vectors Q·s of the wanted pairs. */
  keepBasis?: boolean;
  /** Start vector (normalised internally); default a seeded Gaussian. */
  start?: Float64Array;
  /** On breakdown, continue from a fresh random vector (default true); false stops there. */
  restartOnBreakdown?: boolean;
  /** Scale for tol instead of the running spectral-radius estimate. */
  radius?: number;
  onProgress?: OnProgress;
}

/** The Ritz values and residuals of a Lanczos run, which of them were wanted, and whether they converged. */
export interface LanczosResult {
  /** All m Ritz values, ascending. */
  ritzValues: number[];
  /** |β_m s_{m,i}|, aligned with ritzValues. */
  residuals: number[];
  /** Indices into ritzValues of the wanted pairs: smallest ascending, then largest descending. */
  wanted: number[];
  iterations: number;
  /**
   * Every wanted pair met the residual rule (|β_m s_{m,i}| ≤ tol·radius) and there were as many
   * Ritz pairs as wanted. Not set merely because the Krylov space ran out: see invariantSubspace.
   */
  converged: boolean;
  /** True when the run ended because the Krylov space became invariant (its pairs are exact, but it may hold fewer than wanted). */
  invariantSubspace: boolean;
  restarts: number;
  /** The radius tol was scaled by at the end. */
  radius: number;
  alpha: number[];
  /** Couplings inside T (length m − 1); restarts appear as 0. */
  beta: number[];
  /** β_m, the norm of the last residual vector. */
  betaLast: number;
  matvecs: number;
  /** Normalised Ritz vectors aligned with `wanted` (only with keepBasis). */
  ritzVectors?: Float64Array[];
}

interface Resolved {
  maxIter: number;
  tol: number;
  seed: number;
  kL: number;
  kS: number;
}

/** Most float64 values the Lanczos basis may hold (2^28: 2 GiB). */
const MAX_BASIS_VALUES = 2 ** 28;

function resolveLanczosOptions(dim: number, o: LanczosOptions): Resolved {
  if (!Number.isInteger(dim) || dim < 1) throw optionError('dim', `must be a positive integer, got ${dim}`);
  const which = o.which ?? 'largest';
  if (!['largest', 'smallest', 'both'].includes(which)) throw optionError('which', `must be one of largest, smallest, both; got ${String(which)}`);
  const maxIter = Math.min(o.maxIter ?? 100, dim);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw optionError('maxIter', `must be a positive integer, got ${o.maxIter}`);
  // full reorthogonalisation keeps every Krylov vector: maxIter × dim float64s at once
  if (maxIter * dim > MAX_BASIS_VALUES) {
    throw optionError(
      'maxIter',
      `${maxIter} Lanczos vectors of ${dim} parameters need ${((maxIter * dim * 8) / 2 ** 30).toFixed(1)} GiB; at most ${MAX_BASIS_VALUES / 2 ** 27} GiB (${Math.floor(MAX_BASIS_VALUES / dim)} iterations for this model): lower {maxIter} / {slqOrder}`,
    );
  }
  const tol = o.tol ?? 1e-6;
  if (!(tol >= 0) || !Number.isFinite(tol)) throw optionError('tol', `must be a finite number ≥ 0, got ${o.tol}`);
  const k = o.k ?? 1;
  const kS = o.kSmallest ?? k;
  for (const [f, v] of [
    ['k', k],
    ['kSmallest', kS],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw optionError(f, `must be a positive integer, got ${v}`);
  }
  if (o.start && o.start.length !== dim) throw optionError('start', `must have length ${dim}, got ${o.start.length}`);
  return { maxIter, tol, seed: o.seed ?? 0, kL: which === 'smallest' ? 0 : k, kS: which === 'largest' ? 0 : kS };
}

/** Indices of the wanted pairs among m ascending Ritz values. */
function wantedIndices(m: number, kS: number, kL: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(kS, m); i++) out.push(i);
  for (let i = m - 1; i >= Math.max(0, m - kL); i--) if (!out.includes(i)) out.push(i);
  return out;
}

/**
 * After a breakdown, the last Krylov block (rows blockStart..m−1 of T) is exact. If any of its
 * eigenvalues lies in the wanted range it may be a further copy of a repeated eigenvalue, so
 * one more restart is needed before the wanted set can be trusted.
 */
function blockReachesWanted(alpha: number[], beta: number[], blockStart: number, values: Float64Array, o: Resolved): boolean {
  const block = tridiagonalEigen(alpha.slice(blockStart), beta.slice(blockStart)).values;
  const m = values.length;
  const lowEdge = o.kS > 0 ? values[Math.min(o.kS, m) - 1] : -Infinity;
  const highEdge = o.kL > 0 ? values[Math.max(0, m - o.kL)] : Infinity;
  const slack = 1e-8 * Math.max(Math.abs(values[0]), Math.abs(values[m - 1]));
  return block.some((x) => x <= lowEdge + slack || x >= highEdge - slack);
}

function restartVector(dim: number, seed: number, restarts: number, Q: Float64Array[]): Float64Array | null {
  const v = orthogonalize(gaussianVector(dim, (seed + 0x632be5ab * restarts) >>> 0), Q);
  return normalize(v) > 1e-8 * Math.sqrt(dim) ? v : null;
}

/**
 * Lanczos with full reorthogonalization on a symmetric operator given as a matrix-vector
 * product: the Ritz values of an m-step Krylov space (m ≤ maxIter), the wanted ones first
 * converging at the spectrum's ends. One restart-free run; {@link thickRestartLanczos} keeps
 * the basis bounded for interior or many pairs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, lanczos } from 'losslens/curvature';
 *
 * const op = diagonalOperator([4, 3, 2, 1, 0.5]);
 * const r = await lanczos(op.matvec, op.dim, { maxIter: 5, seed: 0 });
 * [0.5, 1, 2, 3, 4].forEach((lambda, i) => assert.ok(Math.abs(r.ritzValues[i] - lambda) < 1e-10)); // the five eigenvalues, ascending
 * ```
 */
export async function lanczos(matvec: MatVec, dim: number, options: LanczosOptions = {}): Promise<LanczosResult> {
  const o = resolveLanczosOptions(dim, options);
  const q0 = options.start ? Float64Array.from(options.start) : gaussianVector(dim, o.seed);
  if (normalize(q0) === 0) throw optionError('start', 'must be a nonzero vector');
  const Q: Float64Array[] = [q0];
  const alpha: number[] = [],
    beta: number[] = [];
  let eig: TridiagonalEigen = { values: new Float64Array(0), vectors: [] };
  let betaLast = 0,
    radius = 0,
    tNorm = 0,
    restarts = 0,
    blockStart = 0,
    converged = false,
    invariant = false;
  for (let j = 0; j < o.maxIter; j++) {
    const w = await applyMatVec(matvec, Q[j]);
    alpha.push(dot(w, Q[j]));
    orthogonalize(w, Q);
    betaLast = norm(w);
    tNorm = Math.max(tNorm, Math.abs(alpha[j]) + betaLast + (j > 0 ? beta[j - 1] : 0));
    const m = j + 1;
    // per step only the values and the eigenvectors' last components (the residual bounds): O(m²), not O(m³)
    eig = tridiagonalEigen(alpha, beta, lastRowBasis(m));
    radius = options.radius ?? Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[m - 1]));
    const breakdown = betaLast <= 1e-10 * tNorm;
    const need = Math.min(o.kL + o.kS, dim);
    converged = m >= need && wantedIndices(m, o.kS, o.kL).every((i) => Math.abs(betaLast * eig.vectors[i][0]) <= o.tol * radius);
    if (converged && breakdown && m < dim) converged = !blockReachesWanted(alpha, beta, blockStart, eig.values, o);
    options.onProgress?.(m, o.maxIter);
    if (converged || m === o.maxIter || m === dim) {
      invariant = breakdown || m === dim;
      break;
    }
    let next: Float64Array | null = breakdown ? null : scale(1 / betaLast, w);
    if (breakdown && options.restartOnBreakdown !== false) {
      next = restartVector(dim, o.seed, ++restarts, Q);
      blockStart = m;
    }
    if (!next) {
      invariant = true;
      break;
    }
    beta.push(breakdown ? 0 : betaLast);
    Q.push(next);
  }
  // the whole eigenvectors once, at the end: the same rotations, so the same values and last components
  if (alpha.length > 0) eig = tridiagonalEigen(alpha, beta);
  return finish(Q, eig, alpha, beta, betaLast, { ...o, keepBasis: !!options.keepBasis, converged, invariant, restarts, radius });
}

/** Row m − 1 of the m×m identity as m one-entry columns: tridiagonalEigen then rotates only the eigenvectors' last components. */
function lastRowBasis(m: number): Float64Array[] {
  return Array.from({ length: m }, (_, j) => Float64Array.of(j === m - 1 ? 1 : 0));
}

function finish(
  Q: Float64Array[],
  eig: TridiagonalEigen,
  alpha: number[],
  beta: number[],
  betaLast: number,
  s: Resolved & { keepBasis: boolean; converged: boolean; invariant: boolean; restarts: number; radius: number },
): LanczosResult {
  const m = alpha.length;
  const wanted = wantedIndices(m, s.kS, s.kL);
  const residuals = eig.vectors.map((v) => Math.abs(betaLast * v[m - 1]));
  const result: LanczosResult = {
    ritzValues: Array.from(eig.values),
    residuals,
    wanted,
    iterations: m,
    converged: s.converged,
    invariantSubspace: s.invariant,
    restarts: s.restarts,
    radius: s.radius,
    alpha,
    beta,
    betaLast,
    matvecs: m,
  };
  if (s.keepBasis) {
    result.ritzVectors = wanted.map((i) => {
      const v = combine(Q.slice(0, m), eig.vectors[i], Q[0].length);
      normalize(v);
      return v;
    });
  }
  return result;
}
