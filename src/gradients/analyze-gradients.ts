/**
 * `losslens gradients` as a library call: the checkpoint's gradient profile over seeded
 * minibatches and, with `compareInit`, the same profile for the same architecture freshly
 * initialised (same batches), so training and initialisation can be told apart. Always: the
 * unit-symmetry check (unit-symmetry.ts) on the first two batches; with `noise`, the gradient-noise
 * estimate (gradient-noise.ts); a non-random compareInit (zeros, constant) also gets the symmetry
 * of a Glorot-uniform initialisation beside it.
 */
import tf from '../tf.cjs';
import type { ModelBundle } from '../objective/model-bundle.js';
import { isMultiIO } from '../model/architecture.js';
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
import { gradientNoise, resolveNoiseOptions, type GradientNoise, type GradientNoiseOptions } from './gradient-noise.js';
import { unitSymmetry, type UnitSymmetry } from './unit-symmetry.js';
import { checkGradientBatchSize, gradientBatchSize } from './gradient-memory.js';
import { activeBackend } from '../engine/index.js';

/** What {@link analyzeGradients} measures: the minibatches (see GradientOptions) and the optional comparison against a re-initialised profile. */
export interface AnalyzeGradientsOptions extends Partial<GradientOptions> {
  /** Initializer for the comparison profile (glorotUniform, heNormal, lecunNormal, zeros, …). */
  compareInit?: string;
  /** Seed of the re-initialisation (default: options.seed). */
  initSeed?: number;
  onProgress?: (done: number, total: number) => void;
  /** Estimate the minibatch gradient noise at batchSize (true: default groups). */
  noise?: boolean | Partial<Pick<GradientNoiseOptions, 'groups' | 'groupSize'>>;
  /** Relative tolerance of the unit-symmetry check; default 1e-5. */
  symmetryTol?: number;
}

/** Initializers under which units start identical: their comparison adds a random one. */
const NON_RANDOM_INITS = new Set(['zeros', 'constant']);

/**
 * What {@link analyzeGradients} returns: the gradient profile (per layer, attenuation, health,
 * findings), unit symmetry, the batches drawn and the optional re-initialised comparison.
 */
export interface GradientAnalysis extends GradientProfile {
  meta: AnalysisMeta;
  options: GradientOptions;
  batches: { count: number; size: number; samples: number };
  init?: GradientProfile & { initializer: string; seed: number; symmetry: UnitSymmetry };
  /** Units with identical weights and gradients in the checkpoint. */
  symmetry: UnitSymmetry;
  /** With a zeros/constant compareInit: the same check on a Glorot-uniform initialisation. */
  randomInit?: { initializer: string; seed: number; symmetry: UnitSymmetry };
  noise?: GradientNoise;
}

/** Bound on batches × batch size: the batch index sets are held at once, and each costs a forward/backward pass. */
const MAX_SAMPLE_GRADIENTS = 2 ** 24;

