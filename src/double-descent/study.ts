/**
 * The model-wise double-descent study: one 'dd-mlp' task per (width, seed) for the study
 * executors, and the summary of finished run records (pure; the figures are drawn by
 * src/pipelines/double-descent-rebuild.ts).
 */
import type { RunRecord, RunTask } from '../studies/types.js';
import { optionError } from '../errors.js';
import { epochCurves, type DoubleDescentAnalysis } from './analysis.js';
import type { MlpTaskConfig, MlpTaskResult } from './train-task.js';

export interface DoubleDescentStudyConfig {
  /** Everything a run shares; width and seed come from the lists. */
  base: Omit<MlpTaskConfig, 'width' | 'seed'>;
  widths: number[];
  seeds: number[];
  /** Training samples (after --samples), for the expected threshold n × K. */
  nTrain: number;
  /** e.g. "MLP 16→w→4 on fixtures/double-descent". */
  family: string;
}

export interface RebuildOptions {
  scale?: number;
  margin?: number;
  interpolationTol?: number;
}

/** The handler module of these tasks (for the executors). */
export const DOUBLE_DESCENT_HANDLER = new URL('./train-task.' + (import.meta.url.endsWith('.ts') ? 'ts' : 'js'), import.meta.url);

export function checkWidths(widths: number[], field = 'widths'): void {
  if (widths.length === 0) throw optionError(field, 'needs at least one width');
  for (const w of widths) if (!(Number.isInteger(w) && w >= 1)) throw optionError(field, `each width must be an integer ≥ 1, got ${w}`);
  if (new Set(widths).size !== widths.length) throw optionError(field, 'widths must be distinct');
}

const pad = (v: number, n: number) => String(v).padStart(n, '0');

export function doubleDescentTasks(c: DoubleDescentStudyConfig): RunTask<MlpTaskConfig>[] {
  checkWidths(c.widths);
  const wd = String(Math.max(...c.widths)).length;
  const sd = Math.max(2, String(Math.max(...c.seeds)).length);
  return [...c.widths]
    .sort((a, b) => a - b)
    .flatMap((width) =>
      c.seeds.map((seed) => ({
        id: `w${pad(width, wd)}-seed${pad(seed, sd)}`,
        kind: 'dd-mlp',
        config: { ...c.base, width, seed },
      })),
    );
}

/** summary.json of the finished runs (the rebuild in src/pipelines/double-descent-rebuild.ts adds the figures). */
export function summarizeDoubleDescent(c: DoubleDescentStudyConfig, a: DoubleDescentAnalysis, records: RunRecord<MlpTaskResult>[]): Record<string, unknown> {
  return {
    mode: 'model-wise',
    family: c.family,
    labelNoise: c.base.labelNoise,
    nTrain: c.nTrain,
    classes: c.base.classes,
    loss: c.base.loss,
    training: c.base.run,
    stopAtZeroTrainError: c.base.stopAtZeroTrainError,
    widths: c.widths,
    seeds: c.seeds,
    threshold: a.threshold,
    peak: a.peak,
    firstDescentMin: a.firstDescentMin,
    secondDescent: a.secondDescent,
    doubleDescentObserved: a.observed,
    points: a.points,
    epochwise: epochCurves(records.map((r) => r.result)).map((cv) => ({
      width: cv.width,
      params: cv.params,
      epoch: cv.epoch,
      testError: cv.testError.map((s) => s.median),
      trainError: cv.trainError.map((s) => s.median),
    })),
    runList: records.map((r) => ({ id: r.id, elapsedMs: r.elapsedMs, ...withoutEpochs(r.result) })),
  };
}

const withoutEpochs = ({ epochs: _e, ...rest }: MlpTaskResult) => rest;
