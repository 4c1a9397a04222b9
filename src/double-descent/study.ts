/**
 * The model-wise double-descent study: one 'dd-mlp' task per (width, seed) for the study
 * executors, and the rebuild that turns finished run records into summary.json,
 * double-descent.png and epochwise.png. Pure apart from rendering (no file I/O).
 */
import type { RunRecord, RunTask } from '../studies/types.js';
import type { Figure } from '../report/write-report.js';
import { optionError } from '../errors.js';
import { analyzeSweep, epochCurves, type DoubleDescentAnalysis } from './analysis.js';
import { modelwiseSpec, epochwiseSpec } from '../figures/double-descent.js';
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
  return [...c.widths].sort((a, b) => a - b).flatMap((width) => c.seeds.map((seed) => ({
    id: `w${pad(width, wd)}-seed${pad(seed, sd)}`, kind: 'dd-mlp', config: { ...c.base, width, seed },
  })));
}

export async function rebuildDoubleDescent(c: DoubleDescentStudyConfig, records: RunRecord<MlpTaskResult>[], o: RebuildOptions = {}): Promise<{ summary: Record<string, unknown>; figures: Figure[] }> {
  const { renderSpec } = await import('../render/render-png.js');
  const runs = records.map((r) => r.result);
  const analysis = analyzeSweep(runs, { nTrain: c.nTrain, outputs: c.base.classes, interpolationTol: o.interpolationTol ?? 0.005, margin: o.margin });
  const noiseLabel = `label noise ${Math.round(c.base.labelNoise * 100)}%`;
  const figures: Figure[] = [];
  if (analysis.points.length >= 2) {
    const spec = modelwiseSpec(analysis, { family: c.family, noiseLabel });
    figures.push({ name: 'double-descent', png: (await renderSpec(spec as never, { scale: o.scale })).png, spec });
  }
  const curves = epochCurves(runs);
  if (curves.length && curves[0].epoch.length >= 2) {
    const spec = epochwiseSpec(curves, { family: c.family, noiseLabel, highlight: analysis.peak?.width });
    figures.push({ name: 'epochwise', png: (await renderSpec(spec as never, { scale: o.scale })).png, spec });
  }
  return { summary: summarize(c, analysis, records), figures };
}

function summarize(c: DoubleDescentStudyConfig, a: DoubleDescentAnalysis, records: RunRecord<MlpTaskResult>[]): Record<string, unknown> {
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
    epochwise: epochCurves(records.map((r) => r.result)).map((cv) => ({ width: cv.width, params: cv.params, epoch: cv.epoch, testError: cv.testError.map((s) => s.median), trainError: cv.trainError.map((s) => s.median) })),
    runList: records.map((r) => ({ id: r.id, elapsedMs: r.elapsedMs, ...withoutEpochs(r.result) })),
  };
}

const withoutEpochs = ({ epochs: _e, ...rest }: MlpTaskResult) => rest;
