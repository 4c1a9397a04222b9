/**
 * The Hessian's diagonal and Frobenius norm from matvecs, with standard errors, and the
 * diagonal summarised per layer.
 *
 * - Hutchinson diagonal (Bekas, Kokiopoulou, Saad 2007): diag(H) ≈ mean over Rademacher z of
 *   z ⊙ Hz; unbiased; per-entry stderr from the sample spread. XDiag (xtrace.ts) removes the
 *   top eigen-directions' variance first.
 * - Frobenius norm: ‖H‖_F² = E‖Hz‖² for Rademacher z (E zzᵀ = I), so the mean of ‖Hzᵢ‖² is
 *   unbiased for ‖H‖_F² with the usual stderr; ‖H‖_F is its square root, stderr by the delta
 *   method (se/(2‖H‖_F)). Both reuse any Rademacher products already made (the trace probes).
 * - Per layer: the sum of the diagonal over the layer's parameters (= tr of its diagonal
 *   block), its stderr (from the per-probe sums), the mean, the largest |entry| and the
 *   fraction of negative entries.
 */
import type { ParamLayout } from '../objective/types.js';
import { optionError } from '../errors.js';
import { rademacherVector } from '../random.js';
import { meanStderr, xSketch, xdiagFromSketch, type DiagonalSamples } from './xtrace.js';
import { applyMatVec, type MatVec, type OnProgress } from './vector-ops.js';

/** Accumulates Rademacher products (z, Hz) into diagonal, Frobenius and per-layer sums. */
export class ProductAccumulator {
  private sum: Float64Array;
  private sq: Float64Array;
  private fro: number[] = [];
  private layerSamples: number[][];
  private n = 0;
  constructor(
    private readonly dim: number,
    private readonly layers: { name: string; ranges: [number, number][] }[] = [],
  ) {
    this.sum = new Float64Array(dim);
    this.sq = new Float64Array(dim);
    this.layerSamples = layers.map(() => []);
  }
  add(z: Float64Array, hz: Float64Array): void {
    let f = 0;
    for (let t = 0; t < this.dim; t++) {
      const x = z[t] * hz[t];
      this.sum[t] += x;
      this.sq[t] += x * x;
      f += hz[t] * hz[t];
    }
    this.fro.push(f);
    this.layers.forEach((l, k) => {
      let s = 0;
      for (const [a, b] of l.ranges) for (let t = a; t < b; t++) s += z[t] * hz[t];
      this.layerSamples[k].push(s);
    });
    this.n++;
  }
  get samples(): number {
    return this.n;
  }
  diagonal(): DiagonalSamples {
    return meanStderr(this.sum, this.sq, this.n, this.n);
  }
  frobenius(): FrobeniusResult {
    return frobeniusFrom(this.fro);
  }
  /** Per-layer stderr of the block trace from the per-probe block sums. */
  layerTraceStderr(): (number | null)[] {
    return this.layerSamples.map((s) => {
      const n = s.length;
      if (n < 2) return null;
      const m = s.reduce((a, b) => a + b, 0) / n;
      return Math.sqrt(s.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1) / n);
    });
  }
}

/** The Frobenius norm ‖H‖_F estimated from Hutchinson probes as √E‖Hz‖², with its standard error and ‖H‖_F² itself. */
export interface FrobeniusResult {
  norm: number;
  stderr: number | null;
  squared: number;
  squaredStderr: number | null;
  probes: number;
  definition: string;
}

export function frobeniusFrom(samples: number[]): FrobeniusResult {
  const n = samples.length;
  const squared = samples.reduce((a, b) => a + b, 0) / n;
  const squaredStderr = n > 1 ? Math.sqrt(samples.reduce((a, b) => a + (b - squared) ** 2, 0) / (n - 1) / n) : null;
  const norm = Math.sqrt(Math.max(0, squared));
  return {
    norm,
    squared,
    squaredStderr,
    probes: n,
    stderr: squaredStderr === null ? null : norm > 0 ? squaredStderr / (2 * norm) : 0,
    definition:
      '‖H‖_F² = E‖Hz‖² over Rademacher z: the mean of ‖Hzᵢ‖² over the trace probes (unbiased), stderr from their spread; ‖H‖_F = √ of it, stderr by the delta method',
  };
}

