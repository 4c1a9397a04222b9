import { LosslensError } from '../errors.js';
import { loadNativeAddon, type NativeAddon } from '../kernels/native-addon.js';

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

/** A new array x / d, entry by entry (what x.map((e) => e / d) computes, at ~7× its speed in V8). */
export function divided(x: Float64Array, d: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] / d;
  return out;
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
 * to working precision. Returns v. The same floating-point operations in the same order as
 * `dot` then `axpy` per basis vector, four basis vectors per sweep over v (about twice as fast
 * in V8 as one vector a sweep: v is read a quarter as often).
 */
export function orthogonalize(v: Float64Array, basis: readonly Float64Array[]): Float64Array {
  if (basis.length === 0) return v;
  const coeffs = new Float64Array(basis.length);
  for (let pass = 0; pass < 2; pass++) {
    dotsInto(basis, v, coeffs);
    for (let j = 0; j < coeffs.length; j++) coeffs[j] = -coeffs[j]; // v − c·q is v + (−c)·q exactly
    addCombination(v, basis, coeffs);
  }
  return v;
}

/**
 * The native addon's basis kernels (native/basis.c: the same operations in the same order as the
 * loops here, so the same bits, vectorised and on the addon's threads) where it loaded, else null.
 * Long SLQ probes spend a large share of their time in the reorthogonalisation; this takes it off JS.
 */
let native: NativeAddon | null | undefined;
/** Below this many multiply-adds the call costs more than the loop. */
const NATIVE_MIN = 1 << 12;
function nativeBasis(m: number, n: number): NativeAddon | null {
  if (m * n < NATIVE_MIN) return null;
  native ??= loadNativeAddon().addon ?? null;
  return native;
}

/** c[j] = basis[j]ᵀv for every j, each sum in index order (as `dot`), four basis vectors a sweep. */
function dotsInto(basis: readonly Float64Array[], v: Float64Array, c: Float64Array): void {
  const m = basis.length,
    n = v.length;
  const addon = nativeBasis(m, n);
  if (addon) return addon.basisDots(basis as Float64Array[], v, c);
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const a = basis[j],
      b = basis[j + 1],
      d = basis[j + 2],
      e = basis[j + 3];
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      s0 += a[i] * x;
      s1 += b[i] * x;
      s2 += d[i] * x;
      s3 += e[i] * x;
    }
    c[j] = s0;
    c[j + 1] = s1;
    c[j + 2] = s2;
    c[j + 3] = s3;
  }
  for (; j < m; j++) c[j] = dot(basis[j], v);
}

/**
 * out ← out + Σ_j c[j]·q[j], the terms added in j order — what successive `axpy(c[j], q[j], out)`
 * compute, to the bit — four vectors per sweep over out.
 */
function addCombination(out: Float64Array, q: readonly Float64Array[], c: ArrayLike<number>): void {
  const m = q.length,
    n = out.length;
  const addon = nativeBasis(m, n);
  if (addon) return addon.basisCombine(out, q as Float64Array[], c instanceof Float64Array ? c : Float64Array.from(c));
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const a = q[j],
      b = q[j + 1],
      d = q[j + 2],
      e = q[j + 3];
    const k0 = c[j],
      k1 = c[j + 1],
      k2 = c[j + 2],
      k3 = c[j + 3];
    for (let i = 0; i < n; i++) out[i] = out[i] + k0 * a[i] + k1 * b[i] + k2 * d[i] + k3 * e[i];
  }
  for (; j < m; j++) axpy(c[j], q[j], out);
}

/** Σ_j c_j · basis_j as a new vector of length `dim` (e.g. a Ritz vector Q·s). */
export function combine(basis: readonly Float64Array[], c: ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(dim);
  const used: number[] = [];
  for (let j = 0; j < basis.length; j++) if (c[j] !== 0) used.push(j);
  addCombination(
    out,
    used.map((j) => basis[j]),
    used.map((j) => c[j]),
  );
  return out;
}

/**
 * Applies the operator to a copy of v and returns a copy of its answer, so neither a
 * callback that writes into its input nor one that reuses its output buffer can corrupt
 * a stored Krylov basis (two O(n) copies, negligible beside an HVP).
 */
export async function applyMatVec(matvec: MatVec, v: Float64Array): Promise<Float64Array> {
  const out = await matvec(v.slice());
  if (out.length !== v.length) {
    throw new LosslensError('INTERNAL', `matvec returned a vector of length ${out.length}, expected ${v.length}`);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new LosslensError('INTERNAL', `matvec returned a non-finite entry at ${i}`);
  }
  return out instanceof Float64Array ? out.slice() : Float64Array.from(out);
}
