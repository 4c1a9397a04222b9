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

export async function hessianRepeats(
  subsets: Objective[],
  options: Partial<HessianOptions>,
  onProgress?: (done: number, total: number) => void,
): Promise<RepeatsResult> {
  const runs: HessianResult[] = [];
  for (const [i, obj] of subsets.entries()) {
    runs.push(await analyzeHessian(obj, { ...options, perLayer: false, vectors: false, seed: (options.seed ?? 0) + 7919 * (i + 1) }));
    onProgress?.(i + 1, subsets.length);
  }
  const at = (f: (r: HessianResult) => number | undefined) => spread(runs.map(f).filter((x): x is number => x !== undefined));
  const k = Math.min(...runs.map((r) => r.eigenvalues.top.length));
  const kb = Math.min(...runs.map((r) => r.eigenvalues.bottom.length));
  return {
    repeats: runs.length,
    samplesPerRepeat: subsets[0]?.n ?? 0,
    lambdaMax: at((r) => r.eigenvalues.top[0]),
    top: Array.from({ length: k }, (_, i) => at((r) => r.eigenvalues.top[i])),
    bottom: Array.from({ length: kb }, (_, i) => at((r) => r.eigenvalues.bottom[i])),
    trace: at((r) => r.trace.estimate),
    saddleFraction: runs[0].saddleIndex.thresholds.map((t, i) => ({ tau: t.tau, spread: at((r) => r.saddleIndex.thresholds[i].fraction) })),
    definition: 'each quantity computed on R disjoint seeded subsets of the data (same size); mean, sample standard deviation (n−1), min and max over subsets',
  };
}
