/**
 * Thin QR of a few long columns Y = QR (Y: m columns of length n, m ≪ n) by classical
 * Gram–Schmidt run twice per column (CGS2, as orthogonalize), with R accumulated from both
 * passes. A column whose remainder is below 1e-12 of its norm is rank-deficient: `rank`
 * then counts only the independent ones and R is singular.
 */
import { Matrix } from 'ml-matrix';
import { axpy, divided, dot, norm } from './vector-ops.js';

export interface ThinQr {
  Q: Float64Array[];
  R: Matrix;
  rank: number;
  fullRank: boolean;
}

export function thinQr(Y: readonly Float64Array[]): ThinQr {
  const m = Y.length;
  const Q: Float64Array[] = [];
  const R = Matrix.zeros(m, m);
  let rank = 0;
  for (let j = 0; j < m; j++) {
    const v = Float64Array.from(Y[j]);
    const n0 = norm(v);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const c = dot(Q[i], v);
        R.set(i, j, R.get(i, j) + c);
        axpy(-c, Q[i], v);
      }
    }
    const r = norm(v);
    const independent = r > 1e-12 * Math.max(n0, 1e-300);
    R.set(j, j, independent ? r : 0);
    Q.push(independent ? divided(v, r) : new Float64Array(v.length));
    if (independent) rank++;
  }
  return { Q, R, rank, fullRank: rank === m };
}
