/**
 * Operators with a known spectrum: A = Q diag(λ) Qᵀ with a seeded random orthogonal Q (the Q
 * factor of a Gaussian matrix), and plain diagonal operators. They are the ground truth for
 * the curvature routines (the Hessian of ½θᵀAθ is A) and let a user check an installation.
 */
import { Matrix, QrDecomposition } from 'ml-matrix';
import { createRng } from '../random.js';
import type { MatVec } from './vector-ops.js';

/** A symmetric operator with known eigenvalues, as a matvec that counts its calls: a ground truth for the curvature routines. */
export interface KnownSpectrumOperator {
  dim: number;
  /** The eigenvalues, ascending. */
  eigenvalues: number[];
  /** Dense rows of A (empty for diagonal operators, whose rows are implicit). */
  rows: Float64Array[];
  matvec: MatVec;
  /** How many times matvec has been called. */
  calls(): number;
}

/**
 * Random orthogonal n×n matrix from a seed.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { randomOrthogonal } from 'losslens/curvature';
 *
 * const Q = randomOrthogonal(4, 3);
 * const QtQ = Q.transpose().mmul(Q); // the identity, to rounding
 * for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(QtQ.get(i, j) - (i === j ? 1 : 0)) < 1e-12);
 * ```
 */
export function randomOrthogonal(n: number, seed: number): Matrix {
  const rng = createRng(seed);
  const G = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G.set(i, j, rng.normal());
  return new QrDecomposition(G).orthogonalMatrix;
}

/**
 * Dense symmetric A = Q diag(λ) Qᵀ (symmetrised exactly) with an async matvec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { rotatedSpectrumOperator, extremeEigenpairs } from 'losslens/curvature';
 *
 * // a dense A = Q diag(λ) Qᵀ: its eigenvectors are unknown to the solver, its eigenvalues are not
 * const op = rotatedSpectrumOperator([-2, 0.5, 1, 4, 9], 7);
 * const trace = op.rows.reduce((s, row, i) => s + row[i], 0);
 * assert.ok(Math.abs(trace - 12.5) < 1e-12); // tr A = Σλ
 * const { top, bottom } = await extremeEigenpairs(op.matvec, op.dim, { top: 1, bottom: 1 });
 * assert.ok(Math.abs(top.values[0] - 9) < 1e-10 && Math.abs(bottom.values[0] + 2) < 1e-10);
 * ```
 */
export function rotatedSpectrumOperator(lambdas: number[], seed = 1): KnownSpectrumOperator {
  const n = lambdas.length;
  const Q = randomOrthogonal(n, seed);
  const A = Q.mmul(Matrix.diag(lambdas)).mmul(Q.transpose());
  const rows = Array.from({ length: n }, (_, i) => Float64Array.from(A.getRow(i)));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = (rows[i][j] + rows[j][i]) / 2;
      rows[i][j] = s;
      rows[j][i] = s;
    }
  }
  let calls = 0;
  const matvec: MatVec = async (v) => {
    calls++;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      let s = 0;
      for (let j = 0; j < n; j++) s += r[j] * v[j];
      out[i] = s;
    }
    return out;
  };
  return { dim: n, eigenvalues: ascending(lambdas), rows, matvec, calls: () => calls };
}

/**
 * diag(λ): O(n) per matvec, for large-dimension checks.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator } from 'losslens/curvature';
 *
 * const op = diagonalOperator([3, -1, 2]);
 * assert.deepEqual([...(await op.matvec(Float64Array.of(1, 1, 1)))], [3, -1, 2]);
 * assert.deepEqual(op.eigenvalues, [-1, 2, 3]); // ascending
 * assert.equal(op.calls(), 1);
 * ```
 */
export function diagonalOperator(lambdas: ArrayLike<number>): KnownSpectrumOperator {
  const d = Float64Array.from(lambdas);
  let calls = 0;
  const matvec: MatVec = (v) => {
    calls++;
    return d.map((x, i) => x * v[i]);
  };
  return { dim: d.length, eigenvalues: ascending(Array.from(d)), rows: [], matvec, calls: () => calls };
}

/**
 * ‖Av − λv‖ for a rotated operator (dense rows) or a diagonal one (`diag`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, eigenResidual } from 'losslens/curvature';
 *
 * const lambdas = [1, 2, 3];
 * const op = diagonalOperator(lambdas);
 * assert.equal(eigenResidual(op, Float64Array.of(0, 1, 0), 2, lambdas), 0); // e₂ is an eigenvector of 2
 * assert.equal(eigenResidual(op, Float64Array.of(0, 1, 0), 3, lambdas), 1); // ‖2e₂ − 3e₂‖
 * ```
 */
export function eigenResidual(op: KnownSpectrumOperator, v: Float64Array, lambda: number, diag?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < op.dim; i++) {
    let r = -lambda * v[i];
    if (diag) r += diag[i] * v[i];
    else for (let j = 0; j < op.dim; j++) r += op.rows[i][j] * v[j];
    s += r * r;
  }
  return Math.sqrt(s);
}

function ascending(x: number[]): number[] {
  return [...x].sort((a, b) => a - b);
}
