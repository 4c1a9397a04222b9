/**
 * Everything `losslens report` computes, from one loaded problem (one data load, one backend):
 * eval on all the data, then on the analysis subset the Hessian spectrum, a 1-D and a 2-D
 * filter-normalised slice along the same seeded directions, and the gradient profile.
 * Returns plain JSON-ready results; no drawing, no file I/O. The analysis subset (quick) runs on
 * the problem's workers too.
 */
import type { Problem } from '../problem.js';
import type { Dataset } from '../io/types.js';
import { splitDisjoint } from '../io/dataset.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { prepareModelData } from '../objective/prepare-model-data.js';
import type { ObjectiveOptions } from '../objective/local-objective.js';
import { createObjective, defaultWorkers, MIN_SHARD_SAMPLES } from '../objective/create-objective.js';
import type { Objective } from '../objective/types.js';
import type { Slice1D, Slice2D } from '../landscape/slice.js';
import { modelCard } from '../model/model-card.js';
import { analyzeHessian } from '../curvature/analyze-hessian.js';
import { computeSlice } from '../landscape/slice.js';
import { analyzeGradients } from '../gradients/analyze-gradients.js';
import type { ReportOptions } from '../report/report-options.js';
import { trainingBatchSize } from '../gradients/training-batch-size.js';
import { reportNoise } from './report-noise.js';
import { evalStage, reportDirections, type ReportProgress } from './report-stages.js';
export type { ReportProgress } from './report-stages.js';
import type { FullReport, ReportStage, DataCard } from '../report/report-types.js';
export type { FullReport, ReportStage, DataCard } from '../report/report-types.js';

export interface FullReportResult {
  report: FullReport;
  /** The two slice directions (θ layout), for the caller to save. */
  directions: { d1: Float64Array; d2: Float64Array };
}

/** The analysis subset of one part: the whole loaded data, or a seeded subset when it is larger than `cap`. */
interface Part {
  dataset: Dataset;
  prepared: PreparedData;
  objective: Objective;
  owned: boolean;
  workers: number;
  /** The seeded subset taken (a DataSource's samples and seed select the same rows: splitDisjoint and subsetRows share the permutation). */
  subset?: { samples: number; seed: number };
}

/** How a part's analysis data is made: its worker count and the subset, if one was taken. */
export type PartRecipe = Pick<Part, 'workers' | 'subset'>;

/** The report's two slices and their times, from elsewhere than this process (report-queue.ts: a Redis queue). */
export interface ReportSlices {
  slice1d: Slice1D;
  slice2d: Slice2D;
  ms: { 'slice-1d': number; 'slice-2d': number };
}

/** Computes the report's slices along d1 (1-D) and d1, d2 (2-D) on the parts' analysis data, instead of this process' loop. */
export type ReportSlicer = (req: { d1: Float64Array; d2: Float64Array; train: PartRecipe; test?: PartRecipe }) => Promise<ReportSlices>;

/**
 * The subset's objective is made like the problem's (createObjective): on the problem's backend,
 * with its regularizers, and with the workers the caller asked for (at most one per 64 samples).
 * Unasked, the subset (≤ 256 samples under quick) runs in process: a pool's start-up and per-call
 * transfers cost more than they save at that size (measured: Hessian stage 2.4 s vs 5.2 s).
 */
async function analysisPart(
  problem: Problem,
  which: 'train' | 'test',
  cap: number | undefined,
  seed: number,
  objOpts: ObjectiveOptions,
): Promise<Part | undefined> {
  const p = problem[which];
  if (!p) return undefined;
  if (cap === undefined || p.dataset.n <= cap) return { ...p, owned: false, workers: problem.workersRequested ?? defaultWorkers(p.prepared.n) };
  const m = problem.model;
  const subset = { samples: cap, seed: seed + (which === 'test' ? 7 : 5) };
  const dataset = splitDisjoint(p.dataset, 1, cap, subset.seed)[0];
  const prepared = prepareModelData(dataset, m);
  const workers = problem.workersRequested === undefined ? 1 : Math.max(1, Math.min(problem.workersRequested, Math.floor(dataset.n / MIN_SHARD_SAMPLES)));
  const objective = await createObjective(m.checkpoint, prepared, {
    ...objOpts,
    workers,
    backend: problem.backend.name,
    lossOverride: m.loss,
    regularizers: problem.regularizers,
  });
  return { dataset, prepared, objective, owned: true, workers, subset };
}

type Timed = <T>(stage: ReportStage, f: () => Promise<T>) => Promise<T>;

