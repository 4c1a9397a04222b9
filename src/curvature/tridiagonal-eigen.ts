/**
 * Eigen-decomposition of a symmetric tridiagonal matrix T (diagonal alpha, off-diagonal
 * beta) by the implicit QL method with Wilkinson-type shifts (EISPACK tql2, as in JAMA and
 * ml-matrix). Used for the small Lanczos matrices T_m (m ≤ a few hundred), where the
 * O(m³) cost of accumulating the eigenvectors is negligible beside one Hessian-vector product.
 */
import { LosslensError } from '../errors.js';

/** The eigendecomposition of a symmetric tridiagonal matrix: eigenvalues ascending, unit eigenvectors beside them. */
export interface TridiagonalEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** vectors[i] is the unit eigenvector for values[i] (length m). */
  vectors: Float64Array[];
}

const EPS = 2 ** -52;
const MAX_SWEEPS = 60;

/**
 * Eigenvalues (ascending) and unit eigenvectors of the symmetric tridiagonal matrix with diagonal `alpha` and
 * off-diagonal `beta`, by the implicit QL method.
 *
 * @param alpha diagonal, length m ≥ 1
 * @param beta off-diagonal, length m − 1 (beta[i] couples rows i and i+1)
 * @param basis optional columns of an orthogonal Q (T = Qᵀ A Q, e.g. from a Householder reduction),
 *   rotated in place: the vectors returned are then A's eigenvectors, Q times T's
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { tridiagonalEigen } from 'losslens/curvature';
 *
 * // [[2, 1], [1, 2]] has eigenvalues 1 and 3, with eigenvectors (1, −1)/√2 and (1, 1)/√2
 * const { values, vectors } = tridiagonalEigen([2, 2], [1]);
 * assert.ok(Math.abs(values[0] - 1) < 1e-14 && Math.abs(values[1] - 3) < 1e-14);
 * assert.ok(Math.abs(Math.abs(vectors[1][0]) - Math.SQRT1_2) < 1e-14);
 * ```
 */
export function tridiagonalEigen(alpha: ArrayLike<number>, beta: ArrayLike<number>, basis?: Float64Array[]): TridiagonalEigen {
  return implicitQl(alpha, beta, true, basis);
}

/**
 * Eigenvalues only, ascending: the same QL iteration without accumulating rotations, O(m²)
 * instead of O(m³) (the full spectrum of a Householder-reduced Hessian, m in the thousands).
 */
export function tridiagonalEigenvalues(alpha: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
  return implicitQl(alpha, beta, false).values;
}

function implicitQl(alpha: ArrayLike<number>, beta: ArrayLike<number>, withVectors: boolean, basis?: Float64Array[]): TridiagonalEigen {
  const n = alpha.length;
  if (n === 0) return { values: new Float64Array(0), vectors: [] };
  if (beta.length < n - 1) {
    throw new LosslensError('INTERNAL', `tridiagonalEigen: beta has length ${beta.length}, expected ${n - 1}`);
  }
  const d = Float64Array.from(alpha);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = beta[i];
  // cols[j] is column j of the accumulated rotation matrix V (T = V D Vᵀ).
  if (basis && basis.length !== n) throw new LosslensError('INTERNAL', `tridiagonalEigen: basis has ${basis.length} columns, expected ${n}`);
  const cols = !withVectors
    ? []
    : (basis ??
      Array.from({ length: n }, (_, j) => {
        const c = new Float64Array(n);
        c[j] = 1;
        return c;
      }));
  let shift = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    let sweeps = 0;
    while (m > l && Math.abs(e[l]) > EPS * tst1) {
      if (++sweeps > MAX_SWEEPS) throw new LosslensError('INTERNAL', 'tridiagonalEigen: QL iteration did not converge');
      shift += qlSweep(d, e, cols, l, m);
      m = l;
      while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    }
    d[l] += shift;
    e[l] = 0;
  }
  return sortPairs(d, cols);
}

/** One implicit QL sweep on the unreduced block l..m; returns the shift it applied. */
function qlSweep(d: Float64Array, e: Float64Array, cols: Float64Array[], l: number, m: number): number {
  const n = d.length;
  let g = d[l];
  let p = (d[l + 1] - g) / (2 * e[l]);
  let r = Math.hypot(p, 1);
  if (p < 0) r = -r;
  d[l] = e[l] / (p + r);
  d[l + 1] = e[l] * (p + r);
  const dl1 = d[l + 1];
  let h = g - d[l];
  for (let i = l + 2; i < n; i++) d[i] -= h;
  const applied = h;
  p = d[m];
  let c = 1,
    c2 = 1,
    c3 = 1,
    s = 0,
    s2 = 0;
  const el1 = e[l + 1];
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * e[i];
    h = c * p;
    r = Math.hypot(p, e[i]);
    e[i + 1] = s * r;
    s = e[i] / r;
    c = p / r;
    p = c * d[i] - s * g;
    d[i + 1] = h + s * (c * g + s * d[i]);
    if (cols.length > 0) rotate(cols[i], cols[i + 1], c, s);
  }
  p = (-s * s2 * c3 * el1 * e[l]) / dl1;
  e[l] = s * p;
  d[l] = c * p;
  return applied;
}

/** Applies the plane rotation to columns (a, b): a ← c·a − s·b, b ← s·a + c·b. */
function rotate(a: Float64Array, b: Float64Array, c: number, s: number): void {
  for (let k = 0; k < a.length; k++) {
    const h = b[k];
    b[k] = s * a[k] + c * h;
    a[k] = c * a[k] - s * h;
  }
}

function sortPairs(d: Float64Array, cols: Float64Array[]): TridiagonalEigen {
  if (cols.length === 0) return { values: Float64Array.from(d).sort(), vectors: [] };
  const order = Array.from(d.keys()).sort((i, j) => d[i] - d[j]);
  // cols[j] holds column j of V: entry k is component k of eigenvector j.
  return { values: Float64Array.from(order, (i) => d[i]), vectors: order.map((i) => cols[i]) };
}
