import { LosslensError } from '../errors.js';

/**
 * Dense Float64 vector kernels for the Krylov routines. Plain loops (no allocation unless
 * the name says so), so a 1e6-long vector costs one pass per call.
 */

/** The operator every curvature routine takes: v ↦ H v (sync or async; always awaited). */
export type MatVec = (v: Float64Array) => Float64Array | Promise<Float64Array>;

/** Progress callback: `done` of `total` operator applications (or steps) finished. */
export type OnProgress = (done: number, total: number) => void;

/** xᵀy. */
export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** ‖x‖₂, scaled to avoid overflow/underflow for extreme entries. */
export function norm(x: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** y ← y + a·x (in place); returns y. */
export function axpy(a: number, x: Float64Array, y: Float64Array): Float64Array {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
  return y;
}

/** x ← a·x (in place); returns x. */
export function scale(a: number, x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] *= a;
  return x;
}

/** A new array a·x. */
export function scaled(a: number, x: Float64Array): Float64Array {
  return scale(a, Float64Array.from(x));
}

/** Normalises x in place; returns its norm before normalisation (0 leaves x unchanged). */
export function normalize(x: Float64Array): number {
  const n = norm(x);
  if (n > 0) scale(1 / n, x);
  return n;
}

/**
 * Removes from v (in place) its components along the orthonormal `basis` vectors, with two
 * passes of classical Gram-Schmidt ("twice is enough", Giraitis/Parlett): one pass loses
 * orthogonality in proportion to the condition of the projection, the second restores it
 * to working precision. Returns v.
 */
export function orthogonalize(v: Float64Array, basis: readonly Float64Array[]): Float64Array {
  if (basis.length === 0) return v;
  const coeffs = new Float64Array(basis.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < basis.length; j++) coeffs[j] = dot(basis[j], v);
    for (let j = 0; j < basis.length; j++) axpy(-coeffs[j], basis[j], v);
  }
  return v;
}

/** Σ_j c_j · basis_j as a new vector of length `dim` (e.g. a Ritz vector Q·s). */
export function combine(basis: readonly Float64Array[], c: ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(dim);
  for (let j = 0; j < basis.length; j++) if (c[j] !== 0) axpy(c[j], basis[j], out);
  return out;
}

/**
 * Applies the operator to a copy of v and returns a copy of its answer, so neither a
 * callback that writes into its input nor one that reuses its output buffer can corrupt
 * a stored Krylov basis (two O(n) copies, negligible beside an HVP).
 */
export async function applyMatVec(matvec: MatVec, v: Float64Array): Promise<Float64Array> {
  const out = await matvec(Float64Array.from(v));
  if (out.length !== v.length) {
    throw new LosslensError('INTERNAL', `matvec returned a vector of length ${out.length}, expected ${v.length}`);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new LosslensError('INTERNAL', `matvec returned a non-finite entry at ${i}`);
  }
  return Float64Array.from(out);
}
