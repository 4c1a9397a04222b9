/**
 * Options of `losslens report`: three presets (quick look, standard, publication) for the
 * Hessian, the slices and the gradient profile, the thresholds behind the findings, and the
 * one place that checks them.
 */
import { optionError } from '../errors.js';
import { HESSIAN_DEFAULTS, type HessianOptions } from '../curvature/hessian-options.js';
import { resolveGradientOptions, type GradientThresholds } from '../gradients/options.js';

/** How much the report command computes: quick, standard or full. */
export type ReportPreset = 'quick' | 'standard' | 'full';

export interface FindingThresholds {
  /** κ₊ above this: ill-conditioned. */
  illConditionedAbove: number;
  /** The τ of the saddle index the findings read (fraction of λ < −τ·λmax). */
  negativeTau: number;
  /** More than this fraction of eigenvalues below −τ·λmax: significant negative curvature. */
  negativeFraction: number;
  /** Test loss above this multiple of the train loss (and above it by ≥ minGap): a generalisation gap. */
  gapRatio: number;
  minGap: number;
}

export interface ReportOptions {
  preset: ReportPreset;
  seed: number;
  /** Learning rate held against 2/λmax. */
  lr?: number;
  /** Hessian, slices and gradient profile on a seeded subset of at most this many samples (eval always uses all). */
  analysisSamples?: number;
  hessian: Pick<HessianOptions, 'top' | 'bottom' | 'maxIter' | 'maxMatvecs' | 'probes' | 'slqOrder' | 'slqProbes' | 'relTol'>;
  slice: { range: [number, number]; points1d: number; points2d: number };
  /** Minibatches of the gradient profile, and the thresholds of its findings when not the defaults. */
  gradients: { batches: number; batchSize: number } & Partial<GradientThresholds>;
  /** Gradient-noise estimate (gradient-noise.ts) over all the training data at gradients.batchSize. */
  noise: { groups: number; groupSize: number };
  thresholds: FindingThresholds;
}

export const FINDING_THRESHOLDS: FindingThresholds = {
  illConditionedAbove: 1e3,
  negativeTau: 1e-3,
  negativeFraction: 0.01,
  gapRatio: 1.5,
  minGap: 0.1,
};

type PresetPart = Pick<ReportOptions, 'analysisSamples' | 'hessian' | 'gradients' | 'noise'> & { points1d: number; points2d: number };

export const REPORT_PRESETS: Record<ReportPreset, PresetPart> = {
  quick: {
    analysisSamples: 256,
    hessian: { top: 3, bottom: 3, maxIter: 40, maxMatvecs: 80, probes: 20, slqOrder: 30, slqProbes: 2, relTol: 1e-6 },
    points1d: 21,
    points2d: 11,
    gradients: { batches: 4, batchSize: 64 },
    noise: { groups: 16, groupSize: 4 },
  },
  standard: {
    hessian: { top: 5, bottom: 5, maxIter: 100, maxMatvecs: 600, probes: 50, slqOrder: 60, slqProbes: 3, relTol: 1e-6 },
    points1d: 41,
    points2d: 21,
    gradients: { batches: 8, batchSize: 64 },
    noise: { groups: 32, groupSize: 4 },
  },
  full: {
    hessian: { top: 10, bottom: 10, maxIter: 200, maxMatvecs: 2000, probes: 200, slqOrder: 100, slqProbes: 10, relTol: 1e-6 },
    points1d: 101,
    points2d: 51,
    gradients: { batches: 16, batchSize: 64 },
    noise: { groups: 64, groupSize: 4 },
  },
};

export interface ReportOptionsInput {
  preset?: ReportPreset;
  seed?: number;
  lr?: number;
  range?: [number, number];
  points1d?: number;
  points2d?: number;
  thresholds?: Partial<FindingThresholds>;
  /** Thresholds of the gradient findings (checked here, before any work). */
  gradientThresholds?: Partial<GradientThresholds>;
}

/** The same bounds as slice's: a 1-D curve needs 2 points, a 2-D grid 3 per axis (cli/option-limits.ts agrees). */
const gridPoints = (v: number, field: string, min: number) => {
  if (!Number.isInteger(v) || v < min || v > 1001) throw optionError(field, `must be an integer in [${min}, 1001], got ${v}`);
};

export function resolveReportOptions(o: ReportOptionsInput = {}): ReportOptions {
  const preset = o.preset ?? 'standard';
  const p = REPORT_PRESETS[preset];
  if (!p) throw optionError('preset', `unknown "${preset}"; valid: ${Object.keys(REPORT_PRESETS).join(', ')}`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw optionError('seed', `must be an integer, got ${seed}`);
  if (o.lr !== undefined && !(Number.isFinite(o.lr) && o.lr > 0)) throw optionError('lr', `must be > 0, got ${o.lr}`);
  const range = o.range ?? [-1, 1];
  if (!(range[0] < range[1])) throw optionError('range', `lower end must be below upper end, got ${range.join(':')}`);
  const points1d = o.points1d ?? p.points1d;
  const points2d = o.points2d ?? p.points2d;
  gridPoints(points1d, 'points', 2);
  gridPoints(points2d, 'grid', 3);
  const thresholds = { ...FINDING_THRESHOLDS, ...Object.fromEntries(Object.entries(o.thresholds ?? {}).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(thresholds)) if (!(Number.isFinite(v) && v > 0)) throw optionError(k, `must be > 0, got ${v}`);
  const taus = HESSIAN_DEFAULTS.taus; // the τ's the report's saddle index is computed at
  if (!taus.includes(thresholds.negativeTau))
    throw optionError('negativeTau', `must be one of ${taus.map((t) => t.toExponential()).join(', ')} (the saddle index's τ), got ${thresholds.negativeTau}`);
  const gradientThresholds = Object.fromEntries(Object.entries(o.gradientThresholds ?? {}).filter(([, v]) => v !== undefined)) as Partial<GradientThresholds>;
  resolveGradientOptions({ ...p.gradients, ...gradientThresholds });
  return {
    preset,
    seed,
    ...(o.lr !== undefined ? { lr: o.lr } : {}),
    ...(p.analysisSamples !== undefined ? { analysisSamples: p.analysisSamples } : {}),
    hessian: { ...p.hessian },
    slice: { range, points1d, points2d },
    gradients: { ...p.gradients, ...gradientThresholds },
    noise: { ...p.noise },
    thresholds,
  };
}
