/**
 * Linear interpolation between two minima (Goodfellow et al. 2015): L((1−α)θ_A + αθ_B),
 * and the barrier height: max over α ∈ [0, 1] of the loss minus the larger end loss.
 */
import { analysisMeta, type AnalysisMeta } from '../analysis-meta.js';
import type { EvalResult, Objective, ParamLayout } from '../objective/types.js';
import { inputError, optionError } from '../errors.js';
import { batchNormLayers, checkpointBatchNormStats, interpolateBatchNormStats, type BatchNormStats } from '../objective/batch-norm-stats.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import { evaluatePathPoint, pathAlphas, pathPoint } from './path-point.js';

/** The loss along the path between two minima, both ends' losses, the barrier between them and their distance ‖θ_A − θ_B‖. */
export interface InterpolationResult {
  meta: AnalysisMeta;
  alphas: number[];
  train: { loss: number[]; accuracy?: number[] };
  test?: { loss: number[]; accuracy?: number[] };
  ends: { lossA: number; lossB: number };
  /** max_{α∈[0,1]} L(α) − max(L(0), L(1)); ≤ 0 means no barrier on the segment. */
  barrier: number;
  /** α where the path's maximum on [0, 1] lies. */
  barrierAlpha: number;
  distance: number;
}

/** The α grid of {@link interpolate}, a progress callback, and the batch-norm statistics to use at each α. */
export interface InterpolationOptions {
  /** The α grid's ends; α = 0 is θ_A, α = 1 is θ_B (both are always on the grid). */
  range: [number, number];
  /** Grid points (2 to 1001). */
  points: number;
  onProgress?: (d: number, t: number) => void;
  /** BatchNorm statistics at the point θ(α) (train and test alike); undefined: the objective's own. */
  batchNormAt?: (theta: Float32Array, alpha: number) => Promise<BatchNormStats | undefined>;
}

/** interpolate's inputs as one object: `interpolate(objective, { to: thetaB })`. */
export interface InterpolationRequest extends Partial<InterpolationOptions> {
  /** The far end θ_B. */
  to: Float32Array;
  /** The near end θ_A (default: the objective's θ₀). */
  from?: Float32Array;
  /** A held-out objective evaluated along the same path. */
  test?: Objective;
}

type PositionalTail = [test: Objective | undefined, thetaA: Float32Array, thetaB: Float32Array, opts: InterpolationOptions];

/** The request's defaults: from θ₀, α ∈ [0, 1] on 21 points. */
function fromRequest(train: Objective, r: InterpolationRequest): PositionalTail {
  const { to, from, test, range = [0, 1], points = 21, ...rest } = r;
  if (!Number.isInteger(points) || points < 2 || points > 1001) throw optionError('points', `must be an integer in [2, 1001], got ${points}`);
  if (!range.every(Number.isFinite) || !(range[0] < range[1])) throw optionError('range', `must be two finite numbers, lower first, got ${range.join(':')}`);
  return [test, from ?? train.theta0, to, { range, points, ...rest }];
}

/** Refuse checkpoints whose trainable layouts differ, naming the first difference. */
export function assertSameLayout(a: ParamLayout, b: ParamLayout, fileA: string, fileB: string): void {
  if (a.blocks.length !== b.blocks.length) {
    throw inputError(fileB, `architecture differs from ${fileA}: ${b.blocks.length} trainable weights vs ${a.blocks.length}`);
  }
  a.blocks.forEach((x, i) => {
    const y = b.blocks[i];
    if (x.shape.join('x') !== y.shape.join('x')) {
      throw inputError(fileB, `architecture differs from ${fileA}: weight ${y.name} has shape [${y.shape}] where ${x.name} has [${x.shape}]`);
    }
  });
}

/**
 * Moving statistics along the path when not recomputed: A's at α = 0, B's at α = 1, in between
 * interpolated (interpolateBatchNormStats). Undefined when the model has no BatchNorm layers.
 * B's BN layers are matched to A's by position; their channel counts must agree.
 */
export function endsBatchNorm(a: ModelBundle, b: ModelBundle): ((theta: Float32Array, alpha: number) => Promise<BatchNormStats>) | undefined {
  const la = batchNormLayers(a.arch);
  if (la.length === 0) return undefined;
  const sa = checkpointBatchNormStats(a.arch, a.checkpoint.weights);
  const sb = checkpointBatchNormStats(b.arch, b.checkpoint.weights);
  const lb = Object.keys(sb);
  if (lb.length !== la.length)
    throw inputError(b.checkpoint.path, `architecture differs from ${a.checkpoint.path}: ${lb.length} BatchNormalization layers vs ${la.length}`);
  la.forEach((l, i) => {
    if (sa[l].mean.length !== sb[lb[i]].mean.length) {
      throw inputError(
        b.checkpoint.path,
        `architecture differs from ${a.checkpoint.path}: BatchNormalization layer ${lb[i]} has ${sb[lb[i]].mean.length} channels where ${l} has ${sa[l].mean.length}`,
      );
    }
  });
  return async (_theta, alpha) => interpolateBatchNormStats(sa, sb, alpha);
}

