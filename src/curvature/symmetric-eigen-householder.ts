/**
 * Householder tridiagonalisation of a dense symmetric matrix in float64 (LAPACK dsytd2, lower):
 * Qᵀ A Q = T with T symmetric tridiagonal and Q a product of n − 2 reflectors, so T has A's
 * eigenvalues (and, by Sylvester, its inertia at every shift). Backward stable: T is exactly
 * similar to A + E with ‖E‖₂ ≤ c·n·ε·‖A‖₂.
 *
 * Layout: A is n×n row-major in one Float64Array; only the lower triangle (j ≤ i) is read and it
 * is overwritten. Step k needs p = β·A₂₂·v over the trailing block and then the symmetric rank-2
 * update A₂₂ ← A₂₂ − v wᵀ − w vᵀ. The update of step k is fused with the product of step k + 1
 * in one sweep over the lower triangle (each entry is read and written once per step, and the
 * product uses each entry twice: p_i += a_ij v_j and p_j += a_ij v_i), which halves the memory
 * traffic of the textbook two-sweep form; the n³/6 entry visits are the whole cost. Rows are
 * contiguous, so the inner loop streams.
 */
import { LosslensError } from '../errors.js';

export interface Tridiagonal {
  /** Diagonal of T, length n. */
  alpha: Float64Array;
  /** Sub-diagonal of T, length n − 1. */
  beta: Float64Array;
}

/** T with the orthogonal Q of A = Q T Qᵀ, held by columns (columns[j] is Q's column j). */
export interface TridiagonalWithBasis extends Tridiagonal {
  columns: Float64Array[];
}

/** Reflector for x = a[(k+1..n−1)·n + k]: returns β and writes v (v[k+1] = 1) and α = (Hx)₀. */
function reflector(a: Float64Array, n: number, k: number, v: Float64Array): { tau: number; alpha: number } {
  const x0 = a[(k + 1) * n + k];
  let scale = 0;
  for (let i = k + 2; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + k]));
  v.fill(0);
  v[k + 1] = 1;
  if (scale === 0) return { tau: 0, alpha: x0 };
  let s2 = 0;
  for (let i = k + 2; i < n; i++) {
    const t = a[i * n + k] / scale;
    s2 += t * t;
  }
  const sigma = scale * Math.sqrt(s2);
  const mu = Math.hypot(x0, sigma);
  const alpha = x0 >= 0 ? -mu : mu;
  const tau = (alpha - x0) / alpha;
  const inv = 1 / (x0 - alpha);
  for (let i = k + 2; i < n; i++) v[i] = a[i * n + k] * inv;
  return { tau, alpha };
}

/**
 * One sweep over the trailing block (indices ≥ k + 1): applies the previous step's update
 * (pv, pw) and accumulates p = A·v with the updated entries. Rows go in pairs so that the
 * shared loads (pv[j], pw[j], v[j], p[j]) serve two entries.
 */
function fusedSweep(a: Float64Array, n: number, k: number, v: Float64Array, pv: Float64Array, pw: Float64Array, p: Float64Array): void {
  p.fill(0);
  let i = k + 1;
  for (; i + 1 < n; i += 2) {
    const o = i * n,
      o2 = o + n;
    const vi = v[i],
      pvi = pv[i],
      pwi = pw[i];
    const vi2 = v[i + 1],
      pvi2 = pv[i + 1],
      pwi2 = pw[i + 1];
    let s = 0,
      s2 = 0;
    for (let j = k + 1; j < i; j++) {
      const pwj = pw[j],
        pvj = pv[j],
        vj = v[j];
      const x = a[o + j] - pvi * pwj - pwi * pvj;
      const y = a[o2 + j] - pvi2 * pwj - pwi2 * pvj;
      a[o + j] = x;
      a[o2 + j] = y;
      s += x * vj;
      s2 += y * vj;
      p[j] += x * vi + y * vi2;
    }
    const d = a[o + i] - 2 * pvi * pwi;
    const x = a[o2 + i] - pvi2 * pwi - pwi2 * pvi;
    const d2 = a[o2 + i + 1] - 2 * pvi2 * pwi2;
    a[o + i] = d;
    a[o2 + i] = x;
    a[o2 + i + 1] = d2;
    p[i] += s + d * vi + x * vi2;
    p[i + 1] += s2 + x * vi + d2 * vi2;
  }
  if (i < n) sweepRow(a, n, k, i, v, pv, pw, p);
}

