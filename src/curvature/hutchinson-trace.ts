/**
 * Stochastic trace estimation from matvecs only.
 *
 * - 'hutchinson' (Hutchinson 1990): tr(H) ≈ (1/p) Σ zᵢᵀHzᵢ with Rademacher zᵢ; unbiased,
 *   stderr = sample standard deviation / √p (sample variance with p − 1).
 * - 'hutch++' (Meyer, Musco, Musco, Woodruff 2021): the matvec budget p is split in thirds:
 *   k = ⌊p/3⌋ Rademacher sketch columns S, Q = orth(H S) (k matvecs), the exact trace of the
 *   projection tr(QᵀHQ) (k matvecs), and Hutchinson on the deflated remainder
 *   (I−QQᵀ)H(I−QQᵀ) with the remaining p − 2k probes. It removes the variance of the top
 *   eigen-directions, which dominate a Hessian's trace. The reported stderr is that of the
 *   residual Hutchinson part only, conditional on the sketch S (tr(QᵀHQ) is exact for that S).
 * - 'xtrace' (Epperly, Tropp, Webber 2024; xtrace.ts): Hutch++ made exchangeable, p/2 test
 *   vectors each used for both the sketch and the residual; stderr = std of its p/2
 *   leave-one-out samples / √(p/2), the paper's error estimate: a heuristic, since the
 *   samples are exchangeable but not independent (≈1.6× optimistic on a test spectrum).
 * `onProduct` sees every product (z, Hz) with an undeflated Rademacher z, so the same matvecs
 * also give the Hutchinson diagonal and the Frobenius norm (diagonal-estimate.ts).
 */
import { optionError } from '../errors.js';
import { rademacherVector } from '../random.js';
import { xSketch, xtraceFromSketch } from './xtrace.js';
import { applyMatVec, dot, normalize, orthogonalize, type MatVec, type OnProgress } from './vector-ops.js';

/** The trace estimator: plain Hutchinson, Hutch++ (a low-rank sketch plus Hutchinson on the rest) or XTrace. */
export type TraceMethod = 'hutchinson' | 'hutch++' | 'xtrace';
export const TRACE_METHODS: readonly TraceMethod[] = ['hutchinson', 'hutch++', 'xtrace'];

/** hutchinsonTrace's options: the number of probes (the matvec budget), the seed and the method. */
export interface TraceOptions {
  /** Matvec budget (= probes for plain Hutchinson); default 30; Hutch++ needs ≥ 3. */
  probes?: number;
  seed?: number;
  method?: TraceMethod;
  /** Return the per-probe samples (the residual part's samples for Hutch++). */
  keepSamples?: boolean;
  onProgress?: OnProgress;
  /** Called with each undeflated Rademacher probe and its product. */
  onProduct?: (z: Float64Array, hz: Float64Array) => void;
}

/** A trace estimate with its standard error, the products it used and the method. */
export interface TraceResult {
  estimate: number;
  /** Standard error of the estimate (see method notes); null with fewer than 2 samples. */
  stderr: number | null;
  /** Matvec budget used (the p of the method notes). */
  probes: number;
  matvecs: number;
  method: TraceMethod;
  /** Rank of the Hutch++ sketch Q (absent for Hutchinson). */
  sketchRank?: number;
  samples?: number[];
}

