/**
 * Saddle counts #{λ < −τ·λmax} of a symmetric operator, exact where they can be and otherwise
 * an interval with its width and cause. Two methods:
 *  - dense (d ≤ denseMaxDim under auto): the matrix from d products, its full spectrum in
 *    float64, counts by Sylvester inertia of the tridiagonal form (dense-spectrum.ts,
 *    symmetric-eigen.ts); undecided only within the products' noise radius of the threshold;
 *  - iterative: bottom eigenpairs locked (by thick-restart Lanczos sized from an SLQ estimate,
 *    spectrum-slicing*.ts; or by Chebyshev-filtered subspace iteration, block-bottom-eigen.ts) until
 *    they pass a threshold, under a matvec and a vector budget; where they do not pass, the locked
 *    pairs plus a deflated SLQ interval (saddle-iterative.ts).
 */
import { optionError } from '../errors.js';
import { blockBottomEigenpairs, type LockedPairs } from './block-bottom-eigen.js';
import { denseSpectrumOf } from './dense-spectrum.js';
import { extremeEigenpairs } from './extreme-eigenvalues.js';
import { deflatedSlq, intervalCount, lockedCount, type CountAt } from './saddle-iterative.js';
import { sturmCount } from './symmetric-eigen.js';
import { slicingCounts, type SlicingRun } from './spectrum-slicing-counts.js';
import { sliceBasis } from './spectrum-slicing.js';
import { resolveSaddleOptions, type SaddleCountOptions, type SaddleEngine, type SaddleMethod } from './saddle-options.js';
import type { MatVec, OnProgress } from './vector-ops.js';

export {
  SADDLE_DEFAULTS,
  SADDLE_METHODS,
  SADDLE_ENGINES,
  resolveSaddleOptions,
  type SaddleCountOptions,
  type SaddleMethod,
  type SaddleEngine,
} from './saddle-options.js';

/** The count #{λ < −τ·λmax} at one τ, with the threshold it used and the method that counted. */
export interface SaddleCount extends CountAt {
  tau: number;
  threshold: number;
  method: Exclude<SaddleMethod, 'auto'>;
}

/** What {@link saddleCounts} returns: the method and why, λmax, and the count at each τ (the dense method's whole spectrum too). */
export interface SaddleCountsResult {
  method: Exclude<SaddleMethod, 'auto'>;
  /** Why this method (auto's choice, or the caller's). */
  reason: string;
  lambdaMax: number;
  thresholds: SaddleCount[];
  /** dense: the whole spectrum; iterative: the locked bottom values (ascending). */
  eigenvalues: number[];
  dense?: { asymmetry: number; noiseRadius: number; timingsMs: { assemble: number; eigen: number }; memoryBytes: number };
  iterative?: {
    engine: SaddleEngine;
    locked: number;
    residuals: number[];
    passed: boolean;
    stop: string;
    cycles: number;
    blockSize: number;
    degree: number;
    maxLocked: number;
    maxMatvecs: number;
    memoryBytes: number;
    slqMatvecs: number;
    /** lanczos engine: the SLQ run that sized the locking, and the threshold it aimed to pass. */
    sizingMatvecs: number;
    target: { threshold: number; estimate: number; wanted: number } | null;
    missedOrder: boolean;
  };
  matvecs: number;
  elapsedMs: number;
  definitions: { count: string; exact: string };
}

const COUNT_DEF = '#{λ < −τ·λmax}: eigenvalues of the curvature matrix below the threshold; an interval [lo, hi] where it is not decided';

/**
 * Counts at every τ of `o.taus` (ascending thresholds nearest zero last).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { rotatedSpectrumOperator, saddleCounts } from 'losslens/curvature';
 *
 * // λmax = 10, and 2 eigenvalues below −τ·λmax = −0.01 (τ = 1e-3): the dense method counts them exactly
 * const op = rotatedSpectrumOperator([-3, -0.5, -0.001, 0.2, 1, 4, 10], 5);
 * const r = await saddleCounts(op.matvec, op.dim, { taus: [1e-3], method: 'dense' });
 * assert.ok(Math.abs(r.thresholds[0].threshold + 0.01) < 1e-12); // λmax from the float64 spectrum
 * assert.deepEqual(r.thresholds[0].count, { lo: 2, hi: 2 });
 * assert.equal(r.thresholds[0].exact, true);
 * ```
 */
