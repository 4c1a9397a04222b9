/**
 * The optimizers study summary, pure: records → per setting the median final validation loss
 * (train loss without a validation split), each optimizer's best setting (lowest median), and for
 * the best settings: final losses, sharpness, the loss history (median and quartile band per epoch
 * over seeds) and the steps to reach a target train loss.
 */
import type { RunRecord } from './types.js';
import type { TrainMeasureResult, TrainMeasureConfig } from './tasks/train-and-measure.js';
import { describe, quantile, type Stats } from './stats.js';
import { settingKey } from './optimizers-study.js';
import type { OptimizerConfig } from '../train/index.js';

export interface SettingSummary {
  key: string;
  optimizer: OptimizerConfig;
  runs: number;
  selectionLoss: number;
}

export interface BestSummary {
  name: string;
  setting: SettingSummary;
  runIds: string[];
  trainLoss: Stats;
  valLoss?: Stats;
  testLoss?: Stats;
  testAccuracy?: Stats;
  lambdaMax?: Stats;
  /** λmax of each seed's minimum, in runIds order (NaN where sharpness was not measured). */
  lambdaMaxPerRun: number[];
  trace?: Stats;
  /** Steps until the epoch train loss first reached the target, per seed (null: never); the median is the lower median, null when most seeds never reach it. */
  stepsToTarget: (number | null)[];
  stepsToTargetMedian: number | null;
  history: { epoch: number[]; step: number[]; median: number[]; q25: number[]; q75: number[] };
}

export interface OptimizersSummary {
  selectedOn: 'validation' | 'train';
  settings: Record<string, SettingSummary[]>;
  best: BestSummary[];
  targetLoss: number;
}

const optOf = (r: RunRecord<TrainMeasureResult>) => (r.config as TrainMeasureConfig).run.optimizer as OptimizerConfig;
const maybe = <K extends string>(k: K, v: number[]) => (v.length ? ({ [k]: describe(v) } as Record<K, Stats>) : {});

export function optimizersSummary(records: RunRecord<TrainMeasureResult>[], names: string[], target: number | null): OptimizersSummary {
  const selectedOn = records.some((r) => r.result.val) ? 'validation' : 'train';
  const sel = (r: RunRecord<TrainMeasureResult>) => (selectedOn === 'validation' ? (r.result.val?.loss ?? NaN) : r.result.train.loss);
  const bySetting = new Map<string, RunRecord<TrainMeasureResult>[]>();
  for (const r of records) bySetting.set(settingKey(optOf(r)), [...(bySetting.get(settingKey(optOf(r))) ?? []), r]);
  const settings: Record<string, SettingSummary[]> = {};
  for (const [key, recs] of bySetting) {
    const o = optOf(recs[0]);
    const med = describe(recs.map(sel)).median;
    (settings[o.name] ??= []).push({ key, optimizer: o, runs: recs.length, selectionLoss: Number.isFinite(med) ? med : Infinity });
  }
  const chosen = names
    .filter((n) => settings[n])
    .map((n) => [...settings[n]].sort((a, b) => a.selectionLoss - b.selectionLoss || a.key.localeCompare(b.key))[0]);
  const groups = chosen.map((s) => bySetting.get(s.key)!);
  const targetLoss = target ?? Math.max(...groups.map((g) => describe(g.map((r) => r.result.train.loss)).median).filter(Number.isFinite));
  const best = chosen.map((s, i) => bestSummary(s, groups[i], targetLoss));
  return { selectedOn, settings, best, targetLoss };
}

function bestSummary(s: SettingSummary, recs: RunRecord<TrainMeasureResult>[], target: number): BestSummary {
  const res = recs.map((r) => r.result);
  const steps = res.map((x) => x.epochs.find((e) => e.trainLoss <= target)?.step ?? null);
  const ordered = steps.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const lowerMedian = ordered[Math.floor((ordered.length - 1) / 2)];
  const len = Math.min(...res.map((x) => x.epochs.length));
  const at = (k: number) =>
    res
      .map((x) => x.epochs[k].trainLoss)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
  const ks = Array.from({ length: len }, (_, k) => k);
  return {
    name: s.optimizer.name,
    setting: s,
    runIds: recs.map((r) => r.id),
    trainLoss: describe(res.map((x) => x.train.loss)),
    ...maybe(
      'valLoss',
      res.flatMap((x) => (x.val ? [x.val.loss] : [])),
    ),
    ...maybe(
      'testLoss',
      res.flatMap((x) => (x.test ? [x.test.loss] : [])),
    ),
    ...maybe(
      'testAccuracy',
      res.flatMap((x) => (x.test?.accuracy !== undefined ? [x.test.accuracy] : [])),
    ),
    ...maybe(
      'lambdaMax',
      res.flatMap((x) => (x.sharpness ? [x.sharpness.lambdaMax] : [])),
    ),
    lambdaMaxPerRun: res.map((x) => x.sharpness?.lambdaMax ?? NaN),
    ...maybe(
      'trace',
      res.flatMap((x) => (x.sharpness ? [x.sharpness.trace] : [])),
    ),
    stepsToTarget: steps,
    stepsToTargetMedian: Number.isFinite(lowerMedian) ? lowerMedian : null,
    history: {
      epoch: ks.map((k) => res[0].epochs[k].epoch),
      step: ks.map((k) => res[0].epochs[k].step),
      median: ks.map((k) => quantile(at(k), 0.5)),
      q25: ks.map((k) => quantile(at(k), 0.25)),
      q75: ks.map((k) => quantile(at(k), 0.75)),
    },
  };
}
