/**
 * Samples as they are stored in memory, and rows taken out of them one batch at a time.
 *
 * A dataset's inputs keep their stored dtype: images saved as unsigned bytes (IDX ubyte, npy |u1)
 * stay a Uint8Array (4× less memory than float32) and are divided by `xDivisor` (255) only when a
 * batch is taken; everything else is float32 with divisor 1. Arrays live on SharedArrayBuffers,
 * so worker threads read the same memory instead of a copy each (structured clone shares a
 * SharedArrayBuffer; it copies an ArrayBuffer).
 */

/** Stored inputs: float32, or unsigned bytes to be divided by the dataset's divisor. */
export type InputArray = Float32Array | Uint8Array;

const isShared = (a: ArrayBufferView) => typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
/** A SharedArrayBuffer, or an ArrayBuffer where there is none (a browser page without cross-origin isolation, which has no workers to share with). */
const sharedBuffer = (bytes: number) => (typeof SharedArrayBuffer === 'undefined' ? new ArrayBuffer(bytes) : new SharedArrayBuffer(bytes));

/** A zeroed array of `a`'s kind and `length` on a SharedArrayBuffer. */
export function sharedLike<T extends InputArray>(a: T, length: number): T {
  const Ctor = a.constructor as new (b: ArrayBufferLike) => T;
  return new Ctor(sharedBuffer(length * a.BYTES_PER_ELEMENT));
}

/** `a` itself when it already lives on a SharedArrayBuffer, else a shared copy. */
export function toShared<T extends InputArray>(a: T): T {
  if (isShared(a)) return a;
  const out = sharedLike(a, a.length);
  out.set(a);
  return out;
}

/** A shared float32 array of `length` zeros. */
export const sharedFloat32 = (length: number) => new Float32Array(sharedBuffer(length * 4));

/**
 * Rows [start, end) of inputs `x` (`width` values a row) as float32, divided by `divisor`: a view
 * of `x` where no conversion is needed, else written into `into` (at least that long) or a new array.
 */
export function inputRows(x: InputArray, divisor: number, width: number, start: number, end: number, into?: Float32Array): Float32Array {
  const src = x.subarray(start * width, end * width);
  if (divisor === 1 && src instanceof Float32Array) return src;
  const out = into ? into.subarray(0, src.length) : new Float32Array(src.length);
  if (divisor === 1) out.set(src);
  else for (let i = 0; i < src.length; i++) out[i] = src[i] / divisor;
  return out;
}

/** Rows `idx` (in that order) of inputs `x` as float32, divided by `divisor`; into `into` (at least that long) or a new array. */
export function gatherInputRows(x: InputArray, divisor: number, width: number, idx: ArrayLike<number>, into?: Float32Array): Float32Array {
  const out = into ? into.subarray(0, idx.length * width) : new Float32Array(idx.length * width);
  for (let r = 0; r < idx.length; r++) {
    const o = idx[r] * width;
    const d = r * width;
    if (divisor === 1) for (let j = 0; j < width; j++) out[d + j] = x[o + j];
    else for (let j = 0; j < width; j++) out[d + j] = x[o + j] / divisor;
  }
  return out;
}

/** Rows `idx` of `a` (`width` values a row), same dtype, on a SharedArrayBuffer. */
export function takeSharedRows<T extends InputArray>(a: T, width: number, idx: ArrayLike<number>, rowsTotal: number): T {
  const out = sharedLike(a, idx.length * width);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (!Number.isInteger(i) || i < 0 || i >= rowsTotal) throw new RangeError(`row ${i} is outside 0..${rowsTotal - 1}`);
    out.set(a.subarray(i * width, (i + 1) * width), r * width);
  }
  return out;
}

/** Every input of a dataset as float32 values (divided by its divisor): a full copy, for small data and tests. */
export function inputValues(d: { n: number; x: InputArray; xDivisor?: number }): Float32Array {
  return inputRows(d.x, d.xDivisor ?? 1, d.n === 0 ? 0 : d.x.length / d.n, 0, d.n).slice();
}