/** Distinct, deterministic seed for probe i of a run seeded `seed`. */
function probeSeed(seed: number, i: number): number {
  return (seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0;
}

/**
 * A stochastic estimate of tr(A) from matrix-vector products with random probes (Hutchinson;
 * Hutch++ and XTrace as `method`), with its standard error and the number of products used.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, hutchinsonTrace } from 'losslens/curvature';
 *
 * const op = diagonalOperator(Array.from({ length: 100 }, (_, i) => i / 10)); // trace 495
 * const t = await hutchinsonTrace(op.matvec, op.dim, { probes: 30, seed: 1, method: 'hutch++' });
 * assert.ok(Math.abs(t.estimate - 495) < 4 * t.stderr! + 1e-9);
 * assert.equal(t.matvecs, 30);
 * ```
 */
export async function hutchinsonTrace(matvec: MatVec, dim: number, options: TraceOptions = {}): Promise<TraceResult> {
  const method = options.method ?? 'hutchinson';
  const probes = options.probes ?? 30;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(dim) || dim < 1) throw optionError('dim', `must be a positive integer, got ${dim}`);
  if (!TRACE_METHODS.includes(method)) throw optionError('method', `must be one of ${TRACE_METHODS.join(', ')}; got ${String(method)}`);
  const minProbes = method === 'hutch++' ? 3 : method === 'xtrace' ? 4 : 1;
  if (!Number.isInteger(probes) || probes < minProbes) throw optionError('probes', `must be an integer ≥ ${minProbes} for ${method}, got ${probes}`);
  const progress = counter(probes, options.onProgress);
  const result =
    method === 'hutchinson'
      ? await plainHutchinson(matvec, dim, probes, seed, [], progress, options.onProduct)
      : method === 'hutch++'
        ? await hutchPlusPlus(matvec, dim, probes, seed, progress, options.onProduct)
        : await xtraceMethod(matvec, dim, probes, seed, options.onProgress, options.onProduct);
  if (!options.keepSamples) delete result.samples;
  return result;
}

function counter(total: number, onProgress?: OnProgress): () => void {
  let done = 0;
  return () => onProgress?.(++done, total);
}

/** Hutchinson on (I−QQᵀ)H(I−QQᵀ) (plain Hutchinson when Q is empty). */
async function plainHutchinson(
  matvec: MatVec,
  dim: number,
  probes: number,
  seed: number,
  Q: Float64Array[],
  tick: () => void,
  onProduct?: (z: Float64Array, hz: Float64Array) => void,
): Promise<TraceResult> {
  const samples: number[] = [];
  for (let i = 0; i < probes; i++) {
    const z = orthogonalize(rademacherVector(dim, probeSeed(seed, i)), Q);
    const hz = await applyMatVec(matvec, z);
    if (Q.length === 0) onProduct?.(z, hz);
    samples.push(dot(z, hz));
    tick();
  }
  const { mean, stderr } = meanAndStderr(samples);
  return { estimate: mean, stderr, probes, matvecs: probes, method: 'hutchinson', samples };
}

async function xtraceMethod(
  matvec: MatVec,
  dim: number,
  probes: number,
  seed: number,
  onProgress?: OnProgress,
  onProduct?: (z: Float64Array, hz: Float64Array) => void,
): Promise<TraceResult> {
  const m = Math.min(Math.floor(probes / 2), dim - 1);
  const r = xtraceFromSketch(await xSketch(matvec, dim, m, seed, onProgress, onProduct));
  return { estimate: r.estimate, stderr: r.stderr, probes, matvecs: r.matvecs, method: 'xtrace', sketchRank: m, samples: r.samples };
}

async function hutchPlusPlus(
  matvec: MatVec,
  dim: number,
  probes: number,
  seed: number,
  tick: () => void,
  onProduct?: (z: Float64Array, hz: Float64Array) => void,
): Promise<TraceResult> {
  const k = Math.floor(probes / 3);
  const Q: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    const s = rademacherVector(dim, probeSeed(seed ^ 0x5bd1e995, i));
    const hs = await applyMatVec(matvec, s);
    onProduct?.(s, hs);
    tick();
    orthogonalize(hs, Q);
    // Columns of HS that are (numerically) in the span already add nothing: drop them.
    if (normalize(hs) > 1e-12 * Math.sqrt(dim)) Q.push(hs);
  }
  let lowRank = 0;
  for (const q of Q) {
    lowRank += dot(q, await applyMatVec(matvec, q));
    tick();
  }
  const rest = await plainHutchinson(matvec, dim, probes - 2 * k, seed, Q, tick);
  return {
    estimate: lowRank + rest.estimate,
    stderr: rest.stderr,
    probes,
    matvecs: k + Q.length + rest.matvecs,
    method: 'hutch++',
    sketchRank: Q.length,
    samples: rest.samples,
  };
}

/** Sample mean and its standard error (sample std with n − 1 over √n). */
export function meanAndStderr(samples: readonly number[]): { mean: number; stderr: number | null } {
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, stderr: null };
  const v = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, stderr: Math.sqrt(v / n) };
}