export async function saddleCounts(
  matvec: MatVec,
  dim: number,
  options: Partial<SaddleCountOptions> = {},
  onProgress?: OnProgress,
): Promise<SaddleCountsResult> {
  const started = Date.now();
  const o = resolveSaddleOptions(options);
  const method = o.method === 'auto' ? (dim <= o.denseMaxDim ? 'dense' : 'iterative') : o.method;
  const reason =
    o.method !== 'auto'
      ? `asked for ${method}`
      : method === 'dense'
        ? `auto: ${dim} parameters ≤ ${o.denseMaxDim}, where the d products and the O(d³) eigensolver are cheaper than locking hundreds of clustered pairs`
        : `auto: ${dim} parameters > ${o.denseMaxDim}: the d×d matrix would take ${((dim * dim * 8) / 2 ** 20).toFixed(0)} MiB`;
  const r = method === 'dense' ? await denseCounts(matvec, dim, o.taus, onProgress) : await iterativeCounts(matvec, dim, o, onProgress);
  const { exactRule, ...rest } = r;
  return { ...rest, method, reason, elapsedMs: Date.now() - started, definitions: { count: COUNT_DEF, exact: exactRule } };
}

type Partial_ = Omit<SaddleCountsResult, 'method' | 'reason' | 'elapsedMs' | 'definitions'> & { exactRule: string };

async function denseCounts(matvec: MatVec, dim: number, taus: number[], onProgress?: OnProgress): Promise<Partial_> {
  const s = await denseSpectrumOf(matvec, dim, { onProgress });
  const lambdaMax = s.values[dim - 1];
  const delta = s.noiseRadius;
  const thresholds = taus.map((tau): SaddleCount => {
    const t = -tau * lambdaMax;
    const lo = sturmCount(s.tridiagonal, t - delta),
      hi = sturmCount(s.tridiagonal, t + delta);
    const estimate = sturmCount(s.tridiagonal, t);
    const exact = lo === hi;
    return {
      tau,
      threshold: t,
      method: 'dense',
      count: { lo, hi },
      estimate,
      exact,
      ...(exact ? {} : { cause: `${hi - lo} eigenvalue(s) within the products' noise radius ${delta.toExponential(2)} of the threshold` }),
    };
  });
  return {
    lambdaMax,
    thresholds,
    eigenvalues: Array.from(s.values),
    matvecs: s.matvecs,
    dense: { asymmetry: s.asymmetry, noiseRadius: delta, timingsMs: s.timingsMs, memoryBytes: dim * dim * 8 },
    exactRule:
      'dense: the count of the symmetrised assembled matrix by Sylvester inertia (negative pivots of LDLᵀ of T − tI, T its Householder tridiagonal form); exact when no eigenvalue lies within the noise radius ‖(H − Hᵀ)/2‖₁ of the threshold, else the interval of counts at t ± that radius',
  };
}

