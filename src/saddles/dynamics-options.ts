/** Options of the saddle dynamics (dynamics-run.ts): the methods, their step rules and what is recorded; defaults and one error per bad field. */
import { optionError } from '../errors.js';

export const DYNAMICS_METHODS = ['gd', 'momentum', 'newton', 'sfn'] as const;
/** The step rules: gradient descent, heavy-ball momentum, Krylov Newton and saddle-free Newton. */
export type DynamicsMethod = (typeof DYNAMICS_METHODS)[number];

/** How the methods step and what is recorded along their paths (defaults: DYNAMICS_DEFAULTS). */
export interface DynamicsOptions {
  steps: number;
  /** Step size of gd and momentum. */
  lr: number;
  /** Heavy-ball coefficient μ: v ← μv − lr·g, θ ← θ + v. */
  momentum: number;
  /** Lanczos vectors of the Krylov subspace of newton and sfn. */
  krylovDim: number;
  /** Newton's damping δ relative to max|Λ| of the Krylov matrix: s = −V Q (Λ + δ)⁻¹ Qᵀ Vᵀ g. */
  newtonDamping: number;
  /** SFN's damping candidates relative to max|Λ|; each step takes the one of least loss (Dauphin et al.'s search). */
  sfnDampings: number[];
  /** Trust radius: a newton or sfn step longer than this is scaled to it. */
  maxStep: number;
  /** Record the index every this many steps (and at the last step). */
  indexEvery: number;
}

export const DYNAMICS_DEFAULTS: DynamicsOptions = {
  steps: 200,
  lr: 0.1,
  momentum: 0.9,
  krylovDim: 20,
  newtonDamping: 0,
  sfnDampings: [1e-3, 1e-2, 1e-1, 1],
  maxStep: 1,
  indexEvery: 20,
};

const intIn = (v: number, f: string, min: number, max: number) => {
  if (!(Number.isInteger(v) && v >= min && v <= max)) throw optionError(f, `must be an integer in [${min}, ${max}], got ${v}`);
};

/** The options with defaults filled in, each field checked. */
export function resolveDynamicsOptions(o: Partial<DynamicsOptions>): DynamicsOptions {
  // only this type's fields: a caller's wider options object (paths, data options) stays out of the result
  const given = (Object.keys(DYNAMICS_DEFAULTS) as (keyof DynamicsOptions)[]).filter((k) => o[k] !== undefined).map((k) => [k, o[k]]);
  const r = { ...DYNAMICS_DEFAULTS, ...Object.fromEntries(given) } as DynamicsOptions;
  intIn(r.steps, 'steps', 1, 1e6);
  intIn(r.krylovDim, 'krylovDim', 1, 1000);
  intIn(r.indexEvery, 'indexEvery', 1, 1e6);
  if (!(r.lr > 0 && Number.isFinite(r.lr))) throw optionError('lr', `must be > 0, got ${r.lr}`);
  if (!(r.momentum >= 0 && r.momentum < 1)) throw optionError('momentum', `must be in [0, 1), got ${r.momentum}`);
  if (!(r.newtonDamping >= 0 && Number.isFinite(r.newtonDamping))) throw optionError('newtonDamping', `must be ≥ 0, got ${r.newtonDamping}`);
  if (r.sfnDampings.length === 0 || r.sfnDampings.some((d) => !(d >= 0 && Number.isFinite(d))))
    throw optionError('sfnDampings', `each must be a finite number ≥ 0, got ${r.sfnDampings.join(',')}`);
  if (!(r.maxStep > 0 && Number.isFinite(r.maxStep))) throw optionError('maxStep', `must be a finite number > 0, got ${r.maxStep}`);
  return r;
}

/** Parses a comma-separated method list, refusing unknown and repeated names. */
export function parseMethods(s: string): DynamicsMethod[] {
  const names = s.split(',').map((t) => t.trim());
  for (const n of names) {
    if (!(DYNAMICS_METHODS as readonly string[]).includes(n)) throw optionError('methods', `unknown method "${n}"; valid: ${DYNAMICS_METHODS.join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw optionError('methods', `each method at most once, got ${s}`);
  return names as DynamicsMethod[];
}
