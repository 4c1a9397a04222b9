/**
 * The saddle-count stage of the Hessian analysis: runs saddleCounts (dense or iterative, by
 * the options) and writes its counts into saddleIndex.thresholds[], which keep count.lo/hi and
 * say the method, whether the count is exact, and why not. With 'lanczos' the thresholds keep
 * the eigenvalue stage's estimate (bottom Ritz pairs + SLQ interval) and say so.
 */
import { saddleCounts, type SaddleCountsResult } from './saddle-counts.js';
import type { SaddleIndex, SaddleThreshold } from './spectrum-diagnostics.js';
import type { HessianOptions } from './hessian-options.js';
import type { MatVec, OnProgress } from './vector-ops.js';

/** A threshold with the method that gave its count. */
export type CountedThreshold = SaddleThreshold & { method: 'dense' | 'iterative' | 'lanczos'; exact: boolean; cause?: string };

/**
 * Saddle counts per the options, or null for the eigenvalue stage's estimate: 'lanczos', and 'auto'
 * above saddleDenseMax parameters, where locked iterative counts cost far more products than the
 * rest of the analysis (they are asked for by name, with their budget).
 */
export async function saddleStage(
  matvec: MatVec,
  dim: number,
  o: HessianOptions,
  lambdaMax: number,
  onProgress?: OnProgress,
): Promise<SaddleCountsResult | null> {
  if (o.saddleMethod === 'lanczos' || (o.saddleMethod === 'auto' && dim > o.saddleDenseMax)) return null;
  return saddleCounts(
    matvec,
    dim,
    {
      taus: o.taus,
      method: o.saddleMethod,
      denseMaxDim: o.saddleDenseMax,
      lambdaMax: lambdaMax > 0 ? lambdaMax : undefined,
      engine: o.saddleEngine,
      blockSize: o.saddleBlock,
      degree: o.saddleDegree,
      maxLocked: o.saddleMaxLocked,
      maxMatvecs: o.saddleMaxMatvecs,
      tol: o.tol,
      floor: o.floor,
      // the deflated SLQ keeps the saddle defaults (4 × 300): --slq-order sizes the density, too coarse for counts near zero
      seed: o.seed + 6,
    },
    onProgress,
  );
}

/** saddleIndex with each threshold's count from `counts` (same τ order), or marked as the Lanczos estimate. */
export function mergeSaddleCounts(index: SaddleIndex, counts: SaddleCountsResult | null, dim: number): SaddleIndex & { thresholds: CountedThreshold[] } {
  if (!counts) {
    return {
      ...index,
      thresholds: index.thresholds.map((t) => {
        const exact = t.source === 'eigenpairs' && t.count.lo === t.count.hi;
        return { ...t, method: 'lanczos' as const, exact, ...(exact ? {} : { cause: t.note }) };
      }),
    };
  }
  const thresholds = index.thresholds.map((t, i): CountedThreshold => {
    const c = counts.thresholds[i];
    const est = Number.isFinite(c.estimate) ? c.estimate : (c.count.lo + c.count.hi) / 2;
    return {
      ...t,
      threshold: c.threshold,
      method: c.method,
      exact: c.exact,
      ...(c.cause ? { cause: c.cause } : {}),
      count: c.count,
      estimatedCount: est,
      fraction: est / dim,
      stderr: null,
      fractionInterval: { lo: c.count.lo / dim, hi: c.count.hi / dim },
      source: c.method,
      note: c.exact ? `exact (${c.method}): ${counts.definitions.exact}` : `${c.cause}`,
    };
  });
  return {
    ...index,
    thresholds,
    definitions: { ...index.definitions, count: `${index.definitions.count}; with method dense or iterative: ${counts.definitions.exact}` },
  };
}
