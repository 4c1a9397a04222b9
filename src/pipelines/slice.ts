/** slice: the loss along 1 or 2 directions around the checkpoint (Li et al. 2018). */
import { computeSlice, type SliceResult } from '../landscape/slice.js';
import type { DirectionInfo } from '../landscape/directions.js';
import { sliceFigures } from '../figures/landscape.js';
import { vectorBytes } from '../io/vector-file.js';
import { formatTable, num } from '../report/text-table.js';
import { optionError } from '../errors.js';
import { ANALYSIS_DEFAULTS, requireData, type AnalysisOptions } from './common.js';
import { chooseDirections, directionSource, type DirectionOptions } from './direction-sources.js';
import { batchNormPlan, checkBatchNormArgs, type BatchNormChoice } from './batch-norm-plan.js';
import type { AnalysisPipeline } from './run-analysis.js';
import { SLICE_DEFAULTS } from './defaults.js';

/** The slice command's options: 1-D or 2-D, the α range and points, the directions and the batch-norm handling. */
export interface SliceOptions extends AnalysisOptions, DirectionOptions, BatchNormChoice {
  dims?: 1 | 2;
  /** α range (default [-1, 1]). */
  range?: [number, number];
  /** β range of 2-D slices (default: range). */
  yRange?: [number, number];
  /** Points per axis. */
  points?: number;
  /** Colour scale of the 2-D figure (default: log when the loss spans > 2 decades). */
  colorScale?: 'log' | 'linear';
}

export { SLICE_DEFAULTS };

function check(o: SliceOptions): void {
  requireData(o);
  checkBatchNormArgs(o);
  const points = o.points ?? SLICE_DEFAULTS.points;
  if (!Number.isInteger(points) || points < 2) throw optionError('points', `must be an integer ≥ 2, got ${points}`);
  directionSource(o, o.seed ?? ANALYSIS_DEFAULTS.seed);
}

/** The `slice` command as a pipeline for runAnalysis: 1-D or 2-D loss slices with their figures. */
export const slicePipeline: AnalysisPipeline<SliceOptions> = {
  command: 'slice',
  check,
  async run({ problem, progress }, o) {
    const dims = o.dims === 2 ? 2 : 1;
    const points = o.points ?? SLICE_DEFAULTS.points;
    const range = o.range ?? SLICE_DEFAULTS.range;
    const bn = batchNormPlan(problem, o);
    const dirs = await chooseDirections(problem.model, directionSource(o, o.seed ?? ANALYSIS_DEFAULTS.seed), dims, o.orthogonalize);
    const bar = progress(dims === 2 ? `slice ${points}×${points}` : `slice ${points} points`);
    const t0 = Date.now();
    const result = await computeSlice(problem.train!.objective, problem.test?.objective, problem.model.theta0, dirs.d1, dirs.d2, {
      dims,
      range,
      yRange: o.yRange,
      points,
      onProgress: bar,
      batchNormAt: bn.at,
    });
    bar.done();
    const figures = await sliceFigures(result, {
      scale: o.scale ?? ANALYSIS_DEFAULTS.scale,
      colorScale: o.colorScale,
      model: problem.model.checkpoint.path,
      pca: dirs.pca,
    });
    const files = [{ name: 'direction1.f32', data: vectorBytes(dirs.d1) }, ...(dirs.d2 ? [{ name: 'direction2.f32', data: vectorBytes(dirs.d2) }] : [])];
    const summary = {
      slice: result,
      directions: dirs.info.map((d, i) => ({ ...d, file: `direction${i + 1}.f32` })),
      ...(dirs.pca ? { pca: dirs.pca } : {}),
      batchNorm: bn.summary,
      timings: { gridMs: Date.now() - t0, perPointMs: (Date.now() - t0) / result.evaluations },
    };
    const digest = sliceDigest(result, dirs.info, bn.summary);
    return { summary, figures, files, digest };
  },
};

/** The slice's digest: base loss, the grid's range, points, directions and the BatchNorm handling (the local and the queued run share it). */
export function sliceDigest(result: SliceResult, info: DirectionInfo[], bn: { recomputed: boolean; samples?: number }): string {
  const lossArr = result.dims === 2 ? result.train.loss.flat() : result.train.loss;
  const rows = [
    ['base loss (α=0)', num(result.baseLoss)],
    ['min / max on grid', `${num(Math.min(...lossArr))} / ${num(Math.max(...lossArr))}`],
    ['points', String(lossArr.length)],
    ['directions', info.map((d) => d.source).join(', ')],
    ...(bn.recomputed ? [['BatchNorm statistics', `recomputed at each point (${bn.samples} samples)`]] : []),
  ];
  return formatTable(['slice', ''], rows);
}
