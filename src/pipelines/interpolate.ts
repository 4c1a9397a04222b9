/** interpolate: loss and accuracy along (1−α)θ_A + αθ_B, with the barrier height (Goodfellow et al. 2015). */
import { readCheckpoint } from '../io/checkpoint-read.js';
import { loadModel } from '../objective/model-bundle.js';
import { interpolate, assertSameLayout, endsBatchNorm, type InterpolationResult } from '../landscape/interpolate.js';
import { interpolationFigure } from '../figures/landscape.js';
import { formatTable, num } from '../report/text-table.js';
import { optionError } from '../errors.js';
import { ANALYSIS_DEFAULTS, requireData, type AnalysisOptions } from './common.js';
import { batchNormPlan, checkBatchNormArgs, type BatchNormChoice, type BatchNormPlan } from './batch-norm-plan.js';
import type { AnalysisPipeline } from './run-analysis.js';
import { INTERPOLATE_DEFAULTS } from './defaults.js';

/** The interpolate command's options: checkpoints A and B, the α grid and the batch-norm handling. */
export interface InterpolateOptions extends Omit<AnalysisOptions, 'model'>, BatchNormChoice {
  /** Checkpoint A (model.json or its folder). */
  from: string;
  /** Checkpoint B (same architecture). */
  to: string;
  range?: [number, number];
  points?: number;
}

export { INTERPOLATE_DEFAULTS };

/** The `interpolate` command as a pipeline for runAnalysis: the path between two checkpoints and its barrier. */
export const interpolatePipeline: AnalysisPipeline<InterpolateOptions & { model: string }> = {
  command: 'interpolate',
  check(o) {
    requireData(o);
    checkBatchNormArgs(o);
    const points = o.points ?? INTERPOLATE_DEFAULTS.points;
    if (!Number.isInteger(points) || points < 2) throw optionError('points', `must be an integer ≥ 2, got ${points}`);
  },
  async run({ problem, progress }, o) {
    const points = o.points ?? INTERPOLATE_DEFAULTS.points;
    const b = loadModel(await readCheckpoint(o.to), problem.model.loss);
    assertSameLayout(problem.model.layout, b.layout, problem.model.checkpoint.path, b.checkpoint.path);
    const bn = batchNormPlan(problem, o);
    // default: each end with its own checkpoint's moving statistics, interpolated in between
    const batchNormAt = bn.at ?? endsBatchNorm(problem.model, b);
    const bar = progress(`interpolate ${points} points`);
    const r = await interpolate(problem.train!.objective, problem.test?.objective, problem.model.theta0, b.theta0, {
      range: o.range ?? INTERPOLATE_DEFAULTS.range,
      points,
      onProgress: bar,
      batchNormAt,
    });
    bar.done();
    const figure = await interpolationFigure(r, { scale: o.scale ?? ANALYSIS_DEFAULTS.scale, from: o.from, to: o.to });
    const batchNorm = interpolationBatchNorm(bn.summary);
    return { summary: { from: o.from, to: o.to, interpolation: r, batchNorm }, figures: [figure], digest: interpolationDigest(r, bn.summary) };
  },
};

/**
 * The interpolation's problem is checkpoint A's: `from` is the model the data is checked against.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { withModelFrom } from 'losslens/pipelines';
 *
 * type InterpolateOptions = Parameters<typeof withModelFrom>[0];
 * const o = withModelFrom({ from: 'fixtures/spiral-tanh', to: 'fixtures/spiral-tanh-seed2', data: 'fixtures/spiral-tanh/train.csv' } as InterpolateOptions);
 * assert.equal(o.model, 'fixtures/spiral-tanh');
 * ```
 */
export const withModelFrom = (o: InterpolateOptions): InterpolateOptions & { model: string } => ({ ...o, model: o.from });

/** The interpolation's digest: both ends, the barrier and the distance (the local and the queued run share it). */
export function interpolationDigest(r: InterpolationResult, bn: BatchNormPlan['summary']): string {
  const rows = [
    ['loss at A (α=0)', num(r.ends.lossA)],
    ['loss at B (α=1)', num(r.ends.lossB)],
    ['barrier height', `${num(r.barrier)} at α=${num(r.barrierAlpha)}`],
    ['‖θ_A − θ_B‖', num(r.distance)],
  ];
  if (bn.recomputed) rows.push(['BatchNorm statistics', `recomputed at each point (${bn.samples} samples)`]);
  return formatTable(['interpolation', ''], rows);
}

/** What summary.json records of the BatchNorm handling: with the ends' statistics, how they are interpolated. */
export function interpolationBatchNorm(bn: BatchNormPlan['summary']): BatchNormPlan['summary'] & { interpolated?: string } {
  return bn.recomputed || bn.layers.length === 0
    ? bn
    : { ...bn, interpolated: "mean linearly, variance geometrically between the two checkpoints' moving statistics" };
}