/** Each layer's index ranges inside θ. */
export function layerRanges(layout: ParamLayout): { name: string; ranges: [number, number][] }[] {
  const names = [...new Set(layout.blocks.map((b) => b.layer))];
  return names.map((name) => ({ name, ranges: layout.blocks.filter((b) => b.layer === name).map((b) => [b.offset, b.offset + b.size] as [number, number]) }));
}

/**
 * One layer's share of an estimated Hessian diagonal: its parameter count, the sum (with standard
 * error) and mean of its entries, the largest |entry| and the fraction below zero.
 */
export interface LayerDiagonal {
  layer: string;
  params: number;
  sum: number;
  sumStderr: number | null;
  mean: number;
  maxAbs: number;
  negativeFraction: number;
}

export function perLayerDiagonal(d: DiagonalSamples, layout: ParamLayout, sumStderr?: (number | null)[]): LayerDiagonal[] {
  return layerRanges(layout).map((l, k) => {
    let sum = 0,
      v = 0,
      maxAbs = 0,
      neg = 0,
      params = 0;
    for (const [a, b] of l.ranges)
      for (let t = a; t < b; t++) {
        sum += d.mean[t];
        if (d.stderr) v += d.stderr[t] ** 2;
        maxAbs = Math.max(maxAbs, Math.abs(d.mean[t]));
        if (d.mean[t] < 0) neg++;
        params++;
      }
    // the per-probe block sums give the honest stderr (entries are correlated); else the independent-entries bound
    const se = sumStderr?.[k] ?? (d.stderr ? Math.sqrt(v) : null);
    return { layer: l.name, params, sum, sumStderr: se, mean: sum / params, maxAbs, negativeFraction: neg / params };
  });
}

/** How {@link estimateDiagonal} estimates diag(H): Hutchinson's Rademacher probes, or XDiag (exchangeable, with a low-rank sketch). */
export type DiagonalMethod = 'hutchinson' | 'xdiag';

/**
 * diag(H) with per-entry stderr by Hutchinson (probes matvecs) or XDiag (probes matvecs, probes/2 test vectors).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, estimateDiagonal } from 'losslens/curvature';
 *
 * // for a diagonal operator every Rademacher probe gives z ⊙ Az = diag(A) exactly
 * const op = diagonalOperator([4, -1, 0.5]);
 * const d = await estimateDiagonal(op.matvec, 3, { probes: 4, seed: 0 });
 * assert.deepEqual([...d.mean], [4, -1, 0.5]);
 * assert.deepEqual([...d.stderr!], [0, 0, 0]);
 * ```
 */
export async function estimateDiagonal(
  matvec: MatVec,
  dim: number,
  o: { method?: DiagonalMethod; probes?: number; seed?: number; onProgress?: OnProgress } = {},
): Promise<DiagonalSamples & { method: DiagonalMethod }> {
  const method = o.method ?? 'hutchinson';
  const probes = o.probes ?? 30;
  if (method !== 'hutchinson' && method !== 'xdiag') throw optionError('diagonal', `must be one of hutchinson, xdiag; got ${String(method)}`);
  if (!Number.isInteger(probes) || probes < 2) throw optionError('probes', `must be an integer ≥ 2, got ${probes}`);
  if (method === 'xdiag')
    return { ...xdiagFromSketch(await xSketch(matvec, dim, Math.min(Math.floor(probes / 2), dim - 1), o.seed ?? 0, o.onProgress)), method };
  const acc = new ProductAccumulator(dim);
  for (let i = 0; i < probes; i++) {
    const z = rademacherVector(dim, (((o.seed ?? 0) ^ 0x1b873593) + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
    acc.add(z, await applyMatVec(matvec, z));
    o.onProgress?.(i + 1, probes);
  }
  return { ...acc.diagonal(), method };
}
