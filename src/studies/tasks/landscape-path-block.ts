/**
 * The interpolation side of task kind 'landscape-block' (`losslens interpolate --redis`): a block of
 * consecutive points of the path (1−α)θ_A + αθ_B, each evaluated by the local run's per-point
 * function (../../landscape/path-point.ts) with the local run's BatchNorm handling, so the path
 * assembled from blocks equals the local path to the bit. Checkpoint B travels as a
 * content-addressed input like A (the problem's model) and the data.
 */
import { readCheckpoint } from '../../io/checkpoint-read.js';
import { inputError } from '../../errors.js';
import { loadModel } from '../../objective/model-bundle.js';
import { assertSameLayout, endsBatchNorm } from '../../landscape/interpolate.js';
import { evaluatePathPoint, pathAlphas, pathPoint } from '../../landscape/path-point.js';
import { batchNormPlan } from '../../pipelines/batch-norm-plan.js';
import { interrupted, type TaskContext } from '../task-handler.js';
import { blockProblemOf, push, type BlockCommon, type LandscapeBlockResult } from './landscape-block-common.js';

/** A block of an interpolation path: its α grid (as the local run builds it) and checkpoint B. */
export interface PathBlockConfig extends BlockCommon {
  path: { range: [number, number]; points: number };
  to: { model: string };
}

/** Evaluate one block of a path (and its ends off the grid when `base`). */
export async function pathBlock(c: PathBlockConfig, ctx: TaskContext): Promise<LandscapeBlockResult> {
  const alphas = pathAlphas(c.path.range, c.path.points);
  if (!(Number.isInteger(c.start) && Number.isInteger(c.count) && c.start >= 0 && c.count >= 1 && c.start + c.count <= alphas.length))
    throw inputError('job', `block ${c.start}+${c.count} lies outside the ${alphas.length}-point path`);
  const problem = await blockProblemOf(c);
  const [train, test] = [problem.train!.objective, problem.test?.objective];
  const b = loadModel(await readCheckpoint(c.to.model), problem.model.loss);
  assertSameLayout(problem.model.layout, b.layout, problem.model.checkpoint.path, b.checkpoint.path);
  const bn = batchNormPlan(problem, { recomputeBn: c.recomputeBn, bnSamples: c.problem.bnSamples });
  const batchNormAt = bn.at ?? endsBatchNorm(problem.model, b);
  const [thetaA, thetaB] = [problem.model.theta0, b.theta0];
  const point = new Float32Array(thetaA.length);
  const out: LandscapeBlockResult = { start: c.start, count: c.count, train: { loss: [] }, ...(test ? { test: { loss: [] } } : {}) };
  for (let k = c.start; k < c.start + c.count; k++) {
    if (ctx.signal?.aborted) throw interrupted();
    const r = await evaluatePathPoint(train, test, pathPoint(point, thetaA, thetaB, alphas[k]), alphas[k], batchNormAt);
    push(out.train, r.train);
    if (r.test) push(out.test!, r.test);
  }
  // the ends off the grid (a range without 0 or 1), as the local run evaluates them
  const end = async (theta: Float32Array, a: number) => (await evaluatePathPoint(train, undefined, theta, a, batchNormAt)).train.loss;
  if (c.base && !alphas.includes(0)) out.lossA = await end(thetaA, 0);
  if (c.base && !alphas.includes(1)) out.lossB = await end(thetaB, 1);
  return out;
}
