/** Options of the saddle counts (saddle-counts.ts), with defaults and one error per bad field. */
import { optionError } from '../errors.js';
import { FLOAT32_HVP_FLOOR } from './convergence-rule.js';

/** The saddle-count methods: `dense` (the full float64 spectrum of the assembled matrix), `iterative` (locked bottom pairs) or `auto` (by size). */
export const SADDLE_METHODS = ['auto', 'dense', 'iterative'] as const;
/** One of {@link SADDLE_METHODS}. */
export type SaddleMethod = (typeof SADDLE_METHODS)[number];
/** How the iterative path locks bottom pairs: thick-restart Lanczos sized by SLQ (spectrum-slicing.ts), or a Chebyshev-filtered block. */
export const SADDLE_ENGINES = ['lanczos', 'chebyshev'] as const;
export type SaddleEngine = (typeof SADDLE_ENGINES)[number];

/** What {@link saddleCounts} counts: the τ values of #{λ < −τ·λmax}, the method, and the limits of the dense and iterative methods. */
export interface SaddleCountOptions {
  taus: number[];
  method: SaddleMethod;
  /**
   * auto takes dense up to this many parameters: the eigensolver's O(d³) is ≈ 3 s of one core at
   * d = 2 000 (≈ 24 s at 4 000, d² doubles = 128 MiB) and its d products are fewer than the
   * iterative path needs to lock a clustered bottom end.
   */
  denseMaxDim: number;
  /** λmax for scaling τ (iterative); computed by Lanczos when absent. Dense uses its own. */
  lambdaMax?: number;
  /** Locking engine of the iterative path. */
  engine: SaddleEngine;
  /** lanczos engine: probes and steps of the SLQ run that sizes the locking (its estimated counts). */
  sizingProbes: number;
  sizingOrder: number;
  /** Vectors filtered together (iterative, chebyshev engine). */
  blockSize: number;
  /** Chebyshev filter degree per cycle (products per vector per cycle). */
  degree: number;
  /** Most locked pairs: with the block, (maxLocked + 3·blockSize)·d doubles of memory. */
  maxLocked: number;
  /** Product budget of the iterative locking. */
  maxMatvecs: number;
  tol: number;
  floor: number;
  /**
   * Probes and steps of the deflated SLQ where the locked pairs do not reach a threshold (0: none). 300 steps: on a
   * 2 062-parameter conv net, 4 × 150 bracketed its 324 eigenvalues below −1e-4·λmax by [258, 456], 4 × 300 by [291, 348].
   */
  slqProbes: number;
  slqOrder: number;
  seed: number;
}

/** The defaults of {@link SaddleCountOptions}: τ ∈ {1e-3, 1e-4, 1e-5}, `auto` method, the dense method up to 4000 parameters. */
export const SADDLE_DEFAULTS: SaddleCountOptions = {
  taus: [1e-3, 1e-4, 1e-5],
  method: 'auto',
  denseMaxDim: 4000,
  engine: 'lanczos',
  sizingProbes: 4,
  sizingOrder: 150,
  blockSize: 64,
  degree: 30,
  maxLocked: 600,
  maxMatvecs: 200_000,
  tol: 1e-4,
  floor: FLOAT32_HVP_FLOOR,
  slqProbes: 4,
  slqOrder: 300,
  seed: 0,
};

const FIELDS: readonly (keyof SaddleCountOptions)[] = [...(Object.keys(SADDLE_DEFAULTS) as (keyof SaddleCountOptions)[]), 'lambdaMax'];

const posInt = (v: number, f: string, min: number, max: number) => {
  if (!Number.isInteger(v) || v < min || v > max) throw optionError(f, `must be an integer in [${min}, ${max}], got ${v}`);
};

export function resolveSaddleOptions(o: Partial<SaddleCountOptions>): SaddleCountOptions {
  const given = FIELDS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]);
  const r = { ...SADDLE_DEFAULTS, ...Object.fromEntries(given) } as SaddleCountOptions;
  if (!SADDLE_METHODS.includes(r.method)) throw optionError('saddleMethod', `unknown "${r.method}"; valid: ${SADDLE_METHODS.join(', ')}`);
  if (!SADDLE_ENGINES.includes(r.engine)) throw optionError('saddleEngine', `unknown "${r.engine}"; valid: ${SADDLE_ENGINES.join(', ')}`);
  posInt(r.sizingProbes, 'sizingProbes', 1, 1e4);
  posInt(r.sizingOrder, 'sizingOrder', 2, 1e4);
  if (r.taus.length === 0 || r.taus.some((t) => !(t > 0 && t < 1))) throw optionError('taus', 'each τ must be in (0, 1)');
  posInt(r.denseMaxDim, 'denseMaxDim', 1, 8000);
  posInt(r.blockSize, 'saddleBlock', 2, 4096);
  posInt(r.degree, 'saddleDegree', 1, 1000);
  posInt(r.maxLocked, 'saddleMaxLocked', 1, 1e5);
  posInt(r.maxMatvecs, 'saddleMaxMatvecs', 1, 1e8);
  posInt(r.slqProbes, 'slqProbes', 0, 1e5);
  posInt(r.slqOrder, 'slqOrder', 2, 1e4);
  if (!(r.tol > 0 && r.tol < 1)) throw optionError('tol', `must be in (0, 1), got ${r.tol}`);
  if (!(r.floor >= 0 && r.floor < 1)) throw optionError('residualFloor', `must be in [0, 1), got ${r.floor}`);
  if (r.lambdaMax !== undefined && !(r.lambdaMax > 0)) throw optionError('lambdaMax', `must be > 0, got ${r.lambdaMax}`);
  return r;
}
