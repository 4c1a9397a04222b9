/**
 * MINRES (Paige & Saunders 1975) for a symmetric, possibly indefinite and singular H: the Krylov
 * iterate x_k minimising ‖H x − b‖ over span{b, Hb, …, H^{k−1}b}, in float64, one product per
 * iteration. Also returns Hb (the first product), which Newton-MR's line search needs, and ‖H r‖
 * (the residual's normal-equation size), which stops the iteration on an inconsistent system
 * (b not in the range of H) where ‖r‖ cannot reach the tolerance.
 */
import type { MatVec } from '../curvature/vector-ops.js';

export interface MinresOptions {
  /** Stop when ‖r‖ ≤ tol·‖b‖ or ‖H r‖ ≤ tol·‖H b‖. */
  tol: number;
  maxIter: number;
}

export interface MinresResult {
  x: Float64Array;
  /** H b from the first iteration. */
  hb: Float64Array;
  /** ‖b − H x‖ (the recurrence's value). */
  residual: number;
  iterations: number;
  stop: 'residual' | 'normal-residual' | 'max-iter' | 'breakdown';
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** x ≈ H⁺b by MINRES; b = 0 gives x = 0 at once. */
export async function minres(matvec: MatVec, b: Float64Array, o: MinresOptions): Promise<MinresResult> {
  const n = b.length;
  const x = new Float64Array(n);
  const beta1 = norm(b);
  if (beta1 === 0) return { x, hb: new Float64Array(n), residual: 0, iterations: 0, stop: 'residual' };
  let r1 = b.slice(),
    r2 = b.slice(),
    y = b.slice();
  let w = new Float64Array(n),
    w1 = new Float64Array(n),
    w2 = new Float64Array(n);
  let oldb = 0,
    beta = beta1,
    dbar = 0,
    epsln = 0,
    phibar = beta1,
    cs = -1,
    sn = 0,
    hbNorm = 0;
  let hb = new Float64Array(n);
  for (let k = 1; k <= o.maxIter; k++) {
    const v = y.map((t) => t / beta);
    y = Float64Array.from(await matvec(v));
    if (k === 1) {
      hb = y.map((t) => t * beta1);
      hbNorm = norm(hb);
    }
    if (k >= 2) for (let i = 0; i < n; i++) y[i] -= (beta / oldb) * r1[i];
    let alfa = 0;
    for (let i = 0; i < n; i++) alfa += v[i] * y[i];
    for (let i = 0; i < n; i++) y[i] -= (alfa / beta) * r2[i];
    r1 = r2;
    r2 = y.slice();
    oldb = beta;
    beta = norm(y);
    const oldeps = epsln;
    const delta = cs * dbar + sn * alfa;
    const gbar = sn * dbar - cs * alfa;
    epsln = sn * beta;
    dbar = -cs * beta;
    // ‖H r_{k−1}‖ = φ̄_{k−1}·‖(γ̄_k, δ̄_{k+1})‖ (Choi, Paige & Saunders 2011): one iteration behind, at no product
    const hr = phibar * Math.hypot(gbar, dbar);
    const gamma = Math.max(Math.hypot(gbar, beta), Number.EPSILON);
    cs = gbar / gamma;
    sn = beta / gamma;
    const phi = cs * phibar;
    phibar = sn * phibar;
    const prev = x.slice();
    [w1, w2] = [w2, w];
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      w[i] = (v[i] - oldeps * w1[i] - delta * w2[i]) / gamma;
      x[i] += phi * w[i];
    }
    if (Math.abs(phibar) <= o.tol * beta1) return { x, hb, residual: Math.abs(phibar), iterations: k, stop: 'residual' };
    // the lagged test speaks of x_{k−1}: past an exhausted Krylov space x_k only adds rounding
    if (hr <= o.tol * hbNorm) return { x: prev, hb, residual: Math.abs(phibar), iterations: k, stop: 'normal-residual' };
    if (beta <= 1e-12 * Math.max(Math.abs(alfa), hbNorm / beta1)) return { x, hb, residual: Math.abs(phibar), iterations: k, stop: 'breakdown' };
  }
  return { x, hb, residual: Math.abs(phibar), iterations: o.maxIter, stop: 'max-iter' };
}
