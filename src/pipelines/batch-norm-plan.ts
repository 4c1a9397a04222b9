/**
 * BatchNorm statistics for the landscape pipelines: the checkpoint's moving statistics by default,
 * or re-estimated from the training data at every evaluated point (recomputeBn, on bnSamples).
 * A model without BatchNorm layers refuses recomputeBn (BAD_OPTION): a silent no-op would let a
 * summary claim statistics were recomputed.
 */
import { optionError } from '../errors.js';
import { batchNormLayers, type BatchNormStats } from '../objective/batch-norm-stats.js';
import { recomputeBatchNorm } from '../objective/recompute-batch-norm.js';
import type { Problem } from '../problem.js';

export interface BatchNormChoice {
  /** Re-estimate moving mean/variance from the training data at every point. */
  recomputeBn?: boolean;
  bnSamples?: number;
}

/** Check the flags before any work (the model-dependent check is in batchNormPlan). */
export function checkBatchNormArgs(args: BatchNormChoice): void {
  if (args.bnSamples !== undefined && !args.recomputeBn) throw optionError('bnSamples', 'only applies with {recomputeBn}');
  if (args.bnSamples !== undefined && !(Number.isInteger(args.bnSamples) && args.bnSamples >= 1)) {
    throw optionError('bnSamples', `must be a positive integer, got ${args.bnSamples}`);
  }
}

export interface BatchNormPlan {
  /** Per-point statistics, or undefined for the checkpoint's own. */
  at?: (theta: Float32Array) => Promise<BatchNormStats | undefined>;
  /** What summary.json records. */
  summary: { recomputed: boolean; layers: string[]; samples?: number; variance?: string; order?: string };
}

export function batchNormPlan(problem: Problem, args: BatchNormChoice): BatchNormPlan {
  const layers = batchNormLayers(problem.model.arch);
  if (!args.recomputeBn) return { summary: { recomputed: false, layers } };
  if (layers.length === 0) throw optionError('recomputeBn', `${problem.model.checkpoint.path} has no BatchNormalization layers`);
  const objective = problem.train!.objective;
  return {
    at: (theta) => recomputeBatchNorm(objective, layers, theta),
    summary: {
      recomputed: true,
      layers,
      samples: args.bnSamples ?? problem.train!.prepared.n,
      variance: 'biased (population, ÷N) over samples and spatial positions, as tfjs-layers moments()',
      order: "layer by layer in topological order, each with the earlier layers' recomputed statistics",
    },
  };
}
