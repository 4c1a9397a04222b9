/**
 * What both kinds of 'landscape-block' run share (slice grids: ./landscape-block.ts, interpolation
 * paths: ./landscape-path-block.ts): the config and result shapes, and the problem, loaded as the
 * local `slice`/`interpolate` load it (../../problem.ts) and kept per worker thread while
 * consecutive blocks share it, so the blocks after a thread's first skip the model and data load.
 */
import { loadProblem, type Problem, type ProblemOptions } from '../../problem.js';

/** What every block carries: the problem, the BatchNorm handling, its points, and whether it evaluates the extra points (centre, ends). */
export interface BlockCommon {
  /** The problem as the local run loads it: absolute paths, the objective's worker count resolved. */
  problem: ProblemOptions;
  /** Re-estimate BatchNorm statistics at each point (on problem.bnSamples samples). */
  recomputeBn: boolean;
  /** First point (row-major index on a slice grid, index on a path) and how many. */
  start: number;
  count: number;
  /** Evaluate the slice's centre θ₀ (baseLoss), or a path's ends where its grid lacks them. */
  base: boolean;
}

/** The values of a block's points, in grid order. */
export interface BlockValues {
  loss: number[];
  accuracy?: number[];
}

/** A block's values: its points' train (and test) loss and accuracy, and the extra points it evaluated. */
export interface LandscapeBlockResult {
  start: number;
  count: number;
  train: BlockValues;
  test?: BlockValues;
  baseLoss?: number;
  /** A path's ends where its α grid does not hold them. */
  lossA?: number;
  lossB?: number;
}

/** Append one evaluation to a block's values. */
export const push = (v: BlockValues, e: { loss: number; accuracy?: number }) => {
  v.loss.push(e.loss);
  if (e.accuracy !== undefined) (v.accuracy ??= []).push(e.accuracy);
};

let cached: { key: string; problem: Promise<Problem> } | undefined;

/** The problem of `options` (paths already the worker's), loaded once per thread while consecutive blocks share it. */
export async function blockProblem(options: ProblemOptions): Promise<Problem> {
  const key = JSON.stringify(options);
  if (cached?.key !== key) {
    const old = cached;
    const entry = { key, problem: loadProblem(options) };
    cached = entry;
    entry.problem.catch(() => {
      if (cached === entry) cached = undefined;
    });
    await old?.problem.then((p) => p.dispose()).catch(() => undefined);
  }
  return cached!.problem;
}

/** The problem of a block (its native thread count came with the job's envelope: ../native-thread-count.ts). */
export async function blockProblemOf(c: BlockCommon): Promise<Problem> {
  return blockProblem(c.problem);
}