async function iterativeCounts(matvec: MatVec, dim: number, o: SaddleCountOptions, onProgress?: OnProgress): Promise<Partial_> {
  let lambdaMax = o.lambdaMax,
    extra = 0;
  if (lambdaMax === undefined) {
    const top = await extremeEigenpairs(matvec, dim, { top: 1, bottom: 0, maxIter: Math.min(dim, 60), tol: 1e-6, floor: o.floor, seed: o.seed });
    lambdaMax = top.top.values[0];
    extra = top.matvecs;
  }
  if (!(lambdaMax > 0)) throw optionError('lambdaMax', `must be > 0 to scale τ, got ${lambdaMax}`);
  const run =
    o.engine === 'lanczos' ? await lanczosEngine(matvec, dim, o, lambdaMax, onProgress) : await chebyshevEngine(matvec, dim, o, lambdaMax, onProgress);
  const order = run.locked.values.map((_, i) => i).sort((i, j) => run.locked.values[i] - run.locked.values[j]);
  const thresholds = o.taus.map((tau, i): SaddleCount => ({ tau, threshold: -tau * lambdaMax!, method: 'iterative', ...run.counts[i] }));
  return {
    lambdaMax,
    thresholds,
    eigenvalues: order.map((i) => run.locked.values[i]),
    matvecs: run.matvecs + extra,
    iterative: {
      engine: o.engine,
      locked: run.locked.values.length,
      residuals: order.map((i) => run.locked.residuals[i]),
      passed: run.locked.passed,
      stop: run.locked.stop,
      cycles: run.locked.cycles,
      blockSize: o.blockSize,
      degree: o.degree,
      maxLocked: o.maxLocked,
      maxMatvecs: o.maxMatvecs,
      memoryBytes: run.memoryBytes,
      slqMatvecs: run.slqMatvecs,
      sizingMatvecs: run.sizingMatvecs,
      target: run.target,
      missedOrder: order.some((i, k) => i !== k),
    },
    exactRule:
      'iterative: bottom pairs locked in ascending order only when converged (‖Hy − θy‖ ≤ max(tol·|θ|, floor·ρ)) and every lower pair is locked; the count at t is exact when a locked value θ − r ≥ t and none lies within its residual r of t; otherwise [locked below + (d − k)·lo, k + (d − k)·hi] with lo, hi the Chebyshev–Markov–Stieltjes bounds of SLQ on the complement of the k locked vectors, widened by two standard errors of the probes',
  };
}

interface EngineRun {
  counts: CountAt[];
  locked: LockedPairs;
  matvecs: number;
  slqMatvecs: number;
  sizingMatvecs: number;
  memoryBytes: number;
  target: SlicingRun['target'];
}

async function lanczosEngine(matvec: MatVec, dim: number, o: SaddleCountOptions, lambdaMax: number, onProgress?: OnProgress): Promise<EngineRun> {
  const upper = lambdaMax * (1 + 1e-3);
  const thresholds = o.taus.map((tau) => -tau * lambdaMax);
  const run = await slicingCounts(matvec, dim, { ...o, thresholds, upper, seed: o.seed, onProgress });
  const k = Math.min(o.maxLocked, dim);
  return { ...run, memoryBytes: (k + sliceBasis(k, dim) + Math.max(o.slqOrder, o.sizingOrder) + 1) * dim * 8 };
}

async function chebyshevEngine(matvec: MatVec, dim: number, o: SaddleCountOptions, lambdaMax: number, onProgress?: OnProgress): Promise<EngineRun> {
  const upper = lambdaMax * (1 + 1e-3);
  const blockSize = Math.min(o.blockSize, dim - 1);
  const locked = await blockBottomEigenpairs(matvec, dim, {
    until: -Math.min(...o.taus) * lambdaMax,
    upper,
    blockSize,
    degree: o.degree,
    maxLocked: o.maxLocked,
    maxMatvecs: o.maxMatvecs,
    tol: o.tol,
    floor: o.floor,
    seed: o.seed,
    onProgress,
  });
  const order = locked.values.map((_, i) => i).sort((i, j) => locked.values[i] - locked.values[j]);
  const sorted = { values: order.map((i) => locked.values[i]), residuals: order.map((i) => locked.residuals[i]), stop: locked.stop };
  const needSlq = !locked.passed && o.slqProbes > 0 && dim - sorted.values.length > 1;
  const slq = needSlq ? await deflatedSlq(matvec, dim, locked.vectors, { probes: o.slqProbes, order: o.slqOrder, seed: o.seed + 5, shift: upper }) : null;
  const counts = o.taus.map((tau) => lockedCount(sorted, -tau * lambdaMax) ?? intervalCount(sorted, slq, -tau * lambdaMax, dim));
  const slqMatvecs = slq?.matvecs ?? 0;
  const memoryBytes = (o.maxLocked + 3 * blockSize) * dim * 8;
  return { counts, locked, matvecs: locked.matvecs + slqMatvecs, slqMatvecs, sizingMatvecs: 0, memoryBytes, target: null };
}
