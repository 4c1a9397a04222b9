/**
 * `losslens gradients` as a library call: the checkpoint's gradient profile over seeded
 * minibatches and, with `compareInit`, the same profile for the same architecture freshly
 * initialised (same batches), so training and initialisation can be told apart.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import type { Checkpoint } from '../io/types.js';
import { optionError, unsupportedError } from '../errors.js';
import { gradientProfile, type GradientProfile } from './gradient-profile.js';
import { analysedLayers, type AnalysedLayer } from './layers.js';
import { minibatchIndices } from './minibatches.js';
import { analysisMeta, type AnalysisMeta } from '../analysis-meta.js';
import { resolveGradientOptions, type GradientOptions } from './options.js';
import { canonicalInitializer, reinitialize } from './reinitialize.js';
import type { GradientModel } from './layer-gradients.js';

export interface AnalyzeGradientsOptions extends Partial<GradientOptions> {
  /** Initializer for the comparison profile (glorotUniform, heNormal, lecunNormal, zeros, …). */
  compareInit?: string;
  /** Seed of the re-initialisation (default: options.seed). */
  initSeed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GradientAnalysis extends GradientProfile {
  meta: AnalysisMeta;
  options: GradientOptions;
  batches: { count: number; size: number; samples: number };
  init?: GradientProfile & { initializer: string; seed: number };
}

/** Bound on batches × batch size: the batch index sets are held at once, and each costs a forward/backward pass. */
const MAX_SAMPLE_GRADIENTS = 2 ** 24;

export async function analyzeGradients(bundle: ModelBundle, data: PreparedData, opts: AnalyzeGradientsOptions = {}): Promise<GradientAnalysis> {
  const started = Date.now();
  const { compareInit, initSeed, onProgress, ...rest } = opts;
  const o = resolveGradientOptions(rest);
  const initName = compareInit === undefined ? undefined : canonicalInitializer(compareInit);
  const layers = checkedLayers(bundle);
  const perBatch = Math.min(o.batchSize, data.n);
  if (o.batches * perBatch > MAX_SAMPLE_GRADIENTS) {
    throw optionError('batches', `${o.batches} batches of ${perBatch} samples are ${(o.batches * perBatch).toLocaleString('en')} per-sample passes; at most ${MAX_SAMPLE_GRADIENTS.toLocaleString('en')} per run (use fewer {batches} or a smaller {batchSize})`);
  }
  const batches = minibatchIndices(data.n, o.batchSize, o.batches, o.seed);
  const total = batches.length * (initName ? 2 : 1);
  let done = 0;
  const tick = () => onProgress?.(++done, total);
  const profile = await withModel(bundle, bundle.checkpoint, (m) => gradientProfile(m, layers, data, batches, o, tick));
  let init: GradientAnalysis['init'];
  if (initName) {
    const seed = initSeed ?? o.seed;
    const fresh = reinitialize(bundle.checkpoint, bundle.arch, initName, seed);
    init = { initializer: initName, seed, ...(await withModel(bundle, fresh, (m) => gradientProfile(m, layers, data, batches, o, tick))) };
  }
  return { meta: analysisMeta(started, { ...o, compareInit, initSeed }, o.seed), options: o, batches: { count: batches.length, size: batches[0].length, samples: data.n }, ...profile, ...(init ? { init } : {}) };
}

export function checkedLayers(bundle: ModelBundle): AnalysedLayer[] {
  const layers = analysedLayers(bundle.arch);
  if (!layers.some((l) => l.kernel !== null)) {
    throw unsupportedError('the model has no layer with a trainable kernel (Dense/Conv2D): no gradient profile to show', bundle.checkpoint.path);
  }
  return layers;
}

/** Run `fn` with the checkpoint's weights as tensors, disposing them afterwards. */
export async function withModel<T>(bundle: ModelBundle, ckpt: Checkpoint, fn: (m: GradientModel) => Promise<T>): Promise<T> {
  const weights = ckpt.weights.map((w) => tf.tensor(w.values, w.spec.shape));
  try {
    return await fn({ arch: bundle.arch, loss: bundle.loss, weights });
  } finally {
    tf.dispose(weights);
  }
}
