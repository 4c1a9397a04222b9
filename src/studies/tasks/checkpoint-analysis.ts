/**
 * Task kind 'checkpoint-analysis' (`losslens trajectory`, `hessian --repeats` on a queue): the chosen
 * analyses of one checkpoint on its data (or on one of R disjoint seeded subsets of it), with the
 * library's own routines and the seeds `hessian` and `slice` use, so a task's numbers are those
 * commands' numbers on that checkpoint: λmax by thick-restart Lanczos (seed s) with its residual,
 * the Hutchinson trace (seed s+1), the SLQ density (seed s+2), a 1-D slice along the seeded
 * filter-normalised direction of `slice` (seed 2·seed), and the full Hessian analysis of one
 * repeats subset. No timings in the result: the same config on the same native thread count (the
 * job envelope's, ../native-thread-count.ts) gives the same result.
 */
import { loadProblem, type DataSource, type Problem } from '../../problem.js';
import { curvatureMatVec, analyzeHessian, eigenvalueStageOptions } from '../../curvature/analyze-hessian.js';
import { extremeEigenpairs } from '../../curvature/extreme-eigenvalues.js';
import { hutchinsonTrace } from '../../curvature/hutchinson-trace.js';
import { slqDensity } from '../../curvature/slq-density.js';
import { resolveHessianOptions, type HessianOptions } from '../../curvature/hessian-options.js';
import { repeatRunOf, type RepeatRun } from '../../curvature/hessian-repeats.js';
import { randomDirection, norm } from '../../landscape/directions.js';
import { computeSlice } from '../../landscape/slice.js';
import type { NormMode } from '../../landscape/filter-normalize.js';
import type { Objective } from '../../objective/types.js';
import type { MatVec } from '../../curvature/vector-ops.js';
import { optionError } from '../../errors.js';
import { interrupted, type TaskContext } from '../task-handler.js';

export const CHECKPOINT_ANALYSES = ['loss', 'lambda-max', 'trace', 'density', 'slice', 'hessian'] as const;
export type CheckpointAnalysis = (typeof CHECKPOINT_ANALYSES)[number];

/** The 1-D slice of `slice`: points on [range], the direction of seed 2·seed, filter-normalised unless told otherwise. */
export interface SliceSpec {
  points: number;
  range: [number, number];
  seed: number;
  norm: NormMode;
  includeBias: boolean;
}

/** One of `parts` disjoint seeded subsets of `size` samples (src/pipelines/subsets.ts; split seed: seed + 1). */
export interface SubsetSpec {
  parts: number;
  size: number;
  seed: number;
  index: number;
}

export interface CheckpointAnalysisConfig {
  /** model.json (absolute: the queue ships it as a content-addressed input). */
  model: string;
  data: DataSource;
  loss?: string;
  backend: string;
  batchSize?: number;
  hvp: 'exact' | 'fd';
  regularizers: boolean;
  subset?: SubsetSpec;
  analyses: CheckpointAnalysis[];
  /** Lanczos, trace and SLQ settings, as `hessian` takes them (seed included). */
  hessian: Partial<HessianOptions>;
  slice?: SliceSpec;
}

export interface CheckpointAnalysisResult {
  params: number;
  samples: number;
  loss?: { loss: number; accuracy?: number };
  lambdaMax?: { value: number; residual: number; converged: boolean; top: number[]; residuals: number[]; matvecs: number };
  trace?: { estimate: number; stderr: number | null; probes: number; method: string };
  density?: { nodes: number[][]; weights: number[][]; sigma: number; order: number; probes: number };
  slice?: { alphas: number[]; loss: number[]; accuracy?: number[]; baseLoss: number; directionNorm: number };
  hessian?: RepeatRun;
}

