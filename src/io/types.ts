/** Plain data read from disk. No tf.Tensor here: io never touches a backend. */
import type { InputArray } from './sample-rows.js';

/** A weight's entry in the weights manifest: its name, shape, dtype (float32) and shard group. */
export interface WeightSpec {
  /** Name as in the weightsManifest, e.g. "dense_1/kernel". */
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Manifest group tag: 'optimizer' marks optimizer state saved with includeOptimizer (ignored by analyses). */
  group?: string;
}

/** One weight of a checkpoint: its spec and float32 values. */
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
  /** Choices of one analysis that every reader of this checkpoint (pool workers too) must share. */
  io?: CheckpointIO;
}

/** Which part of the model the analysis reads: the per-sample input shapes fixing dimensions saved as null, and the one output analysed. */
export interface CheckpointIO {
  /** Per-sample shape of each model input, fixing the dimensions the topology saved as null (from the data). */
  inputShapes?: number[][];
  /** The one output analysed (`--output`): its loss alone; θ is still every trainable weight. */
  output?: string;
}

/** How a dataset's labels are held: class indices, one-hot rows, or float targets. */
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
  /**
   * A model with several inputs or outputs: every array by model input / output name, in the
   * model's order (x, y above are the first input and the first target). Absent for one of each.
   */
  parts?: { inputs: DataPart[]; targets: DataPart[] };
}

/** One named array of a dataset with several inputs or outputs. */
export interface DataPart {
  /** The model input or output it feeds. */
  name: string;
  /** The file (or CSV columns) it came from, for messages. */
  source: string;
  /** Per-sample shape. */
  shape: number[];
  /** Inputs keep their stored dtype (unsigned bytes divided by `divisor`); targets are float32. */
  values: InputArray;
  divisor?: number;
  labelKind: LabelKind;
}

/** The model's input and output names, by which a dataset of several arrays is matched. */
export interface ModelIONames {
  inputs: string[];
  outputs: string[];
  /** The outputs whose targets are read (default all: `--output` needs one). */
  used?: string[];
}