/**
 * The loss along the straight path θ(α) = (1 − α)·θ_A + α·θ_B between two minima (Goodfellow et
 * al. 2015), on training and optionally test data, with the barrier: the highest loss on
 * α ∈ [0, 1] above the higher of the two ends. Both ends are always on the grid.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, readCheckpoint, loadModel, interpolate } from 'losslens';
 *
 * const problem = await loadProblem({ model: 'fixtures/spiral-tanh', train: { data: 'fixtures/spiral-tanh/train.csv' } });
 * try {
 *   const other = loadModel(await readCheckpoint('fixtures/spiral-tanh-seed2'));
 *   const r = await interpolate(problem.train!.objective, { to: other.theta0, range: [-0.5, 1.5], points: 21 });
 *   // both ends are the fixtures' own minima, at the losses tfjs recorded for them
 *   assert.ok(Math.abs(r.ends.lossA - 0.045010749250650406) < 1e-6 && Math.abs(r.ends.lossB - 0.05411937087774277) < 1e-6);
 *   assert.ok(r.barrier >= 0 && r.barrierAlpha >= 0 && r.barrierAlpha <= 1);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function interpolate(train: Objective, request: InterpolationRequest): Promise<InterpolationResult>;
/** The positional form (test, θ_A, θ_B, options), kept for existing callers. */
export function interpolate(
  train: Objective,
  test: Objective | undefined,
  thetaA: Float32Array,
  thetaB: Float32Array,
  opts: InterpolationOptions,
): Promise<InterpolationResult>;
export async function interpolate(train: Objective, ...rest: [InterpolationRequest] | PositionalTail): Promise<InterpolationResult> {
  const [test, thetaA, thetaB, opts] = rest.length === 1 ? fromRequest(train, rest[0]) : rest;
  const started = Date.now();
  const alphas = pathAlphas(opts.range, opts.points);
  const p = new Float32Array(thetaA.length);
  const tr: EvalResult[] = [];
  const te: EvalResult[] = [];
  for (const a of alphas) {
    const r = await evaluatePathPoint(train, test, pathPoint(p, thetaA, thetaB, a), a, opts.batchNormAt);
    tr.push(r.train);
    if (r.test) te.push(r.test);
    opts.onProgress?.(tr.length, alphas.length);
  }
  const end = async (theta: Float32Array, a: number) => (await evaluatePathPoint(train, undefined, theta, a, opts.batchNormAt)).train.loss;
  const lossA = alphas.includes(0) ? tr[alphas.indexOf(0)].loss : await end(thetaA, 0);
  const lossB = alphas.includes(1) ? tr[alphas.indexOf(1)].loss : await end(thetaB, 1);
  return assembleInterpolation(opts, { alphas, train: tr, test: test ? te : undefined, lossA, lossB }, thetaA, thetaB, started);
}

/** Values at each path point, as evaluations give them. */
type PathValues = Pick<EvalResult, 'loss' | 'accuracy'>[];

/**
 * An interpolation result from its evaluated path: interpolate's, and the queue's path assembled
 * from blocks (../pipelines/interpolate-queue.ts), so both write the same summary.
 */
export function assembleInterpolation(
  opts: Pick<InterpolationOptions, 'range' | 'points'>,
  g: { alphas: number[]; train: PathValues; test?: PathValues; lossA: number; lossB: number },
  thetaA: Float32Array,
  thetaB: Float32Array,
  started: number,
): InterpolationResult {
  const { alphas, lossA, lossB } = g;
  const values = (v: PathValues) => {
    const acc = v.filter((e) => e.accuracy !== undefined).map((e) => e.accuracy!);
    return { loss: v.map((e) => e.loss), ...(acc.length ? { accuracy: acc } : {}) };
  };
  const trL = g.train.map((e) => e.loss);
  let peak = -Infinity,
    peakAlpha = 0;
  alphas.forEach((a, k) => {
    if (a >= 0 && a <= 1 && trL[k] > peak) [peak, peakAlpha] = [trL[k], a];
  });
  let dist = 0;
  for (let k = 0; k < thetaA.length; k++) dist += (thetaA[k] - thetaB[k]) ** 2;
  return {
    meta: analysisMeta(started, { range: opts.range, points: opts.points }),
    alphas,
    train: values(g.train),
    ...(g.test ? { test: values(g.test) } : {}),
    ends: { lossA, lossB },
    barrier: peak - Math.max(lossA, lossB),
    barrierAlpha: peakAlpha,
    distance: Math.sqrt(dist),
  };
}
