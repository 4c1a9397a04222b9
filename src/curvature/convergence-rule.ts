/**
 * When a Ritz pair (θ, y) counts as an eigenpair, and how far θ can be from the eigenvalue.
 *
 * The residual r = ‖Hy − θy‖ bounds the distance from θ to the nearest eigenvalue (|θ − λ| ≤ r,
 * Bauer–Fike/Weyl for symmetric H) and, when the nearest other eigenvalue is a gap δ > r away,
 * |θ − λ| ≤ r²/δ (Kato–Temple). The rule is ARPACK's (dsconv: r ≤ tol·max(eps^{2/3}, |θ|)) with
 * its absolute floor tied to the noise of the operator instead of double precision:
 *
 *   converged  ⇔  r ≤ max(tol·|θ|, floor·ρ)
 *
 * ρ is the spectral-radius estimate max|θ| over all Ritz values seen. A tolerance relative
 * to ρ alone (the old rule) accepts a near-zero bottom eigenvalue whose error is larger than
 * its own size and larger than the spacing of the bottom cluster; relative to |θ|, the bottom
 * end is resolved as finely as the operator allows. A float32 Hessian-vector product carries
 * a rounding error of a few eps32·‖H‖‖v‖ (eps32 = 2⁻²³ ≈ 1.2e-7), so no residual below that is
 * meaningful: the default floor is 8·eps32 ≈ 9.5e-7 (relative to ρ). Float64 operators (tests,
 * analytic problems) may set the floor near 1e-13.
 */
export const FLOAT32_HVP_FLOOR = 8 * 2 ** -23;

/** When a Ritz pair counts as converged: the residual bound against a relative tolerance and the operator's noise floor. */
export interface ConvergenceRule {
  /** Relative tolerance on |θ| (ARPACK's tol). */
  tol: number;
  /** Absolute floor, relative to ρ (the operator's noise level). */
  floor: number;
}

/** The largest residual that still counts as converged for a Ritz value θ at radius ρ. */
export function residualThreshold(theta: number, radius: number, rule: ConvergenceRule): number {
  return Math.max(rule.tol * Math.abs(theta), rule.floor * radius);
}

export function isConverged(theta: number, residual: number, radius: number, rule: ConvergenceRule): boolean {
  return residual <= residualThreshold(theta, radius, rule);
}

/**
 * A bound on |θ − λ|: r²/δ when the gap δ to the nearest other Ritz value exceeds r
 * (Kato–Temple; δ from Ritz values, so an estimate), else r.
 */
export function errorBound(residual: number, gap: number): number {
  return gap > residual ? Math.min(residual, (residual * residual) / gap) : residual;
}

/** Distance from values[i] to the nearest other value (Infinity when alone). */
export function gaps(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length).fill(Infinity);
  order.forEach(([v, i], k) => {
    const lo = k > 0 ? v - order[k - 1][0] : Infinity;
    const hi = k < order.length - 1 ? order[k + 1][0] - v : Infinity;
    out[i] = Math.min(lo, hi);
  });
  return out;
}

export function ruleDefinition(rule: ConvergenceRule): string {
  return `an eigenpair (θ, y) is converged when its residual ‖Hy − θy‖ ≤ max(tol·|θ|, floor·ρ) with tol = ${rule.tol}, floor = ${rule.floor.toPrecision(3)} (the float32 HVP noise level) and ρ the spectral-radius estimate (ARPACK's rule relative to |θ|, with an absolute floor); errorBound = min(r, r²/gap) bounds |θ − λ| (Kato–Temple, gap to the nearest other Ritz value)`;
}
