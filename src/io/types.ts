/** Plain data read from disk. No tf.Tensor here: io never touches a backend. */
import type { InputArray } from './sample-rows.js';


export interface WeightSpec {
  /** Name as in the weightsManifest, e.g. "dense_1/kernel". */
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Manifest group tag: 'optimizer' marks optimizer state saved with includeOptimizer (ignored by analyses). */
  group?: string;
}

export interface CheckpointWeight {
  spec: WeightSpec;
  values: Float32Array;
}

/** A tfjs LayersModel checkpoint (model.json + weight shards), fully loaded. */
export interface Checkpoint {
  /** Absolute path of model.json. */
  path: string;
  /** model.json's `modelTopology` (Keras JSON: {class_name, config, keras_version, backend}). */
  modelTopology: any;
  /** model.json's `trainingConfig` (or modelTopology.training_config), if any. */
  trainingConfig?: any;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  /** Every weight of the model, trainable or not, in weightsManifest order (quantized ones dequantized). */
  weights: CheckpointWeight[];
  /** How many weights were stored quantized, per quantization dtype (absent when none were). */
  quantized?: { dtype: string; weights: number }[];
}

export type LabelKind = 'class-index' | 'one-hot' | 'float';

/**
 * A dataset held in memory, row-major, samples first, on SharedArrayBuffers (worker threads
 * share it instead of copying). Inputs keep their stored dtype (see sample-rows.ts): unsigned
 * bytes stay a Uint8Array and are divided by `xDivisor` per batch.
 */
export interface Dataset {
  /** The file (or files, joined by " + ") it came from; used in error messages. */
  source: string;
  n: number;
  /** Per-sample input shape, e.g. [784] or [28, 28, 1]. */
  xShape: number[];
  x: InputArray;
  /** Input values are x[i] / xDivisor: 255 for images stored as bytes (scaled to [0, 1]); absent or 1 otherwise. */
  xDivisor?: number;
  /** Per-sample label shape: [] for class indices, [k] for one-hot / float targets. */
  yShape: number[];
  y: Float32Array;
  labelKind: LabelKind;
}
