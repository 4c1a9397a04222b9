/**
 * Every analysis sees the model in inference mode, as tfjs-layers' model.evaluate and predict run
 * it: dropout, noise and random-augmentation layers are the identity, a recurrent layer's dropout
 * and recurrent_dropout are off, and BatchNormalization normalizes with its moving statistics.
 * A summary says so (meta.inference) and names the layers of this model that are off.
 */
import type { Architecture } from './architecture.js';
import { RANDOM_AUGMENTATION } from './layers/preprocessing.js';

/** Layers that act only in training. */
const TRAINING_ONLY = new Set<string>([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  ...RANDOM_AUGMENTATION,
]);

/** The inference-mode note of a summary: the layers (dropout, noise) that would act in training and do not in the analysis. */
export interface InferenceMode {
  mode: 'inference';
  note: string;
  /** The model's layers (or their dropout) that would act in training and do not here: "name (Class)". */
  inactive: string[];
}

const positive = (v: unknown) => typeof v === 'number' && v > 0;

export function inferenceMode(arch: Architecture): InferenceMode {
  const inactive: string[] = [];
  for (const n of arch.nodes) {
    if (TRAINING_ONLY.has(n.className)) inactive.push(`${n.name} (${n.className})`);
    else if (positive(n.config?.dropout) || positive(n.config?.recurrent_dropout)) inactive.push(`${n.name} (${n.className} dropout)`);
  }
  return {
    mode: 'inference',
    note: 'analysed in inference mode, as model.evaluate runs it: dropout, noise and random augmentation off, BatchNormalization on its moving statistics',
    inactive,
  };
}
