/**
 * What a .npy or IDX header says about the array behind it: shape, element type and where the
 * data starts. Parsed from the first bytes of a (possibly still inflating) stream, so the size an
 * array will take in memory is known — and checked — before a byte of it is stored.
 */
import { inputError } from '../errors.js';

/** One element type of a stored array, and how to read one value of it. */
export interface ElementType {
  /** As the format spells it: "<f8", "|u1", "ubyte", "double", … */
  name: string;
  /** Bytes per element on disk. */
  size: number;
  /** The value at byte `off`; 64-bit integers beyond ±(2^53 − 1) read as ±Infinity (see `exact`). */
  read: (dv: DataView, off: number) => number;
  /** Integer (or bool) dtype. */
  integer: boolean;
  /** Unsigned bytes: kept as a Uint8Array in memory (no conversion to float32). */
  uint8: boolean;
  /** The exact stored value as text, for messages (64-bit integers that `read` cannot hold). */
  exact?: (dv: DataView, off: number) => string;
}

export interface ArrayHeader {
  format: 'npy' | 'idx';
  shape: number[];
  /** Bytes before the data (magic + header). */
  headerBytes: number;
  type: ElementType;
}

/** Elements in the array (the product of the shape). */
export const elementCount = (h: ArrayHeader) => h.shape.reduce((a, b) => a * b, 1);

/** Elements in one sample (row): the product of the shape after its first axis. */
export const rowWidth = (h: ArrayHeader) => h.shape.slice(1).reduce((a, b) => a * b, 1);

/** Bytes of data the header declares after itself. */
export const dataBytes = (h: ArrayHeader) => elementCount(h) * h.type.size;

const LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

/** Little- or big-endian 64-bit integers: exact within ±(2^53 − 1), ±Infinity beyond (refused later). */
export function int64Type(name: string, signed: boolean, little: boolean): ElementType {
  const big = (dv: DataView, o: number) => (signed ? dv.getBigInt64(o, little) : dv.getBigUint64(o, little));
  return {
    name,
    size: 8,
    integer: true,
    uint8: false,
    read: (dv, o) => {
      const v = big(dv, o);
      return v > LIMIT ? Infinity : v < -LIMIT ? -Infinity : Number(v);
    },
    exact: (dv, o) => big(dv, o).toString(),
  };
}

/** Check a parsed shape: whole, non-negative dimensions. */
export function checkShape(shape: number[], file: string, text: string): void {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw inputError(file, `malformed array shape (${text})`);
}
