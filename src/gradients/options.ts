/**
 * Options of the gradient diagnostics, their documented defaults, and the one place that
 * checks them. Every threshold a finding uses is here, so a report can print what it used.
 */
import { optionError } from '../errors.js';

/** The minibatches {@link analyzeGradients} draws (count, size, seed), the attenuation basis and the thresholds its findings use. */
export interface GradientOptions {
  /** Minibatches drawn (seeded, without replacement inside a batch). */
  batches: number;
  /** Samples per minibatch; a batch never exceeds the dataset. Left out of analyzeGradients: 64, or fewer where the memory model says (gradient-memory.ts). */
  batchSize: number;
  seed: number;
  /** Which norm the overall attenuation (first/last) and the vanishing/exploding findings use. */
  basis: 'weights' | 'activations';
  /** Overall first/last attenuation below this: vanishing gradients. */
  vanishingBelow: number;
  /** Overall first/last attenuation above this: exploding gradients. */
  explodingAbove: number;
  /** A minibatch (or checkpoint) whose total ‖∂L/∂θ‖ exceeds this multiple of the median: a spike. */
  spikeFactor: number;
  /** Saturation bound: |tanh| > s, or sigmoid < 1 − s or > s. Default 0.99. */
  saturation: number;
  /** A (non-output) layer with more than this fraction of saturated values is reported. */
  saturatedFraction: number;
  /**
   * A ReLU layer with more than this fraction of dead units (0 on every sample seen) is reported.
   * 0.4 (CS231n: "as much as 40% of your network can be dead"): a healthy deep He-initialised
   * ReLU net already has ~20% of units silent on a finite data set in its deeper layers.
   */
  deadFraction: number;
}

/** The thresholds behind the gradient findings (options of `losslens gradients` and `losslens report`). */
export type GradientThresholds = Pick<
  GradientOptions,
  'vanishingBelow' | 'explodingAbove' | 'spikeFactor' | 'saturation' | 'saturatedFraction' | 'deadFraction'
>;

/** The defaults of {@link GradientOptions}: 8 minibatches of 64 samples, seed 0. */
export const GRADIENT_DEFAULTS: GradientOptions = {
  batches: 8,
  batchSize: 64,
  seed: 0,
  basis: 'weights',
  vanishingBelow: 1e-3,
  explodingAbove: 1e3,
  spikeFactor: 10,
  saturation: 0.99,
  saturatedFraction: 0.5,
  deadFraction: 0.4,
};

const positive = (v: number) => Number.isFinite(v) && v > 0;
const fraction = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;

/**
 * Gradient options with the defaults filled in ({@link GRADIENT_DEFAULTS}), each field checked and refused
 * naming it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveGradientOptions, GRADIENT_DEFAULTS } from 'losslens/gradients';
 *
 * assert.deepEqual(resolveGradientOptions({}), GRADIENT_DEFAULTS);
 * assert.equal(resolveGradientOptions({ batches: 3 }).batches, 3);
 * assert.throws(() => resolveGradientOptions({ batchSize: 0 }), /option batchSize/);
 * ```
 */
export function resolveGradientOptions(partial: Partial<GradientOptions> = {}): GradientOptions {
  const o: GradientOptions = { ...GRADIENT_DEFAULTS };
  // only GradientOptions' own fields: a caller's other keys stay out
  for (const [k, v] of Object.entries(partial)) if (v !== undefined && k in GRADIENT_DEFAULTS) (o as any)[k] = v;
  if (!Number.isInteger(o.batches) || o.batches < 1) throw optionError('batches', `must be an integer ≥ 1 (got ${o.batches})`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw optionError('batchSize', `must be an integer ≥ 1 (got ${o.batchSize})`);
  if (!Number.isInteger(o.seed)) throw optionError('seed', `must be an integer (got ${o.seed})`);
  if (o.basis !== 'weights' && o.basis !== 'activations') throw optionError('basis', `unknown "${o.basis}"; valid: weights, activations`);
  if (!positive(o.vanishingBelow)) throw optionError('vanishingBelow', `must be > 0 (got ${o.vanishingBelow})`);
  if (!positive(o.explodingAbove) || o.explodingAbove <= o.vanishingBelow) {
    throw optionError('explodingAbove', `must be > {vanishingBelow} (got ${o.explodingAbove})`);
  }
  if (!(positive(o.spikeFactor) && o.spikeFactor > 1)) throw optionError('spikeFactor', `must be > 1 (got ${o.spikeFactor})`);
  if (!(o.saturation > 0.5 && o.saturation < 1)) throw optionError('saturation', `must lie in (0.5, 1) (got ${o.saturation})`);
  if (!fraction(o.saturatedFraction)) throw optionError('saturatedFraction', `must lie in [0, 1] (got ${o.saturatedFraction})`);
  if (!fraction(o.deadFraction)) throw optionError('deadFraction', `must lie in [0, 1] (got ${o.deadFraction})`);
  return o;
}
