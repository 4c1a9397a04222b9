/**
 * Iterative saddle counts by spectrum slicing (the default `lanczos` engine of the iterative path):
 *  1. sizing: a short SLQ run estimates #{λ < t} at every threshold;
 *  2. locking: the bottom pairs are locked by thick-restart Lanczos (spectrum-slicing.ts) until one
 *     passes the threshold nearest zero whose estimated count fits maxLocked (wanted pairs: 1.25 ×
 *     the estimate + 10, doubled while they all converge without passing);
 *  3. every threshold the locked pairs pass is counted exactly from them (lockedCount); the others
 *     get the locked pairs plus a deflated SLQ interval on the complement (intervalCount).
 */
import type { LockedPairs } from './block-bottom-eigen.js';
import { deflatedSlq, intervalCount, lockedCount, type CountAt, type DeflatedSlq } from './saddle-iterative.js';
import { lockBottomUntil } from './spectrum-slicing.js';
import type { MatVec, OnProgress } from './vector-ops.js';

export interface SlicingOptions {
  /** Thresholds −τ·λmax, in the caller's order. */
  thresholds: number[];
  upper: number;
  maxLocked: number;
  maxMatvecs: number;
  tol: number;
  floor: number;
  sizingProbes: number;
  sizingOrder: number;
  slqProbes: number;
  slqOrder: number;
  seed: number;
  onProgress?: OnProgress;
}

export interface SlicingRun {
  counts: CountAt[];
  /** Locked pairs, ascending. */
  locked: LockedPairs;
  /** The threshold the locking aimed to pass (null: none fits maxLocked), and the sizing estimate there. */
  target: { threshold: number; estimate: number; wanted: number } | null;
  sizingMatvecs: number;
  slqMatvecs: number;
  matvecs: number;
}

const EMPTY: LockedPairs = { values: [], residuals: [], vectors: [], passed: false, stop: 'vector-budget', matvecs: 0, cycles: 0, active: [] };

/** The locking target: the threshold nearest zero whose sized count (1.25·estimate + 10) fits maxLocked. */
export function slicingTarget(thresholds: number[], estimates: number[], maxLocked: number): { threshold: number; estimate: number; wanted: number } | null {
  let best: { threshold: number; estimate: number; wanted: number } | null = null;
  thresholds.forEach((t, i) => {
    const wanted = Math.ceil(1.25 * estimates[i] + 10);
    if (Number.isFinite(estimates[i]) && wanted <= maxLocked && (!best || t > best.threshold)) best = { threshold: t, estimate: estimates[i], wanted };
  });
  return best;
}

export async function slicingCounts(matvec: MatVec, dim: number, o: SlicingOptions): Promise<SlicingRun> {
  const sizing = await deflatedSlq(matvec, dim, [], { probes: o.sizingProbes, order: Math.min(o.sizingOrder, dim), seed: o.seed + 3, shift: o.upper });
  const estimates = o.thresholds.map((t) => intervalCount(EMPTY, sizing, t, dim).estimate);
  const target = slicingTarget(o.thresholds, estimates, o.maxLocked);
  const locked = target
    ? await lockBottomUntil(matvec, dim, {
        until: target.threshold,
        kStart: target.wanted,
        maxLocked: o.maxLocked,
        maxMatvecs: Math.max(1, o.maxMatvecs - sizing.matvecs),
        tol: o.tol,
        floor: o.floor,
        seed: o.seed,
        onProgress: o.onProgress,
      })
    : EMPTY;
  const passedAll = o.thresholds.every((t) => lockedCount(locked, t) !== null);
  let slq: DeflatedSlq | null = null;
  if (!passedAll && o.slqProbes > 0 && dim - locked.values.length > 1)
    slq = await deflatedSlq(matvec, dim, locked.vectors, { probes: o.slqProbes, order: o.slqOrder, seed: o.seed + 5, shift: o.upper });
  const counts = o.thresholds.map((t) => lockedCount(locked, t) ?? intervalCount(locked, slq, t, dim));
  const slqMatvecs = slq?.matvecs ?? 0;
  return { counts, locked, target, sizingMatvecs: sizing.matvecs, slqMatvecs, matvecs: sizing.matvecs + locked.matvecs + slqMatvecs };
}