/** The last row of an odd-sized trailing block. */
function sweepRow(a: Float64Array, n: number, k: number, i: number, v: Float64Array, pv: Float64Array, pw: Float64Array, p: Float64Array): void {
  const o = i * n;
  const vi = v[i],
    pvi = pv[i],
    pwi = pw[i];
  let s = 0;
  for (let j = k + 1; j < i; j++) {
    const x = a[o + j] - pvi * pw[j] - pwi * pv[j];
    a[o + j] = x;
    s += x * v[j];
    p[j] += x * vi;
  }
  const d = a[o + i] - 2 * pvi * pwi;
  a[o + i] = d;
  p[i] += s + d * vi;
}

/**
 * Reduces the symmetric A (lower triangle, row-major, overwritten) to tridiagonal T. With a `taus`
 * array of length n, each reflector is kept for {@link tridiagonalBasis}: its β in taus[k] and its
 * vector below the sub-diagonal of column k (LAPACK's storage; v[k+1] = 1 is implied).
 */
export function householderTridiagonalize(a: Float64Array, n: number, taus?: Float64Array): Tridiagonal {
  if (!Number.isInteger(n) || n < 1 || a.length < n * n)
    throw new LosslensError('INTERNAL', `householderTridiagonalize: need an ${n}×${n} matrix, got ${a.length} entries`);
  const alpha = new Float64Array(n),
    beta = new Float64Array(Math.max(0, n - 1));
  let pv = new Float64Array(n),
    pw = new Float64Array(n);
  let v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // column k (rows ≥ k) takes the previous step's update before its reflector is formed
    for (let i = k; i < n; i++) a[i * n + k] -= pv[i] * pw[k] + pw[i] * pv[k];
    alpha[k] = a[k * n + k];
    if (k >= n - 2) {
      if (k === n - 2) {
        beta[k] = a[(k + 1) * n + k];
        alpha[k + 1] = a[(k + 1) * n + k + 1] - 2 * pv[k + 1] * pw[k + 1];
      }
      break;
    }
    const { tau, alpha: sub } = reflector(a, n, k, v);
    beta[k] = sub;
    if (taus) {
      // column k below the sub-diagonal is not read again: it keeps the reflector
      taus[k] = tau;
      for (let i = k + 2; i < n; i++) a[i * n + k] = v[i];
    }
    fusedSweep(a, n, k, v, pv, pw, p);
    let pTv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= tau;
      pTv += p[i] * v[i];
    }
    const c = 0.5 * tau * pTv;
    [pv, v] = [v, pv];
    for (let i = 0; i < n; i++) pw[i] = i > k ? p[i] - c * pv[i] : 0;
  }
  return { alpha, beta };
}

/**
 * Q = H₀·H₁·…·H_{n−3} from the reflectors that {@link householderTridiagonalize} kept in `a` and
 * `taus`, by columns, applied backwards (LAPACK dorgtr): H_k touches rows and columns > k only.
 */
export function tridiagonalBasis(a: Float64Array, n: number, taus: Float64Array): Float64Array[] {
  const columns = Array.from({ length: n }, (_, j) => {
    const c = new Float64Array(n);
    c[j] = 1;
    return c;
  });
  for (let k = n - 3; k >= 0; k--) {
    const tau = taus[k];
    if (tau === 0) continue;
    for (let j = k + 1; j < n; j++) {
      const c = columns[j];
      let dot = c[k + 1];
      for (let i = k + 2; i < n; i++) dot += a[i * n + k] * c[i];
      const f = tau * dot;
      c[k + 1] -= f;
      for (let i = k + 2; i < n; i++) c[i] -= f * a[i * n + k];
    }
  }
  return columns;
}
