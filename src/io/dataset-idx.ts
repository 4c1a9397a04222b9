/**
 * IDX files (the MNIST format): magic [0, 0, dtype, ndims], then ndims big-endian uint32
 * dimensions, then big-endian data. Images are 0x00000803 (n, rows, cols), labels 0x00000801 (n).
 * dtype bytes: 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double.
 */
import { inputError } from '../errors.js';
import type { NdArray } from './dataset-npy.js';
import { sharedFloat32 } from './sample-rows.js';

interface IdxType {
  name: string;
  size: number;
  read: (dv: DataView, off: number) => number;
}

const TYPES: Record<number, IdxType> = {
  0x08: { name: 'ubyte', size: 1, read: (dv, o) => dv.getUint8(o) },
  0x09: { name: 'sbyte', size: 1, read: (dv, o) => dv.getInt8(o) },
  0x0b: { name: 'short', size: 2, read: (dv, o) => dv.getInt16(o, false) },
  0x0c: { name: 'int', size: 4, read: (dv, o) => dv.getInt32(o, false) },
  0x0d: { name: 'float', size: 4, read: (dv, o) => dv.getFloat32(o, false) },
  0x0e: { name: 'double', size: 8, read: (dv, o) => dv.getFloat64(o, false) },
};

/** True when the bytes start like an IDX file (two zero bytes, a known dtype, 1..8 dimensions). */
export function isIdx(buf: Uint8Array): boolean {
  return buf.byteLength >= 4 && buf[0] === 0 && buf[1] === 0 && TYPES[buf[2]] !== undefined && buf[3] >= 1 && buf[3] <= 8;
}

/** Parse a whole (already gunzipped) IDX file; `file` names it in errors. */
export function parseIdx(buf: Uint8Array, file: string): NdArray {
  if (buf.byteLength < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw inputError(file, 'not an IDX file (magic number must start with two zero bytes)');
  }
  const type = TYPES[buf[2]];
  if (!type) throw inputError(file, `unsupported IDX dtype byte 0x${buf[2].toString(16).padStart(2, '0')}`);
  const ndims = buf[3];
  if (ndims < 1) throw inputError(file, 'IDX file declares 0 dimensions');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerBytes = 4 + 4 * ndims;
  if (buf.byteLength < headerBytes) throw inputError(file, 'truncated IDX header');
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = headerBytes + count * type.size;
  if (buf.byteLength !== need) {
    throw inputError(file, `holds ${buf.byteLength} bytes but an IDX ${type.name} array of shape (${shape.join(', ')}) needs ${need}`);
  }
  if (buf[2] === 0x08) {
    const bytes = new Uint8Array(new SharedArrayBuffer(count));
    bytes.set(buf.subarray(headerBytes));
    return { shape, data: bytes, isUint8: true, isInteger: true };
  }
  const out = sharedFloat32(count);
  for (let i = 0; i < count; i++) out[i] = type.read(dv, headerBytes + i * type.size);
  return { shape, data: out, isUint8: false, isInteger: buf[2] !== 0x0d && buf[2] !== 0x0e };
}

/** Total length an IDX header declares, from its first bytes (undefined while incomplete). */
export function idxDeclaredBytes(head: Uint8Array): number | undefined {
  if (head.byteLength < 4) return undefined;
  const type = TYPES[head[2]];
  const ndims = head[3];
  if (!type || ndims < 1) return -1;
  const headerBytes = 4 + 4 * ndims;
  if (head.byteLength < headerBytes) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < ndims; i++) count *= dv.getUint32(4 + 4 * i, false);
  return headerBytes + count * type.size;
}

/** `…images…idx3-ubyte[.gz]` file names (MNIST naming, any prefix). */
export const IDX_IMAGES = /images.*idx3-ubyte(\.gz)?$/i;
/** `…labels…idx1-ubyte[.gz]` file names. */
export const IDX_LABELS = /labels.*idx1-ubyte(\.gz)?$/i;

/** Candidate labels file names for an images file name, e.g. train-images-idx3-ubyte.gz → train-labels-idx1-ubyte[.gz]. */
export function labelsNamesFor(imagesName: string): string[] {
  const i = imagesName.toLowerCase().lastIndexOf('images');
  const base = `${imagesName.slice(0, i)}labels${imagesName.slice(i + 6)}`.replace(/idx3-ubyte/i, 'idx1-ubyte').replace(/\.gz$/i, '');
  return [base, `${base}.gz`];
}
