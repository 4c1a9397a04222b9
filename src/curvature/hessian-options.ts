/** Options of the Hessian analysis, with defaults and one error per bad field. */
import { optionError } from '../errors.js';
import { TRACE_METHODS, type TraceMethod } from './hutchinson-trace.js';
import type { DiagonalMethod } from './diagonal-estimate.js';
import { CURVATURE_KINDS, type CurvatureKind } from './curvature-kind.js';
import { FLOAT32_HVP_FLOOR } from './convergence-rule.js';
import { SADDLE_DEFAULTS, type SaddleEngine } from './saddle-options.js';

/** How the saddle counts are obtained: see saddle-counts.ts; 'lanczos' keeps the eigenvalue stage's bottom pairs + SLQ interval (no extra products). */
export const HESSIAN_SADDLE_METHODS = ['auto', 'dense', 'iterative', 'lanczos'] as const;
export type HessianSaddleMethod = (typeof HESSIAN_SADDLE_METHODS)[number];

/**
 * What {@link analyzeHessian} computes: how many extreme eigenvalues, the Lanczos budget and
 * tolerances, the trace and SLQ probes, the saddle thresholds τ and the per-layer blocks.
 */
export interface HessianOptions {
  top: number;
  bottom: number;
  /** Lanczos basis size: vectors held between thick restarts (memory: maxIter·dim doubles). */
  maxIter: number;
  /** HVP budget of the eigenvalue stage (all restarts together). */
  maxMatvecs: number;
  /** Residual tolerance relative to |θ| (ARPACK's rule; see convergence-rule.ts). */
  tol: number;
  /** Absolute residual floor relative to ρ: the HVP noise level (float32: 8·2⁻²³). */
  floor: number;
  probes: number;
  traceMethod: TraceMethod;
  slqOrder: number;
  slqProbes: number;
  sigma?: number;
  /** κ₊'s floor: eigenvalues ≤ relTol·λmax count as zero. */
  relTol: number;
  taus: number[];
  lr?: number;
  perLayer: boolean;
  perLayerIter: number;
  perLayerProbes: number;
  vectors: boolean;
  /** Compute the SLQ density (its probes also give a second trace estimate and bounds on the extremes). */
  density: boolean;
  /** Per-parameter diagonal: 'hutchinson' (reuses the trace's Rademacher products when the trace is Hutchinson) or 'xdiag'. */
  diagonal: 'none' | DiagonalMethod;
  diagonalProbes: number;
  /** Refuse a model whose loss/gradient differ between two passes (rtol 5e-5). */
  determinismCheck: boolean;
  /** The curvature matrix every matvec analysis uses (eigenvalues, trace, density, diagonal, per-layer). */
  curvature: CurvatureKind;
  /** Saddle counts: auto (dense up to saddleDenseMax parameters, else iterative), dense, iterative, or lanczos. */
  saddleMethod: HessianSaddleMethod;
  /** auto's largest dense dimension. */
  saddleDenseMax: number;
  /** Iterative: the locking engine (lanczos or chebyshev). */
  saddleEngine: SaddleEngine;
  /** Iterative: vectors filtered together and filter degree (chebyshev engine), most locked pairs, product budget. */
  saddleBlock: number;
  saddleDegree: number;
  saddleMaxLocked: number;
  saddleMaxMatvecs: number;
  seed: number;
}

/** The defaults of {@link HessianOptions}: 5 top and 5 bottom eigenvalues, a Lanczos basis of 100, the CLI's probe counts. */
export const HESSIAN_DEFAULTS: HessianOptions = {
  top: 5,
  bottom: 5,
  maxIter: 100,
  maxMatvecs: 1000,
  tol: 1e-4,
  floor: FLOAT32_HVP_FLOOR,
  probes: 100,
  traceMethod: 'hutchinson',
  slqOrder: 90,
  slqProbes: 3,
  relTol: 1e-6,
  taus: [1e-3, 1e-4, 1e-5],
  perLayer: false,
  perLayerIter: 30,
  perLayerProbes: 20,
  vectors: false,
  density: true,
  diagonal: 'none',
  diagonalProbes: 100,
  determinismCheck: true,
  curvature: 'hessian',
  saddleMethod: 'auto',
  saddleDenseMax: SADDLE_DEFAULTS.denseMaxDim,
  saddleEngine: SADDLE_DEFAULTS.engine,
  saddleBlock: SADDLE_DEFAULTS.blockSize,
  saddleDegree: SADDLE_DEFAULTS.degree,
  saddleMaxLocked: SADDLE_DEFAULTS.maxLocked,
  saddleMaxMatvecs: SADDLE_DEFAULTS.maxMatvecs,
  seed: 0,
};