/** The 1-D slice along d1 and the 2-D slice along d1, d2 in this process, on the analysis parts. */
async function localSlices(
  problem: Problem,
  opts: ReportOptions,
  parts: { train: Part; test?: Part },
  d1: Float64Array,
  d2: Float64Array,
  timed: Timed,
  onProgress?: ReportProgress,
) {
  const { range } = opts.slice;
  const { train, test } = parts;
  const theta = problem.model.theta0;
  const slice1d = await timed('slice-1d', () =>
    computeSlice(train.objective, test?.objective, theta, d1, undefined, {
      dims: 1,
      range,
      points: opts.slice.points1d,
      onProgress: (d, t) => onProgress?.('slice-1d', d, t),
    }),
  );
  const slice2d = await timed('slice-2d', () =>
    computeSlice(train.objective, test?.objective, theta, d1, d2, {
      dims: 2,
      range,
      points: opts.slice.points2d,
      onProgress: (d, t) => onProgress?.('slice-2d', d, t),
    }),
  );
  return { slice1d, slice2d };
}

/**
 * The report's parts on one loaded problem. With `slicer` the two slices come from it (they run first,
 * right after eval, so a queue's failure costs no Hessian); everything else runs in this process.
 */
export async function computeFullReport(
  problem: Problem,
  opts: ReportOptions,
  objOpts: ObjectiveOptions = {},
  onProgress?: ReportProgress,
  slicer?: ReportSlicer,
): Promise<FullReportResult> {
  if (!problem.train) throw new Error('computeFullReport: the problem has no training data');
  const timingsMs = { eval: 0, hessian: 0, 'slice-1d': 0, 'slice-2d': 0, gradients: 0 } as Record<ReportStage, number>;
  const timed: Timed = async (stage, f) => {
    const t0 = Date.now();
    const r = await f();
    timingsMs[stage] += Date.now() - t0;
    return r;
  };
  const evalTrain = await timed('eval', () => evalStage(problem, onProgress));
  const train = (await analysisPart(problem, 'train', opts.analysisSamples, opts.seed, objOpts))!;
  const test = await analysisPart(problem, 'test', opts.analysisSamples, opts.seed, objOpts);
  try {
    const { d1, d2, info: directions } = reportDirections(problem, opts.seed);
    const queued = slicer && (await slicer({ d1, d2, train, test }));
    if (queued) Object.assign(timingsMs, queued.ms);
    const {
      vectors: _v,
      diagonalValues: _d,
      ...hessian
    } = await timed('hessian', () =>
      analyzeHessian(train.objective, { ...presetEnds(opts.hessian, train.objective.layout.dim), seed: opts.seed, lr: opts.lr }, (stage, d, t) =>
        onProgress?.('hessian', d, t, stage),
      ),
    );
    const { slice1d, slice2d } = queued ?? (await localSlices(problem, opts, { train, test }, d1, d2, timed, onProgress));
    const gradients = await timed('gradients', () =>
      analyzeGradients(problem.model, train.prepared, { ...opts.gradients, seed: opts.seed, onProgress: (d, t) => onProgress?.('gradients', d, t) }),
    );
    const noise = await timed('gradients', () => reportNoise(problem, opts));
    const card = (full: Dataset, used: Part): DataCard => ({
      source: full.source,
      samples: full.n,
      analysisSamples: used.dataset.n,
      analysisWorkers: used.workers,
    });
    const report: FullReport = {
      preset: opts.preset,
      model: modelCard(problem.model, { regularizers: problem.regularizers }),
      data: { train: card(problem.train.dataset, train), ...(problem.test && test ? { test: card(problem.test.dataset, test) } : {}) },
      eval: evalTrain,
      hessian,
      slice1d,
      slice2d,
      directions,
      gradients,
      noise,
      trainingBatchSize: trainingBatchSize(problem.model.checkpoint.trainingConfig),
      lr: opts.lr ?? null,
      timingsMs,
    };
    return { report, directions: { d1, d2 } };
  } finally {
    if (train.owned) await train.objective.dispose();
    if (test?.owned) await test.objective.dispose();
  }
}

/**
 * The preset's top/bottom counts, fewer where the model has fewer parameters than they ask for
 * (a 4-parameter model has 4 eigenvalues): the report's presets are not the user's choice, so
 * they shrink instead of being refused as `hessian --top` is.
 */
export function presetEnds<H extends { top?: number; bottom?: number }>(h: H, dim: number): H {
  const top = Math.min(h.top ?? 1, Math.ceil(dim / 2));
  return { ...h, top, bottom: Math.min(h.bottom ?? 1, dim - top) };
}
