/**
 * Error bars where the sample matters: the same Hessian analysis on R disjoint data subsets,
 * summarised as mean ± standard deviation (and min/max) of λmax, every top/bottom Ritz value,
 * the trace and the saddle-index fractions. Small-batch curvature varies a lot; users see how much.
 */
import type { Objective } from '../objective/types.js';
import { analyzeHessian, type HessianResult } from './analyze-hessian.js';
import type { HessianOptions } from './hessian-options.js';

export interface Spread {
  mean: number;
  std: number;
  min: number;
  max: number;
  values: number[];
}

/**
 * The spread of λmax, the extreme eigenvalues, the trace and the saddle fractions over disjoint data
 * subsets of one size (the hessian command's `--repeats`).
 */
export interface RepeatsResult {
  repeats: number;
  samplesPerRepeat: number;
  lambdaMax: Spread;
  top: Spread[];
  bottom: Spread[];
  trace: Spread;
  saddleFraction: { tau: number; spread: Spread }[];
  definition: string;
}

export function spread(values: number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...values), max: Math.max(...values), values };
}

/** One subset's share of the repeats: the values the spread is taken over (what a queued subset job returns). */
export interface RepeatRun {
  top: number[];
  bottom: number[];
  trace: number;
  saddleFractions: { tau: number; fraction: number }[];
}

/** The seed of subset i's analysis: distinct per subset, fixed by the run's seed. */
export const repeatSeed = (seed: number, i: number): number => seed + 7919 * (i + 1);

/** The options of subset i's analysis (no per-layer blocks, no vectors, its own seed). */
export const repeatOptions = (options: Partial<HessianOptions>, i: number): Partial<HessianOptions> => ({
  ...options,
  perLayer: false,
  vectors: false,
  seed: repeatSeed(options.seed ?? 0, i),
});

/** The values of one subset's analysis that the repeats summarise. */
export function repeatRunOf(r: HessianResult): RepeatRun {
  return {
    top: r.eigenvalues.top,
    bottom: r.eigenvalues.bottom,
    trace: r.trace.estimate,
    saddleFractions: r.saddleIndex.thresholds.map((t) => ({ tau: t.tau, fraction: t.fraction })),
  };
}

/** Mean, standard deviation, min and max of each quantity over the subsets' runs (in subset order). */
export function summarizeRepeats(runs: RepeatRun[], samplesPerRepeat: number): RepeatsResult {
  const at = (f: (r: RepeatRun) => number | undefined) => spread(runs.map(f).filter((x): x is number => x !== undefined));
  const k = Math.min(...runs.map((r) => r.top.length));
  const kb = Math.min(...runs.map((r) => r.bottom.length));
  return {
    repeats: runs.length,
    samplesPerRepeat,
    lambdaMax: at((r) => r.top[0]),
    top: Array.from({ length: k }, (_, i) => at((r) => r.top[i])),
    bottom: Array.from({ length: kb }, (_, i) => at((r) => r.bottom[i])),
    trace: at((r) => r.trace),
    saddleFraction: runs[0].saddleFractions.map((t, i) => ({ tau: t.tau, spread: at((r) => r.saddleFractions[i].fraction) })),
    definition: 'each quantity computed on R disjoint seeded subsets of the data (same size); mean, sample standard deviation (n−1), min and max over subsets',
  };
}

/** The Hessian analysis on each subset in turn, summarised by {@link summarizeRepeats}. */
export async function hessianRepeats(
  subsets: Objective[],
  options: Partial<HessianOptions>,
  onProgress?: (done: number, total: number) => void,
): Promise<RepeatsResult> {
  const runs: RepeatRun[] = [];
  for (const [i, obj] of subsets.entries()) {
    runs.push(repeatRunOf(await analyzeHessian(obj, repeatOptions(options, i))));
    onProgress?.(i + 1, subsets.length);
  }
  return summarizeRepeats(runs, subsets[0]?.n ?? 0);
}
