/**
 * IDX files (the MNIST format): magic [0, 0, dtype, ndims], then ndims big-endian uint32
 * dimensions, then big-endian data. Images are 0x00000803 (n, rows, cols), labels 0x00000801 (n).
 * dtype bytes: 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double.
 * The data after the header is read as a stream by array-stream.ts; this file only says what the
 * header declares.
 */
import { inputError } from '../errors.js';
import type { ArrayHeader, ElementType } from './array-header.js';

const t = (name: string, size: number, read: ElementType['read'], integer: boolean): ElementType => ({ name, size, read, integer, uint8: false });

const TYPES: Record<number, ElementType> = {
  0x08: { ...t('ubyte', 1, (dv, o) => dv.getUint8(o), true), uint8: true },
  0x09: t('sbyte', 1, (dv, o) => dv.getInt8(o), true),
  0x0b: t('short', 2, (dv, o) => dv.getInt16(o, false), true),
  0x0c: t('int', 4, (dv, o) => dv.getInt32(o, false), true),
  0x0d: t('float', 4, (dv, o) => dv.getFloat32(o, false), false),
  0x0e: t('double', 8, (dv, o) => dv.getFloat64(o, false), false),
};

const typeOf = (b: number) => (Object.hasOwn(TYPES, b) ? TYPES[b] : undefined);

/** True when the bytes start like an IDX file (two zero bytes, a known dtype, 1..8 dimensions). */
export function isIdx(buf: Uint8Array): boolean {
  return buf.byteLength >= 4 && buf[0] === 0 && buf[1] === 0 && typeOf(buf[2]) !== undefined && buf[3] >= 1 && buf[3] <= 8;
}

/** The header of an IDX file from its first bytes; undefined while they do not hold it all yet. */
export function idxHeader(head: Uint8Array, file: string): ArrayHeader | undefined {
  if (head.byteLength < 4) return undefined;
  if (head[0] !== 0 || head[1] !== 0) throw inputError(file, 'not an IDX file (magic number must start with two zero bytes)');
  const type = typeOf(head[2]);
  if (!type) throw inputError(file, `unsupported IDX dtype byte 0x${head[2].toString(16).padStart(2, '0')}`);
  const ndims = head[3];
  if (ndims < 1 || ndims > 8) throw inputError(file, `IDX file declares ${ndims} dimensions (1 to 8 are possible)`);
  const headerBytes = 4 + 4 * ndims;
  if (head.byteLength < headerBytes) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  return { format: 'idx', shape, headerBytes, type };
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