/** The objective of the config: the whole (or `samples`) data, or one subset of the repeats. */
async function objectiveOf(c: CheckpointAnalysisConfig): Promise<{ problem: Problem; objective: Objective; dispose: () => void }> {
  const base = { model: c.model, loss: c.loss, backend: c.backend, batchSize: c.batchSize, hvp: c.hvp, workers: 1, regularizers: c.regularizers };
  if (!c.subset) {
    const problem = await loadProblem({ ...base, train: c.data });
    return { problem, objective: problem.train!.objective, dispose: () => undefined };
  }
  const s = c.subset;
  if (!(Number.isInteger(s.index) && s.index >= 0 && s.index < s.parts))
    throw optionError('subset.index', `must be an integer in [0, ${s.parts}), got ${s.index}`);
  const problem = await loadProblem(base);
  const { subsetObjectives } = await import('../../pipelines/subsets.js');
  const { labelColumn, data, x, y } = c.data;
  const all = await subsetObjectives({ model: c.model, data, x, y, labelColumn, seed: s.seed, batchSize: c.batchSize, hvp: c.hvp }, problem, s.parts, s.size);
  all.forEach((o, i) => i !== s.index && o.dispose());
  return { problem, objective: all[s.index], dispose: () => all[s.index].dispose() };
}

export async function checkpointAnalysisTask(c: CheckpointAnalysisConfig, ctx: TaskContext = {}): Promise<CheckpointAnalysisResult> {
  const unknown = c.analyses.find((a) => !(CHECKPOINT_ANALYSES as readonly string[]).includes(a));
  if (unknown !== undefined) throw optionError('analyses', `unknown "${unknown}"; known: ${CHECKPOINT_ANALYSES.join(', ')}`);
  const o = resolveHessianOptions(c.hessian);
  const { problem, objective, dispose } = await objectiveOf(c);
  try {
    return await analyse(c, o, objective, ctx);
  } finally {
    dispose();
    await problem.dispose();
  }
}

async function analyse(c: CheckpointAnalysisConfig, o: HessianOptions, obj: Objective, ctx: TaskContext): Promise<CheckpointAnalysisResult> {
  const check = () => {
    if (ctx.signal?.aborted) throw interrupted();
  };
  const dim = obj.layout.dim;
  const theta = obj.theta0;
  const products = curvatureMatVec(obj, theta, o.curvature).matvec;
  const matvec: MatVec = async (v) => (check(), products(v));
  const has = (a: CheckpointAnalysis) => c.analyses.includes(a);
  const r: CheckpointAnalysisResult = { params: dim, samples: obj.n };
  if (has('loss')) {
    const ev = await obj.evaluate(theta);
    r.loss = { loss: ev.loss, ...(ev.accuracy !== undefined ? { accuracy: ev.accuracy } : {}) };
  }
  if (has('lambda-max')) {
    const eig = await extremeEigenpairs(matvec, dim, eigenvalueStageOptions(o, dim));
    const t = eig.top;
    r.lambdaMax = { value: t.values[0], residual: t.residuals[0], converged: t.convergedEach[0], top: t.values, residuals: t.residuals, matvecs: eig.matvecs };
  }
  if (has('trace')) {
    const tr = await hutchinsonTrace(matvec, dim, { probes: o.probes, seed: o.seed + 1, method: o.traceMethod });
    r.trace = { estimate: tr.estimate, stderr: tr.stderr, probes: tr.probes, method: tr.method };
  }
  if (has('density')) {
    const d = await slqDensity(matvec, dim, { order: Math.min(o.slqOrder, dim), probes: o.slqProbes, seed: o.seed + 2, sigma: o.sigma });
    r.density = { nodes: d.nodes, weights: d.weights, sigma: d.sigma, order: d.order, probes: d.probes };
  }
  if (has('slice') && c.slice) r.slice = await sliceAt(obj, c.slice, check);
  if (has('hessian')) r.hessian = repeatRunOf(await analyzeHessian(obj, { ...o, perLayer: false, vectors: false }));
  check();
  return r;
}

/** `slice --dims 1` at the checkpoint: the direction `slice` draws for its seed (2·seed), the loss at each α. */
async function sliceAt(obj: Objective, s: SliceSpec, check: () => void): Promise<NonNullable<CheckpointAnalysisResult['slice']>> {
  const d = randomDirection(obj.theta0, obj.layout, s.seed * 2, { norm: s.norm, includeBias: s.includeBias });
  check();
  const res = await computeSlice(obj, { directions: [d], range: s.range, points: s.points });
  return {
    alphas: res.alphas,
    loss: res.train.loss,
    ...(res.train.accuracy ? { accuracy: res.train.accuracy } : {}),
    baseLoss: res.baseLoss,
    directionNorm: norm(d),
  };
}
