/**
 * The bottom eigenpairs of a symmetric operator, locked in ascending order until one passes a
 * threshold, by Chebyshev-filtered subspace iteration with locking (block-chebyshev.ts).
 *
 * Each cycle filters the active block with a degree-m Chebyshev polynomial on [a, b] (a the
 * block's largest Ritz value, b ≥ λmax), then Rayleigh–Ritz on it. Locking rule: walking the
 * block's Ritz values upwards from the lowest, a pair is locked while it is converged
 * (convergence-rule.ts: ‖Hy − θy‖ ≤ max(tol·|θ|, floor·ρ)) and every lower pair of the block
 * was locked; the walk stops at the first unconverged pair and never enters the block's top
 * `guard` pairs (the window edge, where Ritz values are poorest). So the locked values form the
 * bottom of the spectrum seen so far, each within its residual of an eigenvalue. Locked vectors
 * are deflated to the top of the spectrum (deflatedMatVec) and replaced by fresh random ones.
 *
 * Stops when a locked value θ − r is at or above `until` (then every eigenvalue below `until`
 * that the iteration found is locked), or when the matvec budget or the vector budget
 * (maxLocked + blockSize vectors of dim doubles) is spent.
 */
import { optionError } from '../errors.js';
import { gaussianVector } from '../random.js';
import { chebyshevFilter, deflatedMatVec, orthonormalizeBlock, rayleighRitz } from './block-chebyshev.js';
import { FLOAT32_HVP_FLOOR, isConverged } from './convergence-rule.js';
import type { MatVec, OnProgress } from './vector-ops.js';

export interface BlockBottomOptions {
  /** Lock until a locked value passes this (its lower error bound ≥ until). */
  until: number;
  /** An upper bound on λmax (the filter damps [a, upper]). */
  upper: number;
  blockSize: number;
  degree: number;
  /** Most locked pairs (memory: (maxLocked + 2·blockSize)·dim doubles). */
  maxLocked: number;
  maxMatvecs: number;
  tol: number;
  floor: number;
  seed: number;
  onProgress?: OnProgress;
}

export interface LockedPairs {
  values: number[];
  residuals: number[];
  vectors: Float64Array[];
  /** A locked value's lower bound reached `until`. */
  passed: boolean;
  /** Why the run stopped when it did not pass. */
  stop: 'passed' | 'matvec-budget' | 'vector-budget' | 'exhausted';
  matvecs: number;
  cycles: number;
  /** The active block's Ritz values at the end (not locked: unconverged, or in the guard). */
  active: number[];
}

function check(dim: number, o: BlockBottomOptions): void {
  if (!(o.upper > o.until)) throw optionError('upper', `must exceed the threshold ${o.until}, got ${o.upper}`);
  if (!Number.isInteger(o.blockSize) || o.blockSize < 2 || o.blockSize > dim)
    throw optionError('saddleBlock', `must be an integer in [2, ${dim}], got ${o.blockSize}`);
  if (!Number.isInteger(o.degree) || o.degree < 1 || o.degree > 1000) throw optionError('saddleDegree', `must be an integer in [1, 1000], got ${o.degree}`);
}

export async function blockBottomEigenpairs(matvec: MatVec, dim: number, o: BlockBottomOptions): Promise<LockedPairs> {
  check(dim, o);
  const locked: LockedPairs = { values: [], residuals: [], vectors: [], passed: false, stop: 'exhausted', matvecs: 0, cycles: 0, active: [] };
  const counted: MatVec = (v) => {
    locked.matvecs++;
    return matvec(v);
  };
  const guard = Math.max(1, Math.floor(o.blockSize / 5));
  const op = () => deflatedMatVec(counted, locked.vectors, o.upper);
  let X = orthonormalizeBlock(
    Array.from({ length: o.blockSize }, (_, j) => gaussianVector(dim, (o.seed + 977 * j) >>> 0)),
    [],
    o.seed,
  );
  let ritz = await rayleighRitz(op(), X);
  const rho = () => Math.max(Math.abs(o.upper), ...ritz.values.map(Math.abs), ...locked.values.map(Math.abs));
  for (;;) {
    locked.cycles++;
    const nLock = lockPrefix(ritz, guard, rho(), o);
    for (let i = 0; i < nLock; i++) {
      locked.values.push(ritz.values[i]);
      locked.residuals.push(ritz.residuals[i]);
      locked.vectors.push(ritz.vectors[i]);
    }
    const last = locked.values.length - 1;
    if (last >= 0 && locked.values[last] - locked.residuals[last] >= o.until) {
      locked.passed = true;
      locked.stop = 'passed';
      break;
    }
    if (locked.values.length + X.length > dim) {
      locked.stop = 'exhausted';
      break;
    }
    if (locked.values.length >= o.maxLocked) {
      locked.stop = 'vector-budget';
      break;
    }
    const cost = o.blockSize * (o.degree + 1);
    if (locked.matvecs + cost > o.maxMatvecs) {
      locked.stop = 'matvec-budget';
      break;
    }
    const fresh = Array.from({ length: nLock }, (_, j) => gaussianVector(dim, (o.seed + 7919 * (locked.cycles + 1) + j) >>> 0));
    X = [...ritz.vectors.slice(nLock), ...fresh];
    const a = ritz.values[ritz.values.length - 1],
      a0 = ritz.values[0];
    X = orthonormalizeBlock(await chebyshevFilter(op(), X, o.degree, a, o.upper, Math.min(a0, a - 1e-12 * rho())), locked.vectors, o.seed + locked.cycles);
    ritz = await rayleighRitz(op(), X);
    o.onProgress?.(locked.matvecs, o.maxMatvecs);
  }
  locked.active = ritz.values.slice(0);
  return locked;
}

/** How many of the block's lowest pairs to lock: the converged prefix, outside the guard. */
export function lockPrefix(ritz: { values: number[]; residuals: number[] }, guard: number, rho: number, rule: { tol: number; floor: number }): number {
  let n = 0;
  while (n < ritz.values.length - guard && isConverged(ritz.values[n], ritz.residuals[n], rho, rule)) n++;
  return n;
}

export const BLOCK_DEFAULT_FLOOR = FLOAT32_HVP_FLOOR;
