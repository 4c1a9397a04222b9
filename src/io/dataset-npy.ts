/**
 * NumPy `.npy` headers (format versions 1, 2 and 3), little-endian, C order.
 * Supported dtypes: <f4 <f8 |u1 |i1 <i2 <i4 <i8 <u8 <u2 <u4 |b1. The data after the header is
 * read as a stream by array-stream.ts; this file only says what the header declares.
 */
import { inputError } from '../errors.js';
import { checkShape, int64Type, type ArrayHeader, type ElementType } from './array-header.js';

const t = (name: string, size: number, read: ElementType['read'], integer: boolean): ElementType => ({ name, size, read, integer, uint8: false });

const DTYPES: Record<string, ElementType> = {
  f4: t('f4', 4, (dv, o) => dv.getFloat32(o, true), false),
  f8: t('f8', 8, (dv, o) => dv.getFloat64(o, true), false),
  u1: { ...t('u1', 1, (dv, o) => dv.getUint8(o), true), uint8: true },
  i1: t('i1', 1, (dv, o) => dv.getInt8(o), true),
  b1: t('b1', 1, (dv, o) => (dv.getUint8(o) ? 1 : 0), true),
  i2: t('i2', 2, (dv, o) => dv.getInt16(o, true), true),
  u2: t('u2', 2, (dv, o) => dv.getUint16(o, true), true),
  i4: t('i4', 4, (dv, o) => dv.getInt32(o, true), true),
  u4: t('u4', 4, (dv, o) => dv.getUint32(o, true), true),
  i8: int64Type('i8', true, true),
  u8: int64Type('u8', false, true),
};

const MAGIC = '\x93NUMPY';
/** numpy writes headers of a few hundred bytes; a longer one is not a real array. */
const MAX_HEADER_BYTES = 1 << 20;

export function isNpy(buf: Uint8Array): boolean {
  return buf.byteLength >= 6 && Buffer.from(buf.subarray(0, 6)).toString('latin1') === MAGIC;
}

/** The header of a .npy file from its first bytes; undefined while they do not hold it all yet. */
export function npyHeader(head: Uint8Array, file: string): ArrayHeader | undefined {
  if (head.byteLength < 12) return undefined;
  if (!isNpy(head)) throw inputError(file, 'not a .npy file (bad magic bytes)');
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const major = b[6];
  if (major < 1 || major > 3) throw inputError(file, `unsupported .npy format version ${major}`);
  const start = major === 1 ? 10 : 12;
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  if (hlen > MAX_HEADER_BYTES) throw inputError(file, `.npy header of ${hlen} bytes is longer than any numpy writes (at most ${MAX_HEADER_BYTES})`);
  if (b.byteLength < start + hlen) return undefined;
  const { descr, shape } = parseHeader(b.subarray(start, start + hlen).toString(major === 3 ? 'utf8' : 'latin1'), file);
  const type = dtypeOf(descr, file);
  return { format: 'npy', shape, headerBytes: start + hlen, type: { ...type, name: descr } };
}

function parseHeader(header: string, file: string): { descr: string; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw inputError(file, 'malformed .npy header (needs descr, fortran_order and shape)');
  }
  if (fortran === 'True') throw inputError(file, 'fortran_order arrays are not supported; save the array in C order (np.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+L?$/.test(s) ? Number(s.replace(/L$/, '')) : NaN));
  checkShape(shape, file, shapeText);
  return { descr, shape };
}

function dtypeOf(descr: string, file: string): ElementType {
  const order = descr[0];
  const code = descr.slice(1);
  const info = Object.hasOwn(DTYPES, code) ? DTYPES[code] : undefined;
  const okOrder = info && (order === '<' || order === '=' || (order === '|' && info.size === 1) || (order === '>' && info.size === 1));
  if (!okOrder) {
    const why = order === '>' ? 'big-endian data is not supported' : 'unsupported dtype';
    throw inputError(file, `${why} ${descr} (supported: <f4 <f8 |u1 |i1 <i2 <i4 <i8 <u8 <u2 <u4 |b1)`);
  }
  return info;
}