/**
 * The gradient profile of a model on its data: per-layer ‖∂L/∂W‖ and ‖∂L/∂a‖ over seeded minibatches, their
 * attenuation from the last layer to the first, forward health (saturated and dead units), unit symmetry, the
 * gradient noise scale when asked, and findings in words.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, analyzeGradients } from 'losslens';
 *
 * // θ₀ of the fixture solves least squares: the full-batch gradient vanishes (to float32 rounding)
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const g = await analyzeGradients(problem.model, problem.train!.prepared, { batches: 1, batchSize: 256 });
 *   assert.ok(g.totalGrad.mean < 1e-4);
 *   assert.ok(Math.abs(g.loss.mean - 0.009124412201344967) < 1e-6);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function analyzeGradients(bundle: ModelBundle, data: PreparedData, opts: AnalyzeGradientsOptions = {}): Promise<GradientAnalysis> {
  const started = Date.now();
  const { compareInit, initSeed, onProgress, noise, symmetryTol, ...rest } = opts;
  if (rest.batchSize !== undefined) checkGradientBatchSize(bundle, rest.batchSize, activeBackend()?.name);
  const o = resolveGradientOptions({ ...rest, batchSize: rest.batchSize ?? gradientBatchSize(bundle) });
  const initName = compareInit === undefined ? undefined : canonicalInitializer(compareInit);
  const layers = checkedLayers(bundle);
  const perBatch = Math.min(o.batchSize, data.n);
  if (o.batches * perBatch > MAX_SAMPLE_GRADIENTS) {
    throw optionError(
      'batches',
      `${o.batches} batches of ${perBatch} samples are ${(o.batches * perBatch).toLocaleString('en')} per-sample passes; at most ${MAX_SAMPLE_GRADIENTS.toLocaleString('en')} per run (use fewer {batches} or a smaller {batchSize})`,
    );
  }
  const batches = minibatchIndices(data.n, o.batchSize, o.batches, o.seed);
  const noiseOpts = noise ? resolveNoiseOptions({ ...(noise === true ? {} : noise), batchSize: perBatch, seed: o.seed }, data.n) : null;
  const total = batches.length * (initName ? 2 : 1) + (noiseOpts ? noiseOpts.groups * noiseOpts.groupSize : 0);
  let done = 0;
  const tick = () => onProgress?.(++done, total);
  const symmetryOf = (m: GradientModel) => unitSymmetry(m, layers, data, batches.slice(0, 2), symmetryTol);
  const { profile, symmetry, noiseResult } = await withModel(bundle, bundle.checkpoint, async (m) => ({
    profile: await gradientProfile(m, layers, data, batches, o, tick),
    symmetry: await symmetryOf(m),
    noiseResult: noiseOpts ? await gradientNoise(m, layers, data, noiseOpts, tick) : undefined,
  }));
  if (symmetry.findings.length) profile.findings = profile.findings.filter((f) => f.code !== 'healthy');
  const { init, randomInit } = initName
    ? await initComparison(bundle, initName, initSeed ?? o.seed, symmetryOf, (m) => gradientProfile(m, layers, data, batches, o, tick))
    : { init: undefined, randomInit: undefined };
  return {
    meta: analysisMeta(started, { ...o, compareInit, initSeed, noise, symmetryTol }, o.seed),
    options: o,
    batches: { count: batches.length, size: batches[0].length, samples: data.n },
    ...profile,
    symmetry,
    ...(noiseResult ? { noise: noiseResult } : {}),
    ...(init ? { init } : {}),
    ...(randomInit ? { randomInit } : {}),
  };
}

/** The profile and symmetry of the architecture re-initialised, and for zeros/constant the symmetry of a Glorot-uniform one. */
async function initComparison(
  bundle: ModelBundle,
  initName: string,
  seed: number,
  symmetryOf: (m: GradientModel) => Promise<UnitSymmetry>,
  profileOf: (m: GradientModel) => Promise<GradientProfile>,
): Promise<Pick<GradientAnalysis, 'init' | 'randomInit'>> {
  const fresh = reinitialize(bundle.checkpoint, bundle.arch, initName, seed);
  const init = { initializer: initName, seed, ...(await withModel(bundle, fresh, async (m) => ({ ...(await profileOf(m)), symmetry: await symmetryOf(m) }))) };
  if (init.symmetry.findings.length) init.findings = init.findings.filter((f) => f.code !== 'healthy');
  if (!NON_RANDOM_INITS.has(initName)) return { init };
  const random = reinitialize(bundle.checkpoint, bundle.arch, 'glorotUniform', seed);
  return { init, randomInit: { initializer: 'glorotUniform', seed, symmetry: await withModel(bundle, random, symmetryOf) } };
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
    const heads = isMultiIO(bundle.arch) || bundle.heads.length > 1 ? bundle.heads : undefined;
    return await fn({ arch: bundle.arch, loss: bundle.loss, weights, ...(heads ? { heads } : {}) });
  } finally {
    tf.dispose(weights);
  }
}
