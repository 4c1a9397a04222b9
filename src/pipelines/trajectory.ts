/**
 * trajectory: the chosen analyses (loss/accuracy, λmax with its residual, trace, SLQ density, a 1-D
 * slice) of every checkpoint of a training run, one 'checkpoint-analysis' task per checkpoint on
 * the studies engine (in process, worker threads or the Redis queue; resumable), and each quantity
 * against the step, λmax beside 2/η where the checkpoints name their learning rate.
 */
import path from 'node:path';
import { optionError } from '../errors.js';
import { resolveHessianOptions } from '../curvature/hessian-options.js';
import { loadProblem } from '../problem.js';
import { CHECKPOINT_ANALYSES, type CheckpointAnalysis, type CheckpointAnalysisConfig } from '../studies/tasks/checkpoint-analysis.js';
import type { RunTask } from '../studies/types.js';
import type { StudyPipeline } from './run-study.js';
import { checkScale, dataSources, requireData, type DataOptions } from './common.js';
import { discoverCheckpoints, stepUnit, type TrajectoryCheckpoint } from './trajectory-checkpoints.js';
import { trajectoryDigest, trajectorySummary, type TrajectoryRecord } from './trajectory-summary.js';
import { TRAJECTORY_DEFAULTS } from './trajectory-defaults.js';

export { TRAJECTORY_DEFAULTS };

/** The trajectory command's options: the run's folder, the data, which analyses and their budgets. */
export interface TrajectoryOptions extends DataOptions {
  /** A `train --save-every` output folder, or a folder of checkpoint subfolders named by step. */
  checkpoints: string;
  analyses?: CheckpointAnalysis[];
  backend?: string;
  batchSize?: number;
  seed?: number;
  regularizers?: boolean;
  scale?: number;
  /** Lanczos basis, product budget and residual tolerance of λmax (as `hessian`). */
  maxIter?: number;
  maxMatvecs?: number;
  tol?: number;
  /** Hutchinson probes of the trace; SLQ order and probes of the density. */
  probes?: number;
  slqOrder?: number;
  slqProbes?: number;
  /** The 1-D slice: points on [range]. */
  points?: number;
  range?: [number, number];
  /** The learning rate of 2/η where the checkpoints name none (theirs wins otherwise). */
  lr?: number;
}

function checkOptions(o: TrajectoryOptions): CheckpointAnalysis[] {
  requireData(o);
  checkScale(o.scale);
  const analyses = o.analyses ?? TRAJECTORY_DEFAULTS.analyses;
  if (analyses.length === 0) throw optionError('analyses', `name at least one of ${CHECKPOINT_ANALYSES.filter((a) => a !== 'hessian').join(', ')}`);
  for (const a of analyses)
    if (a === 'hessian' || !(CHECKPOINT_ANALYSES as readonly string[]).includes(a))
      throw optionError('analyses', `unknown "${a}"; known: ${CHECKPOINT_ANALYSES.filter((x) => x !== 'hessian').join(', ')}`);
  const points = o.points ?? TRAJECTORY_DEFAULTS.points;
  if (!(Number.isInteger(points) && points >= 2 && points <= 1001)) throw optionError('points', `must be an integer in [2, 1001], got ${points}`);
  const [lo, hi] = o.range ?? TRAJECTORY_DEFAULTS.range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw optionError('range', `must be two finite numbers lo < hi, got ${lo},${hi}`);
  if (o.lr !== undefined && !(Number.isFinite(o.lr) && o.lr > 0)) throw optionError('lr', `must be > 0, got ${o.lr}`);
  return [...new Set(analyses)];
}

/** The task config every checkpoint shares (its model path aside): absolute paths, so workers and resumes agree. */
function sharedConfig(o: TrajectoryOptions, analyses: CheckpointAnalysis[]): Omit<CheckpointAnalysisConfig, 'model'> {
  const seed = o.seed ?? 0;
  const D = TRAJECTORY_DEFAULTS;
  const hessian = {
    top: 1,
    bottom: 0,
    maxIter: o.maxIter ?? D.maxIter,
    maxMatvecs: o.maxMatvecs ?? D.maxMatvecs,
    tol: o.tol ?? D.tol,
    probes: o.probes ?? D.probes,
    slqOrder: o.slqOrder ?? D.slqOrder,
    slqProbes: o.slqProbes ?? D.slqProbes,
    seed,
  };
  resolveHessianOptions(hessian); // each budget checked, naming its field
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  const { train } = dataSources({ ...o, seed });
  return {
    data: { ...train, data: abs(train!.data), x: abs(train!.x), y: abs(train!.y) },
    ...(o.loss ? { loss: o.loss } : {}),
    backend: o.backend ?? D.backend,
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    hvp: 'exact',
    regularizers: o.regularizers ?? true,
    analyses,
    hessian,
    slice: { points: o.points ?? D.points, range: o.range ?? D.range, seed, norm: 'filter', includeBias: false },
  };
}

/** The trajectory study as a pipeline for runStudyPipeline: one 'checkpoint-analysis' task per checkpoint. */
export async function trajectoryStudy(o: TrajectoryOptions): Promise<StudyPipeline<unknown>> {
  const analyses = checkOptions(o);
  const base = sharedConfig(o, analyses);
  const found = await discoverCheckpoints(o.checkpoints);
  // the data read once against the first checkpoint: a mismatch is one error before any study folder exists
  const first = await loadProblem({
    model: found[0].model,
    train: base.data,
    loss: base.loss,
    backend: base.backend,
    workers: 1,
    regularizers: base.regularizers,
  });
  await first.dispose();
  // every executor stamps this process' native thread count on each task: the same bits in process, on a pool or a queue
  const tasks: RunTask<CheckpointAnalysisConfig>[] = found.map((c) => ({ id: c.id, kind: 'checkpoint-analysis', config: { ...base, model: c.model } }));
  const byId = new Map<string, TrajectoryCheckpoint>(found.map((c) => [c.id, c]));
  // the checkpoint list is left out of the study's identity: a run that saved more checkpoints since resumes
  const config = { ...base, checkpoints: path.resolve(o.checkpoints), lr: o.lr ?? null };
  return {
    command: 'trajectory',
    config,
    tasks,
    rebuild: async (records) => {
      const rows = (records as TrajectoryRecord[]).map((r) => ({ record: r, checkpoint: byId.get(r.id)! }));
      const summary = trajectorySummary(rows, { analyses, lr: o.lr ?? null, checkpoints: config.checkpoints, unit: stepUnit(found.map((c) => c.name)) });
      const { trajectoryFigures } = await import('../figures/trajectory.js');
      return { summary: summary as unknown as Record<string, unknown>, figures: await trajectoryFigures(summary, o.scale ?? 1) };
    },
    digest: (s) => trajectoryDigest(s as never),
  };
}
