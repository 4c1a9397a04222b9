/**
 * The batch-size study summary, pure: finished records (+ the slices of the smallest- and
 * largest-batch minima) → per batch size the distributions of final losses and accuracies, the
 * generalisation gap, sharpness (λmax, trace, random-direction), steps and wall time; and rank
 * correlations of sharpness with batch size and of the gap with sharpness (Keskar et al. 2017:
 * larger batches → sharper minima → larger gap).
 *
 * Generalisation gap: test − train loss (and train − test accuracy); without a test set the
 * validation split stands in, and `gapAgainst` says which.
 */
import type { RunRecord } from './types.js';
import type { TrainMeasureConfig, TrainMeasureResult } from './tasks/train-and-measure.js';
import { describe, spearman, type Stats } from './stats.js';
import type { LrScaling } from './batch-size-study.js';
import type { BatchSlices } from './batch-size-slices.js';

export interface BatchRun {
  id: string;
  batchSize: number;
  seed: number;
  lr: number;
  status: string;
  steps: number;
  epochsRun: number;
  /** Wall-clock ms of the run (training + measuring), as recorded by the executor. */
  wallMs: number;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  /** Held-out loss − train loss. */
  gap?: number;
  /** Train accuracy − held-out accuracy. */
  accuracyGap?: number;
  lambdaMax?: number;
  lambdaMaxConverged?: boolean;
  trace?: number;
  traceStderr?: number | null;
  randomDirectionSharpness?: number;
  randomDirectionStderr?: number | null;
}

export type Measure =
  'trainLoss' | 'trainAccuracy' | 'testLoss' | 'testAccuracy' | 'gap' | 'accuracyGap' | 'lambdaMax' | 'trace' | 'randomDirectionSharpness' | 'steps' | 'wallMs';
const MEASURES: Measure[] = [
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'gap',
  'accuracyGap',
  'lambdaMax',
  'trace',
  'randomDirectionSharpness',
  'steps',
  'wallMs',
];

export interface BatchSummary {
  batchSize: number;
  lr: number;
  runs: BatchRun[];
  /** Stats over seeds of each measure present in the runs. */
  stats: Partial<Record<Measure, Stats>>;
}

export interface Correlation {
  rho: number;
  n: number;
}

export interface BatchSizeSummary {
  lrScaling: LrScaling;
  baseBatchSize: number;
  baseLr: number;
  /** Which held-out set the gap and the "test" columns use (null: none). */
  gapAgainst: 'test' | 'validation' | null;
  batchSizes: BatchSummary[];
  /** Spearman ρ over all runs of batch size with each sharpness measure. */
  sharpnessVsBatchSize: { lambdaMax: Correlation; trace: Correlation; randomDirection: Correlation };
  /** Spearman ρ over all runs of the generalisation gap (loss) with each sharpness measure. */
  gapVsSharpness: { lambdaMax: Correlation; trace: Correlation; randomDirection: Correlation };
  /** Median λmax of the largest batch size over that of the smallest (NaN without sharpness). */
  sharpnessRatio: number;
  slices?: BatchSlices;
}

export function batchRun(r: RunRecord<TrainMeasureResult>): BatchRun {
  const x = r.result;
  const run = (r.config as TrainMeasureConfig).run;
  const held = x.test ?? x.val;
  const s = x.sharpness;
  return {
    id: r.id,
    batchSize: run.batchSize ?? 32,
    seed: x.seed,
    lr: run.optimizer?.lr ?? NaN,
    status: x.status,
    steps: x.steps,
    epochsRun: x.epochsRun,
    wallMs: r.elapsedMs,
    trainLoss: x.train.loss,
    ...(x.train.accuracy !== undefined ? { trainAccuracy: x.train.accuracy } : {}),
    ...(held ? { testLoss: held.loss, gap: held.loss - x.train.loss } : {}),
    ...(held?.accuracy !== undefined
      ? { testAccuracy: held.accuracy, ...(x.train.accuracy !== undefined ? { accuracyGap: x.train.accuracy - held.accuracy } : {}) }
      : {}),
    ...(s
      ? {
          lambdaMax: s.lambdaMax,
          lambdaMaxConverged: s.lambdaMaxConverged,
          trace: s.trace,
          traceStderr: s.traceStderr,
          randomDirectionSharpness: s.randomDirection.mean,
          randomDirectionStderr: s.randomDirection.stderr,
        }
      : {}),
  };
}

function statsOf(runs: BatchRun[]): Partial<Record<Measure, Stats>> {
  const out: Partial<Record<Measure, Stats>> = {};
  for (const m of MEASURES) {
    const v = runs.map((r) => r[m]).filter((x): x is number => typeof x === 'number');
    if (v.length) out[m] = describe(v);
  }
  return out;
}

export function batchSizeSummary(
  records: RunRecord<TrainMeasureResult>[],
  c: { batchSizes: number[]; lrScaling: LrScaling; baseBatchSize: number; baseLr: number },
  slices?: BatchSlices,
): BatchSizeSummary {
  const all = records.map(batchRun);
  const groups: BatchSummary[] = c.batchSizes.map((b) => {
    const runs = all.filter((r) => r.batchSize === b).sort((x, y) => x.seed - y.seed);
    return { batchSize: b, lr: runs[0]?.lr ?? NaN, runs, stats: statsOf(runs) };
  });
  const gapAgainst = records.some((r) => r.result.test) ? 'test' : records.some((r) => r.result.val) ? 'validation' : null;
  const num = (v: number | undefined) => v ?? NaN;
  const rho = (x: (r: BatchRun) => number | undefined, y: (r: BatchRun) => number | undefined) =>
    spearman(
      all.map((r) => num(x(r))),
      all.map((r) => num(y(r))),
    );
  const withRuns = groups.filter((g) => g.runs.length > 0);
  const med = (g: BatchSummary | undefined) => g?.stats.lambdaMax?.median ?? NaN;
  return {
    lrScaling: c.lrScaling,
    baseBatchSize: c.baseBatchSize,
    baseLr: c.baseLr,
    gapAgainst,
    batchSizes: groups,
    sharpnessVsBatchSize: {
      lambdaMax: rho(
        (r) => r.batchSize,
        (r) => r.lambdaMax,
      ),
      trace: rho(
        (r) => r.batchSize,
        (r) => r.trace,
      ),
      randomDirection: rho(
        (r) => r.batchSize,
        (r) => r.randomDirectionSharpness,
      ),
    },
    gapVsSharpness: {
      lambdaMax: rho(
        (r) => r.lambdaMax,
        (r) => r.gap,
      ),
      trace: rho(
        (r) => r.trace,
        (r) => r.gap,
      ),
      randomDirection: rho(
        (r) => r.randomDirectionSharpness,
        (r) => r.gap,
      ),
    },
    sharpnessRatio: withRuns.length >= 2 ? med(withRuns.at(-1)) / med(withRuns[0]) : NaN,
    ...(slices ? { slices } : {}),
  };
}
