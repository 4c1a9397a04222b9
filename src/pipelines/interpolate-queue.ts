/**
 * `interpolate --redis`: the path (1−α)θ_A + αθ_B split into blocks of points ('landscape-block'
 * tasks with `to`) on the studies engine, served by `losslens worker` processes, resumable; the
 * path assembled from the blocks equals the local run's to the bit (same per-point function, same
 * objective, same BatchNorm handling). Checkpoint B travels as a content-addressed input like A.
 */
import path from 'node:path';
import { loadProblem } from '../problem.js';
import { optionError } from '../errors.js';
import { readCheckpoint } from '../io/checkpoint-read.js';
import { loadModel } from '../objective/model-bundle.js';
import { assembleInterpolation, assertSameLayout, endsBatchNorm } from '../landscape/interpolate.js';
import { pathAlphas } from '../landscape/path-point.js';
import { objectiveCard } from '../model/model-card.js';
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import { configHash, openStudyFolder } from '../studies/study-folder.js';
import type { LandscapeBlockResult } from '../studies/tasks/landscape-block.js';
import type { PathBlockConfig } from '../studies/tasks/landscape-path-block.js';
import type { RunRecord, RunTask } from '../studies/types.js';
import { ANALYSIS_DEFAULTS, checkScale, problemOptions } from './common.js';
import { batchNormPlan } from './batch-norm-plan.js';
import { checkExecutorOptions, type ExecutorOptions, type StudyPipeline } from './run-study.js';
import {
  interpolatePipeline,
  interpolationBatchNorm,
  interpolationDigest,
  withModelFrom,
  INTERPOLATE_DEFAULTS,
  type InterpolateOptions,
} from './interpolate.js';
import { gridBlocks, pointsFromBlocks } from './slice-queue-grid.js';

/** The interpolation's options plus the block size of the queue. */
export interface InterpolateQueueOptions extends InterpolateOptions {
  /** Path points per queued block (default: an eighth of the path, at least one). */
  blockPoints?: number;
}

const abs = (p?: string) => (p === undefined ? undefined : path.resolve(p));

/** What the coordinator learns from loading both ends: θ_A and θ_B, objective threads, BatchNorm handling, the objective's card. */
async function inspect(o: InterpolateQueueOptions & { model: string }) {
  const problem = await loadProblem(problemOptions(o));
  try {
    const b = loadModel(await readCheckpoint(o.to), problem.model.loss);
    assertSameLayout(problem.model.layout, b.layout, problem.model.checkpoint.path, b.checkpoint.path);
    const bn = batchNormPlan(problem, o);
    if (!bn.at) endsBatchNorm(problem.model, b); // refuses ends whose BatchNorm layers differ, before anything is queued
    return {
      thetaA: problem.model.theta0,
      thetaB: b.theta0,
      bn: bn.summary,
      workers: problem.workers,
      nativeThreads: problem.workers === 1 ? nativeKernelsInfo()?.threads : undefined,
      card: objectiveCard(problem.model, problem.regularizers),
    };
  } finally {
    await problem.dispose();
  }
}

/** The queued interpolation as a study: options and executor checked, both ends loaded once, the folder opened (or resumed), one task per block. */
export async function interpolateQueueStudy(
  o: InterpolateQueueOptions,
  run: ExecutorOptions & { out?: string; force?: boolean },
): Promise<{ pipeline: StudyPipeline<LandscapeBlockResult>; out: string }> {
  const m = withModelFrom(o);
  interpolatePipeline.check!(m);
  checkScale(o.scale);
  const range = o.range ?? INTERPOLATE_DEFAULTS.range;
  const points = o.points ?? INTERPOLATE_DEFAULTS.points;
  if (points > 1001) throw optionError('points', `must be an integer in [2, 1001], got ${points}`);
  if (!(range.every(Number.isFinite) && range[0] < range[1])) throw optionError('range', `must be two finite numbers, lower first, got ${range.join(':')}`);
  const alphas = pathAlphas(range, points);
  const size = o.blockPoints ?? Math.max(1, Math.ceil(alphas.length / 8));
  if (!(Number.isInteger(size) && size >= 1 && size <= alphas.length))
    throw optionError('blockPoints', `must be an integer in [1, ${alphas.length}] (the path's points), got ${size}`);
  await checkExecutorOptions(run);
  const seen = await inspect(m);
  const problem = {
    ...problemOptions({ ...m, model: abs(m.model)!, data: abs(o.data), x: abs(o.x), y: abs(o.y), testData: abs(o.testData) }),
    workers: seen.workers,
  };
  const recomputeBn = o.recomputeBn ?? false;
  // the blocks run on this process' native thread count (the executor stamps it on every job); the study records it
  const { nativeThreads } = seen;
  const config = { problem, to: { model: abs(o.to)! }, path: { range, points }, recomputeBn, nativeThreads, blockPoints: size };
  const out = run.out ?? path.join('reports', 'studies', `interpolate-${configHash(config).slice(0, 12)}`);
  await openStudyFolder(out, { command: 'interpolate', config, force: run.force });
  const blocks = gridBlocks(alphas.length, size);
  const pad = String(blocks.length - 1).length;
  const tasks: RunTask<PathBlockConfig>[] = blocks.map(([start, count], k) => ({
    id: `block-${String(k).padStart(pad, '0')}`,
    kind: 'landscape-block',
    config: { problem, to: config.to, path: config.path, recomputeBn, start, count, base: k === 0 },
  }));
  const started = Date.now();
  const batchNorm = interpolationBatchNorm(seen.bn);
  const rebuild = async (records: RunRecord<LandscapeBlockResult>[]) => {
    const got = pointsFromBlocks(records, alphas.length);
    if (!got) return { summary: { interpolation: null, blocks: { total: blocks.length, finished: records.length } }, figures: [] };
    const lossA = alphas.includes(0) ? got.train[alphas.indexOf(0)].loss : got.first.lossA!;
    const lossB = alphas.includes(1) ? got.train[alphas.indexOf(1)].loss : got.first.lossB!;
    const r = assembleInterpolation({ range, points }, { alphas, train: got.train, test: got.test, lossA, lossB }, seen.thetaA, seen.thetaB, started);
    const { interpolationFigure } = await import('../figures/landscape.js');
    const figure = await interpolationFigure(r, { scale: o.scale ?? ANALYSIS_DEFAULTS.scale, from: o.from, to: o.to });
    return { summary: { from: o.from, to: o.to, interpolation: r, batchNorm, objective: seen.card }, figures: [figure] };
  };
  const digest = (s: Record<string, unknown>) =>
    s.interpolation
      ? interpolationDigest(s.interpolation as Parameters<typeof interpolationDigest>[0], seen.bn)
      : `interpolation: ${JSON.stringify(s.blocks)} blocks finished`;
  return { pipeline: { command: 'interpolate', config, tasks, rebuild, digest }, out };
}
