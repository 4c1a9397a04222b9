/**
 * The bottom eigenpairs of a symmetric operator, locked until one passes a threshold t, by
 * thick-restart Lanczos on the bottom end (thick-restart-lanczos.ts), with the number of pairs
 * sized from a density estimate of #{λ < t} and grown when it was too small.
 *
 * Why Lanczos rather than a Chebyshev filter: a network's Hessian has a few large outliers on
 * top (λmax hundreds of times the bottom's scale), which a filter on [a, λmax] must damp with
 * one polynomial, so its reach into a cluster near zero grows only like √(gap/λmax) per degree;
 * a Krylov space spends one vector per outlier and then adapts to the bottom cluster.
 *
 * Locking rule (as the Chebyshev path's lockPrefix): walking the returned bottom Ritz pairs
 * upwards, a pair is taken while it meets the convergence rule (‖Hy − θy‖ ≤ max(tol·|θ|, floor·ρ));
 * the walk stops at the first unconverged pair. The taken values are the bottom of the spectrum
 * that the Krylov space found, each within its residual of an eigenvalue. The run passes when a
 * taken value's lower bound θ − r is ≥ t. When every wanted pair converged without passing, the
 * run is repeated with twice as many wanted pairs (a fresh Krylov space: the thick restart keeps
 * no state across calls), up to maxLocked pairs and the matvec budget.
 */
import { thickRestartLanczos } from './thick-restart-lanczos.js';
import type { LockedPairs } from './block-bottom-eigen.js';
import type { MatVec, OnProgress } from './vector-ops.js';

export interface SliceLockOptions {
  /** Lock until a taken value passes this (its lower error bound ≥ until). */
  until: number;
  /** Bottom pairs wanted in the first run (sized from a density estimate of the count below until). */
  kStart: number;
  /** Most pairs wanted in one run: memory (maxLocked + basis + 1)·dim doubles, basis = 2·k + 60. */
  maxLocked: number;
  maxMatvecs: number;
  tol: number;
  floor: number;
  seed: number;
  onProgress?: OnProgress;
}

/** Basis vectors held between thick restarts for k wanted bottom pairs. */
export function sliceBasis(k: number, dim: number): number {
  return Math.min(dim, 2 * k + 60);
}

/** The converged prefix of ascending pairs: how many to take under the locking rule. */
export function convergedPrefix(pairs: readonly { converged: boolean }[]): number {
  let n = 0;
  while (n < pairs.length && pairs[n].converged) n++;
  return n;
}

/** Bottom pairs locked until one passes `until`, or the budget or maxLocked ends the search. */
export async function lockBottomUntil(matvec: MatVec, dim: number, o: SliceLockOptions): Promise<LockedPairs> {
  const out: LockedPairs = { values: [], residuals: [], vectors: [], passed: false, stop: 'matvec-budget', matvecs: 0, cycles: 0, active: [] };
  let k = Math.max(1, Math.min(o.kStart, o.maxLocked, dim - 2));
  for (;;) {
    out.cycles++;
    const basisSize = sliceBasis(k, dim);
    const left = o.maxMatvecs - out.matvecs;
    const r = await thickRestartLanczos(matvec, dim, {
      which: 'bottom',
      kBottom: k,
      basisSize,
      tol: o.tol,
      floor: o.floor,
      maxMatvecs: left,
      seed: o.seed + 7919 * out.cycles,
      vectors: true,
      onProgress: o.onProgress ? (done) => o.onProgress!(out.matvecs + done, o.maxMatvecs) : undefined,
    });
    out.matvecs += r.matvecs;
    const n = convergedPrefix(r.bottom);
    const taken = r.bottom.slice(0, n);
    out.values = taken.map((p) => p.value);
    out.residuals = taken.map((p) => p.residual);
    out.vectors = taken.map((p) => p.vector!);
    out.active = r.bottom.slice(n).map((p) => p.value);
    if (taken.some((p) => p.value - p.residual >= o.until)) return { ...out, passed: true, stop: 'passed' };
    if (n < k || r.budgetExhausted) return { ...out, stop: r.budgetExhausted ? 'matvec-budget' : 'exhausted' };
    if (k >= o.maxLocked) return { ...out, stop: 'vector-budget' };
    if (k >= dim - 2) return { ...out, stop: 'exhausted' };
    k = Math.min(2 * k, o.maxLocked, dim - 2);
  }
}
