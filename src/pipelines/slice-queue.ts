/**
 * `slice --redis`: the slice grid split into blocks of points ('landscape-block' tasks) on the
 * studies engine, so `losslens worker` processes on any machine evaluate them and an interrupted
 * run resumes with its finished blocks kept. The coordinator loads the problem once (a bad file
 * is one error before anything is queued), chooses the directions exactly as the local run does,
 * and ships them as one float64 file beside the model and data; the grid assembled from the
 * blocks equals the local run's to the bit (same per-point function, same objective).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadProblem } from '../problem.js';
import { optionError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { vectorBytes } from '../io/vector-file.js';
import { resolveSliceOptions } from '../landscape/slice.js';
import { sliceAxes } from '../landscape/slice-point.js';
import { objectiveCard } from '../model/model-card.js';
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import { configHash, openStudyFolder } from '../studies/study-folder.js';
import { directionBytes, type BlockGrid, type LandscapeBlockConfig, type LandscapeBlockResult } from '../studies/tasks/landscape-block.js';
import type { RunRecord, RunTask } from '../studies/types.js';
import { ANALYSIS_DEFAULTS, checkScale, problemOptions } from './common.js';
import { chooseDirections, directionSource, type ChosenDirections } from './direction-sources.js';
import { batchNormPlan } from './batch-norm-plan.js';
import { checkExecutorOptions, type ExecutorOptions, type StudyPipeline } from './run-study.js';
import { slicePipeline, sliceDigest, SLICE_DEFAULTS, type SliceOptions } from './slice.js';
import { defaultBlockPoints, gridBlocks, sliceFromBlocks } from './slice-queue-grid.js';

/** The slice's options plus the block size of the queue. */
export interface SliceQueueOptions extends SliceOptions {
  /** Grid points per queued block (default: one row of a 2-D grid, an eighth of a 1-D curve). */
  blockPoints?: number;
}

/** A slice study ready for runStudyPipeline, and the folder it runs in. */
export interface SliceQueueStudy {
  pipeline: StudyPipeline<LandscapeBlockResult>;
  out: string;
}

const abs = (p?: string) => (p === undefined ? undefined : path.resolve(p));

/** What the coordinator learns from loading the problem: directions, objective threads, BatchNorm handling, the objective's card. */
async function inspect(o: SliceQueueOptions, dims: 1 | 2) {
  const problem = await loadProblem(problemOptions(o));
  try {
    const bn = batchNormPlan(problem, o);
    const dirs = await chooseDirections(problem.model, directionSource(o, o.seed ?? ANALYSIS_DEFAULTS.seed), dims, o.orthogonalize);
    return {
      dirs,
      bn: bn.summary,
      workers: problem.workers,
      nativeThreads: problem.workers === 1 ? nativeKernelsInfo()?.threads : undefined,
      card: objectiveCard(problem.model, problem.regularizers),
      model: problem.model.checkpoint.path,
    };
  } finally {
    await problem.dispose();
  }
}

/** The folder's inputs: the float64 directions the workers read, and direction1/2.f32 as the local run writes them. */
async function writeDirections(out: string, dirs: ChosenDirections): Promise<string> {
  const file = path.resolve(out, 'directions.f64');
  await writeFileAtomic(file, directionBytes([dirs.d1, ...(dirs.d2 ? [dirs.d2] : [])]));
  await writeFileAtomic(path.join(out, 'direction1.f32'), vectorBytes(dirs.d1));
  if (dirs.d2) await writeFileAtomic(path.join(out, 'direction2.f32'), vectorBytes(dirs.d2));
  return file;
}

/**
 * The queued slice as a study: options checked, the executor's too (Redis reached), the study
 * folder opened (or resumed) with the directions in it, one task per block of grid points.
 */
export async function sliceQueueStudy(o: SliceQueueOptions, run: ExecutorOptions & { out?: string; force?: boolean }): Promise<SliceQueueStudy> {
  slicePipeline.check!(o);
  checkScale(o.scale);
  const grid: BlockGrid = { dims: o.dims === 2 ? 2 : 1, range: o.range ?? SLICE_DEFAULTS.range, points: o.points ?? SLICE_DEFAULTS.points };
  if (o.yRange) grid.yRange = o.yRange;
  resolveSliceOptions(grid);
  const total = grid.points ** grid.dims;
  const size = o.blockPoints ?? defaultBlockPoints(grid);
  if (!(Number.isInteger(size) && size >= 1 && size <= total))
    throw optionError('blockPoints', `must be an integer in [1, ${total}] (the grid's points), got ${size}`);
  await checkExecutorOptions(run);
  const seen = await inspect(o, grid.dims);
  const problem = {
    ...problemOptions({ ...o, model: abs(o.model)!, data: abs(o.data), x: abs(o.x), y: abs(o.y), testData: abs(o.testData) }),
    workers: seen.workers,
  };
  const dirBytes = directionBytes([seen.dirs.d1, ...(seen.dirs.d2 ? [seen.dirs.d2] : [])]);
  const directions = { sha256: createHash('sha256').update(dirBytes).digest('hex'), info: seen.dirs.info };
  const recomputeBn = o.recomputeBn ?? false;
  // the blocks run on this process' native thread count (the executor stamps it on every job); the study records it
  const { nativeThreads } = seen;
  const config = { problem, grid, recomputeBn, nativeThreads, blockPoints: size, directions };
  const out = run.out ?? path.join('reports', 'studies', `slice-${configHash(config).slice(0, 12)}`);
  await openStudyFolder(out, { command: 'slice', config, force: run.force });
  const dirFile = await writeDirections(out, seen.dirs);
  const blocks = gridBlocks(total, size);
  const pad = String(blocks.length - 1).length;
  const tasks: RunTask<LandscapeBlockConfig>[] = blocks.map(([start, count], k) => ({
    id: `block-${String(k).padStart(pad, '0')}`,
    kind: 'landscape-block',
    config: { problem, grid, recomputeBn, directions: { data: dirFile }, start, count, base: k === 0 },
  }));
  const { alphas, betas } = sliceAxes(grid.dims, grid.range, grid.yRange, grid.points);
  const started = Date.now();
  const rebuild = async (records: RunRecord<LandscapeBlockResult>[]) => {
    const result = sliceFromBlocks(grid, alphas, betas, records, started);
    const common = { directions: seen.dirs.info.map((d, i) => ({ ...d, file: `direction${i + 1}.f32` })), ...(seen.dirs.pca ? { pca: seen.dirs.pca } : {}) };
    if (!result) return { summary: { slice: null, blocks: { total: blocks.length, finished: records.length }, ...common }, figures: [] };
    const { sliceFigures } = await import('../figures/landscape.js');
    const figures = await sliceFigures(result, { scale: o.scale ?? ANALYSIS_DEFAULTS.scale, colorScale: o.colorScale, model: seen.model, pca: seen.dirs.pca });
    const gridMs = records.reduce((s, r) => s + r.elapsedMs, 0);
    const timings = { gridMs, perPointMs: gridMs / result.evaluations, blocks: blocks.length, blockPoints: size };
    return { summary: { slice: result, ...common, batchNorm: seen.bn, objective: seen.card, timings }, figures };
  };
  const digest = (s: Record<string, unknown>) =>
    s.slice ? sliceDigest(s.slice as Parameters<typeof sliceDigest>[0], seen.dirs.info, seen.bn) : `slice: ${JSON.stringify(s.blocks)} blocks finished`;
  return { pipeline: { command: 'slice', config, tasks, rebuild, digest }, out };
}
