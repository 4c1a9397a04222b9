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

/** Random orthogonal n×n matrix from a seed. */
export function randomOrthogonal(n: number, seed: number): Matrix {
  const rng = createRng(seed);
  const G = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G.set(i, j, rng.normal());
  return new QrDecomposition(G).orthogonalMatrix;
}

/** Dense symmetric A = Q diag(λ) Qᵀ (symmetrised exactly) with an async matvec. */
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

/** diag(λ): O(n) per matvec, for large-dimension checks. */
export function diagonalOperator(lambdas: ArrayLike<number>): KnownSpectrumOperator {
  const d = Float64Array.from(lambdas);
  let calls = 0;
  const matvec: MatVec = (v) => {
    calls++;
    return d.map((x, i) => x * v[i]);
  };
  return { dim: d.length, eigenvalues: ascending(Array.from(d)), rows: [], matvec, calls: () => calls };
}

/** ‖Av − λv‖ for a rotated operator (dense rows) or a diagonal one (`diag`). */
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