const posInt = (v: number, f: string, min = 1) => {
  if (!Number.isInteger(v) || v < min) throw optionError(f, `must be an integer ≥ ${min}, got ${v}`);
};

/** Every field of HessianOptions (the optional ones too): nothing else is read from a caller's bag. */
const HESSIAN_FIELDS: readonly (keyof HessianOptions)[] = [...(Object.keys(HESSIAN_DEFAULTS) as (keyof HessianOptions)[]), 'sigma', 'lr'];

/**
 * Defaults filled in, each field checked; keys that are not HessianOptions fields are left out.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveHessianOptions, HESSIAN_DEFAULTS } from 'losslens/curvature';
 *
 * const o = resolveHessianOptions({ top: 3 });
 * assert.deepEqual([o.top, o.bottom, o.maxIter], [3, HESSIAN_DEFAULTS.bottom, HESSIAN_DEFAULTS.maxIter]);
 * assert.throws(() => resolveHessianOptions({ top: -1 }), /option top/);
 * ```
 */
export function resolveHessianOptions(o: Partial<HessianOptions>): HessianOptions {
  const given = HESSIAN_FIELDS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]);
  const r = { ...HESSIAN_DEFAULTS, ...Object.fromEntries(given) } as HessianOptions;
  posInt(r.top, 'top');
  posInt(r.bottom, 'bottom', 0);
  posInt(r.maxIter, 'maxIter', 2);
  posInt(r.maxMatvecs, 'maxMatvecs', 2);
  if (r.maxMatvecs > 1e6) throw optionError('maxMatvecs', `must be ≤ 1e6, got ${r.maxMatvecs}`);
  posInt(r.probes, 'probes');
  posInt(r.slqOrder, 'slqOrder', 2);
  posInt(r.slqProbes, 'slqProbes');
  posInt(r.perLayerIter, 'perLayerIter', 2);
  posInt(r.perLayerProbes, 'perLayerProbes');
  if (!(r.tol > 0 && r.tol < 1)) throw optionError('tol', `must be in (0, 1), got ${r.tol}`);
  if (!(r.floor >= 0 && r.floor < 1)) throw optionError('residualFloor', `must be in [0, 1), got ${r.floor}`);
  if (!(r.relTol > 0 && r.relTol < 1)) throw optionError('relTol', `must be in (0, 1), got ${r.relTol}`);
  if (!TRACE_METHODS.includes(r.traceMethod)) throw optionError('traceMethod', `unknown "${r.traceMethod}"; valid: ${TRACE_METHODS.join(', ')}`);
  if (r.traceMethod === 'xtrace' && r.probes < 4) throw optionError('probes', `xtrace needs ≥ 4 (2 test vectors), got ${r.probes}`);
  if (!CURVATURE_KINDS.includes(r.curvature)) throw optionError('curvature', `unknown "${r.curvature}"; valid: ${CURVATURE_KINDS.join(', ')}`);
  if (!['none', 'hutchinson', 'xdiag'].includes(r.diagonal)) throw optionError('diagonal', `unknown "${r.diagonal}"; valid: none, hutchinson, xdiag`);
  posInt(r.diagonalProbes, 'diagonalProbes', 2);
  for (const [f, v] of [
    ['probes', r.probes],
    ['diagonalProbes', r.diagonalProbes],
    ['slqProbes', r.slqProbes],
    ['perLayerProbes', r.perLayerProbes],
  ] as const) {
    if (v > 1e5) throw optionError(f, `must be ≤ 1e5, got ${v}`);
  }
  if (r.lr !== undefined && !(r.lr > 0)) throw optionError('lr', `must be > 0, got ${r.lr}`);
  if (r.sigma !== undefined && !(r.sigma > 0)) throw optionError('sigma', `must be > 0, got ${r.sigma}`);
  if (r.taus.some((t) => !(t > 0 && t < 1))) throw optionError('taus', 'each τ must be in (0, 1)');
  if (!HESSIAN_SADDLE_METHODS.includes(r.saddleMethod))
    throw optionError('saddleMethod', `unknown "${r.saddleMethod}"; valid: ${HESSIAN_SADDLE_METHODS.join(', ')}`);
  posInt(r.saddleDenseMax, 'saddleDenseMax', 1);
  if (r.saddleDenseMax > 8000) throw optionError('saddleDenseMax', `must be ≤ 8000 (a d×d float64 matrix), got ${r.saddleDenseMax}`);
  posInt(r.saddleBlock, 'saddleBlock', 2);
  posInt(r.saddleDegree, 'saddleDegree', 1);
  posInt(r.saddleMaxLocked, 'saddleMaxLocked', 1);
  posInt(r.saddleMaxMatvecs, 'saddleMaxMatvecs', 1);
  return r;
}
