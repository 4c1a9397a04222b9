/**
 * lossLensCallback's options, their defaults and their validation. Errors name the option field
 * (`option every: …`), as every library option does.
 */
import { optionError } from '../errors.js';
import type { FitRecord } from './record.js';

/** A probe batch: the samples every measurement is taken on (inputs and targets as the model was compiled for). */
export interface FitProbe {
  /** Inputs, [n, ...inputShape]. */
  x: { shape: number[]; dataSync(): ArrayLike<number> };
  /** Targets, [n, outDim] (one-hot or regression) or [n] / [n, 1] class indices. */
  y: { shape: number[]; dataSync(): ArrayLike<number> };
}

/** What {@link lossLensCallback} measures, how often, where it writes and how much of the training time it may take. */
export interface FitCallbackOptions {
  /** Measure after every `every` batches (global batch count, across epochs). Default 100. */
  every?: number;
  /** Run folder (Node): run.json, measurements.jsonl, and at train end the figures and summary.json. Absent: records kept in memory only. */
  out?: string;
  /** The probe batch every measurement uses. */
  probe: FitProbe;
  /** Most share of the fit's wall time (training and measurements) the measurements may take, in percent, (0, 100]; 100: no limit. Default 20. */
  budget?: number;
  /** Lanczos steps for λmax (warm-started from the last measurement's Ritz vector). Default 20. */
  lanczosIter?: number;
  /** Hutchinson probes for tr(H) (0: no trace). Default 10. */
  traceProbes?: number;
  /** Gradient noise: minibatches of `noiseBatch` samples drawn from the probe, in `noiseGroups` groups of 4 (noiseGroups 0: no noise). */
  noiseBatch?: number;
  noiseGroups?: number;
  /** Seed of the Lanczos start, the trace probes and the noise minibatches (our generator: tf.random and Math.random are not used). */
  seed?: number;
  /** Also save the model at each measurement as `<out>/checkpoints/step-<n>/` (tfjs format), for the CLI. Default false. */
  checkpoints?: boolean;
  /** Draw the figures at train end (needs `out`). Default true. */
  figures?: boolean;
  /** Called with each record as it is measured. */
  onMeasurement?: (record: FitRecord) => void;
}

/** The resolved options (defaults filled, probe shapes in place of the probe). */
export interface ResolvedFitOptions {
  every: number;
  out: string | null;
  budget: number;
  lanczosIter: number;
  traceProbes: number;
  noiseBatch: number;
  noiseGroups: number;
  seed: number;
  checkpoints: boolean;
  figures: boolean;
  probe: { n: number; xShape: number[]; yShape: number[] };
}

/** The defaults of {@link FitCallbackOptions}. */
export const FIT_DEFAULTS = { every: 100, budget: 20, lanczosIter: 20, traceProbes: 10, noiseGroups: 8, seed: 0, checkpoints: false, figures: true };

function int(field: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw optionError(field, `must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function probeShapes(probe: FitProbe | undefined): ResolvedFitOptions['probe'] {
  if (!probe || !probe.x?.shape || !probe.y?.shape) throw optionError('probe', 'must be { x, y } with x and y tensors (the probe batch)');
  const xs = probe.x.shape,
    ys = probe.y.shape;
  if (xs.length < 2) throw optionError('probe', `x must be a batch [n, ...inputShape], got shape [${xs}]`);
  if (ys.length < 1 || ys[0] !== xs[0]) throw optionError('probe', `y must have as many rows as x (${xs[0]}), got shape [${ys}]`);
  if (xs[0]! < 2) throw optionError('probe', `needs at least 2 samples, got ${xs[0]}`);
  return { n: xs[0]!, xShape: xs.slice(1), yShape: ys.slice(1) };
}

/**
 * Defaults filled in and every field checked; a bad field is a LosslensError naming it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs';
 * import { resolveFitOptions } from 'losslens/fit';
 *
 * const probe = { x: tf.zeros([4, 2]), y: tf.zeros([4, 1]) };
 * assert.equal(resolveFitOptions({ every: 50, probe }).every, 50);
 * assert.throws(() => resolveFitOptions({ every: 0, probe }), /every/);
 * ```
 */
export function resolveFitOptions(o: FitCallbackOptions): ResolvedFitOptions {
  const every = int('every', o.every ?? FIT_DEFAULTS.every, 1);
  const budget = o.budget ?? FIT_DEFAULTS.budget;
  if (!(budget > 0 && budget <= 100)) throw optionError('budget', `must be a percentage in (0, 100], got ${budget}`);
  if (o.out !== undefined && (typeof o.out !== 'string' || o.out === '')) throw optionError('out', 'must be a folder path');
  const probe = probeShapes(o.probe);
  const noiseBatch = int('noiseBatch', o.noiseBatch ?? Math.max(1, Math.min(32, Math.floor(probe.n / 4))), 1);
  const noiseGroups = o.noiseGroups ?? FIT_DEFAULTS.noiseGroups;
  if (noiseGroups !== 0) int('noiseGroups', noiseGroups, 2);
  if (noiseGroups > 0 && 4 * noiseBatch > probe.n) {
    throw optionError('noiseBatch', `a group of 4 minibatches of ${noiseBatch} needs ${4 * noiseBatch} probe samples; the probe has ${probe.n}`);
  }
  return {
    every,
    out: o.out ?? null,
    budget,
    lanczosIter: int('lanczosIter', o.lanczosIter ?? FIT_DEFAULTS.lanczosIter, 1),
    traceProbes: int('traceProbes', o.traceProbes ?? FIT_DEFAULTS.traceProbes, 0),
    noiseBatch,
    noiseGroups,
    seed: int('seed', o.seed ?? FIT_DEFAULTS.seed, 0),
    checkpoints: o.checkpoints ?? FIT_DEFAULTS.checkpoints,
    figures: o.figures ?? FIT_DEFAULTS.figures,
    probe,
  };
}
