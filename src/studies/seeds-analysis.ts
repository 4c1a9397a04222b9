/**
 * The seeds study summary, pure: finished records (+ pairwise distances/barriers per width) →
 * per-width distributions of final losses, accuracies and sharpness; whether the final-loss
 * spread tightens with width; rank correlations of sharpness with test loss.
 */
import type { RunRecord } from './types.js';
import type { TrainMeasureResult } from './tasks/train-and-measure.js';
import type { PairwiseResult } from './pairwise.js';
import { upperTriangle } from './pairwise.js';
import { describe, spearman, type Stats } from './stats.js';
import { widthLabel } from './seeds-study.js';

export interface SeedRun {
  id: string;
  seed: number;
  status: string;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  lambdaMax?: number;
  trace?: number;
  randomDirectionSharpness?: number;
  thetaNorm: number;
}

export interface WidthSummary {
  width: number | null;
  label: string;
  params: number;
  runs: SeedRun[];
  trainLoss: Stats;
  testLoss?: Stats;
  trainAccuracy?: Stats;
  testAccuracy?: Stats;
  lambdaMax?: Stats;
  trace?: Stats;
  randomDirectionSharpness?: Stats;
  distance?: Stats;
  barrier?: Stats;
  pairs?: PairwiseResult;
}

export interface SeedsSummary {
  widths: WidthSummary[];
  /** Std of the final train (and test) loss per width, in width order; `tightens`: non-increasing. */
  spread: { widths: (number | null)[]; trainLossStd: number[]; testLossStd?: number[]; tightens: boolean | null };
  /** Spearman ρ of each sharpness measure with the test loss (train loss when there is no test set), over all runs. */
  sharpnessVsLoss: {
    against: 'test' | 'train';
    lambdaMax: { rho: number; n: number };
    trace: { rho: number; n: number };
    randomDirection: { rho: number; n: number };
  };
}

export function seedRun(r: RunRecord<TrainMeasureResult>): SeedRun {
  const x = r.result;
  return {
    id: r.id,
    seed: x.seed,
    status: x.status,
    trainLoss: x.train.loss,
    thetaNorm: x.thetaNorm,
    ...(x.train.accuracy !== undefined ? { trainAccuracy: x.train.accuracy } : {}),
    ...(x.test ? { testLoss: x.test.loss, ...(x.test.accuracy !== undefined ? { testAccuracy: x.test.accuracy } : {}) } : {}),
    ...(x.sharpness ? { lambdaMax: x.sharpness.lambdaMax, trace: x.sharpness.trace, randomDirectionSharpness: x.sharpness.randomDirection.mean } : {}),
  };
}

const statsOf = (runs: SeedRun[], f: (r: SeedRun) => number | undefined): Stats | undefined => {
  const v = runs.map(f).filter((x): x is number => x !== undefined);
  return v.length ? describe(v) : undefined;
};

export function seedsSummary(records: RunRecord<TrainMeasureResult>[], widths: (number | null)[], pairs: Map<string, PairwiseResult>): SeedsSummary {
  const out: WidthSummary[] = widths.map((width) => {
    const recs = records.filter((r) => r.result.width === width);
    const runs = recs.map(seedRun);
    const p = pairs.get(widthLabel(width));
    const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));
    return {
      width,
      label: widthLabel(width),
      params: recs[0]?.result.paramCount ?? 0,
      runs,
      trainLoss: describe(runs.map((r) => r.trainLoss)),
      ...opt(
        'testLoss',
        statsOf(runs, (r) => r.testLoss),
      ),
      ...opt(
        'trainAccuracy',
        statsOf(runs, (r) => r.trainAccuracy),
      ),
      ...opt(
        'testAccuracy',
        statsOf(runs, (r) => r.testAccuracy),
      ),
      ...opt(
        'lambdaMax',
        statsOf(runs, (r) => r.lambdaMax),
      ),
      ...opt(
        'trace',
        statsOf(runs, (r) => r.trace),
      ),
      ...opt(
        'randomDirectionSharpness',
        statsOf(runs, (r) => r.randomDirectionSharpness),
      ),
      ...(p && p.ids.length > 1 ? { distance: describe(upperTriangle(p.distance)), barrier: describe(upperTriangle(p.barrier)), pairs: p } : {}),
    };
  });
  const withRuns = out.filter((w) => w.runs.length > 0);
  const trainStd = withRuns.map((w) => w.trainLoss.std);
  const testStd = withRuns.every((w) => w.testLoss) ? withRuns.map((w) => w.testLoss!.std) : undefined;
  const all = out.flatMap((w) => w.runs);
  const against = all.some((r) => r.testLoss !== undefined) ? 'test' : 'train';
  const loss = all.map((r) => (against === 'test' ? (r.testLoss ?? NaN) : r.trainLoss));
  const num = (v: number | undefined) => v ?? NaN;
  return {
    widths: out,
    spread: {
      widths: withRuns.map((w) => w.width),
      trainLossStd: trainStd,
      ...(testStd ? { testLossStd: testStd } : {}),
      tightens: trainStd.length < 2 || trainStd.some((s) => !Number.isFinite(s)) ? null : trainStd.every((s, i) => i === 0 || s <= trainStd[i - 1]),
    },
    sharpnessVsLoss: {
      against,
      lambdaMax: spearman(
        all.map((r) => num(r.lambdaMax)),
        loss,
      ),
      trace: spearman(
        all.map((r) => num(r.trace)),
        loss,
      ),
      randomDirection: spearman(
        all.map((r) => num(r.randomDirectionSharpness)),
        loss,
      ),
    },
  };
}
