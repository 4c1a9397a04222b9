/** The flat-parameter view of a model over a dataset. */
import type { BatchNormStats, ChannelMoments } from './batch-norm-stats.js';

/** What a trainable weight is to the analyses: a kernel, a bias, a batch-norm scale (gamma) or shift (beta), or other. */
export type ParamRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'other';

/** One trainable weight inside the flat θ. */
export interface ParamBlock {
  /** Layer name from the topology, e.g. "dense_1". */
  layer: string;
  /** Full weight name, e.g. "dense_1/kernel". */
  name: string;
  shape: number[];
  offset: number;
  size: number;
  role: ParamRole;
  /**
   * The output-unit ("filter") axis used by filter normalization (Li et al. 2018):
   * the last axis for Dense/Conv2D kernels, null for 1-D parameters.
   */
  filterAxis: number | null;
}

/** The flat θ's layout: its length and the trainable weights in order. */
export interface ParamLayout {
  dim: number;
  blocks: ParamBlock[];
}

/** An evaluation of the objective at θ: the loss, the accuracy for classification, and per-output metrics for several outputs. */
export interface EvalResult {
  loss: number;
  /** Present for classification losses (a model with several outputs: see `outputs`). */
  accuracy?: number;
  n: number;
  /** A model with several outputs: each output's own loss and accuracy; `loss` is their weighted total. */
  outputs?: OutputMetrics[];
}

/** One output of a model with several: its unweighted mean loss, its weight in the total, and its accuracy where the loss has one. */
export interface OutputMetrics {
  name: string;
  /** The loss function's name (e.g. meanSquaredError). */
  lossName: string;
  loss: number;
  weight: number;
  accuracy?: number;
}

/** The mean loss and its gradient at θ, from one pass over the data. */
export interface GradResult {
  loss: number;
  grad: Float32Array;
  /**
   * What `evaluate(theta)` answers (loss, accuracy for classification, n), measured on the same
   * forward pass, where the objective does so (the tfjs-backed ones): evaluatePoint then needs
   * no second pass over the data.
   */
  metrics?: EvalResult;
}

/** Options of one evaluation. */
export interface EvalOptions {
  /**
   * Moving mean/variance to use for these BatchNormalization layers instead of the
   * checkpoint's (see batch-norm-stats.ts); layers not named keep the checkpoint's.
   */
  batchNorm?: BatchNormStats;
}

/** How far the current pass over the data is (samples done of total). */
export interface PassProgress {
  done: number;
  total: number;
}

/** Backend memory of an objective (per worker for a pool): now, and the peak live at the end of a batch. */
export interface ObjectiveStats {
  numBytes: number;
  numTensors: number;
  /** The most backend bytes seen live at the end of any batch (all of that batch's intermediates alive). */
  peakBytes: number;
  batchSize: number;
  batches: number;
  /** Set by a pool worker: whether its samples are views of the coordinator's SharedArrayBuffers (no copy). */
  sharedData?: boolean;
  /** Set by a pool worker on wasm: the byte size of its WebAssembly heap. */
  heapBytes?: number;
}

/**
 * loss/grad/hvp of the mean loss over the objective's dataset, in inference mode
 * (dropout off, BatchNorm on moving statistics). Async so that a worker pool can
 * serve the same interface as the in-process implementation.
 */
export interface Objective {
  readonly layout: ParamLayout;
  /** The checkpoint's own θ (a copy; never mutated by the objective). */
  readonly theta0: Float32Array;
  readonly n: number;
  loss(theta: Float32Array): Promise<number>;
  evaluate(theta: Float32Array, options?: EvalOptions): Promise<EvalResult>;
  grad(theta: Float32Array): Promise<GradResult>;
  hvp(theta: Float32Array, v: Float32Array): Promise<Float32Array>;
  /** Gauss–Newton product Gv = Jᵀ H_z J v at θ (logits split; PSD); tfjs-backed objectives only. */
  ggnvp?(theta: Float32Array, v: Float32Array): Promise<Float32Array>;
  /** Empirical-Fisher product (1/N) Σᵢ gᵢ gᵢᵀ v at θ (per-sample gradients gᵢ); tfjs-backed objectives only. */
  fishervp?(theta: Float32Array, v: Float32Array): Promise<Float32Array>;
  /**
   * Moments of BN layer `layer`'s input over the objective's BatchNorm data (the whole dataset,
   * or the --bn-samples subset), at θ with `batchNorm` overriding earlier layers' statistics.
   * Present on the tfjs-backed objectives; analytic test objectives leave it out.
   */
  batchNormMoments?(theta: Float32Array, layer: string, batchNorm: BatchNormStats): Promise<ChannelMoments>;
  /** Called during every later pass over the data, after each batch (throttled by a pool). */
  setProgressListener?(listener: ((p: PassProgress) => void) | undefined): void;
  /** Samples per batch the objective uses. */
  readonly batchSize?: number;
  dispose(): void;
}
