/**
 * NumPy `.npy` arrays (format versions 1, 2 and 3), little-endian, C order, converted to float32.
 * Supported dtypes: <f4 <f8 |u1 |i1 <i2 <i4 <i8 <u2 <u4 |b1.
 */
import { inputError } from '../errors.js';
import { sharedFloat32 } from './sample-rows.js';

/**
 * An n-d array read from disk (npy or IDX) onto a SharedArrayBuffer: unsigned bytes as they are
 * (Uint8Array), every other dtype converted to float32.
 */
export interface NdArray {
  shape: number[];
  data: Float32Array | Uint8Array;
  /** Stored as unsigned bytes (npy |u1, IDX ubyte): inputs of this kind get scaled by 1/255. */
  isUint8: boolean;
  /** Stored with an integer (or bool) dtype. */
  isInteger: boolean;
}

interface DtypeInfo {
  size: number;
  read: (dv: DataView, off: number) => number;
  integer: boolean;
}

const DTYPES: Record<string, DtypeInfo> = {
  f4: { size: 4, read: (dv, o) => dv.getFloat32(o, true), integer: false },
  f8: { size: 8, read: (dv, o) => dv.getFloat64(o, true), integer: false },
  u1: { size: 1, read: (dv, o) => dv.getUint8(o), integer: true },
  i1: { size: 1, read: (dv, o) => dv.getInt8(o), integer: true },
  b1: { size: 1, read: (dv, o) => (dv.getUint8(o) ? 1 : 0), integer: true },
  i2: { size: 2, read: (dv, o) => dv.getInt16(o, true), integer: true },
  u2: { size: 2, read: (dv, o) => dv.getUint16(o, true), integer: true },
  i4: { size: 4, read: (dv, o) => dv.getInt32(o, true), integer: true },
  u4: { size: 4, read: (dv, o) => dv.getUint32(o, true), integer: true },
  i8: { size: 8, read: (dv, o) => Number(dv.getBigInt64(o, true)), integer: true },
};

const MAGIC = '\x93NUMPY';

export function isNpy(buf: Uint8Array): boolean {
  return buf.byteLength >= 6 && Buffer.from(buf.subarray(0, 6)).toString('latin1') === MAGIC;
}

/** Parse a whole (already gunzipped) .npy file. `file` names it in errors. */
export function parseNpy(buf: Uint8Array, file: string): NdArray {
  if (!isNpy(buf) || buf.byteLength < 10) throw inputError(file, 'not a .npy file (bad magic bytes)');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const major = b[6];
  if (major < 1 || major > 3) throw inputError(file, `unsupported .npy format version ${major}`);
  const start = major === 1 ? 10 : 12;
  if (b.byteLength < start) throw inputError(file, 'truncated .npy header');
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  if (b.byteLength < start + hlen) throw inputError(file, 'truncated .npy header');
  const header = b.subarray(start, start + hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const { descr, shape } = parseHeader(header, file);
  const info = dtypeOf(descr, file);
  const count = shape.reduce((x, y) => x * y, 1);
  const data = b.subarray(start + hlen);
  if (data.byteLength !== count * info.size) {
    throw inputError(file, `holds ${data.byteLength} data bytes but shape (${shape.join(', ')}) of ${descr} needs ${count * info.size}`);
  }
  if (descr.slice(1) === 'u1') {
    const bytes = new Uint8Array(new SharedArrayBuffer(count));
    bytes.set(data);
    return { shape, data: bytes, isUint8: true, isInteger: true };
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = sharedFloat32(count);
  for (let i = 0; i < count; i++) out[i] = info.read(dv, i * info.size);
  return { shape, data: out, isUint8: false, isInteger: info.integer };
}

/**
 * Total file length a .npy header declares (header + shape × dtype size), from its first bytes;
 * undefined while the header is not complete yet. Used to bound gzip inflation.
 */
export function npyDeclaredBytes(head: Uint8Array, file = 'npy'): number | undefined {
  if (head.byteLength < 12) return undefined;
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const major = b[6];
  const start = major === 1 ? 10 : 12;
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  if (b.byteLength < start + hlen) return hlen > 1 << 20 ? -1 : undefined;
  const { descr, shape } = parseHeader(b.subarray(start, start + hlen).toString('latin1'), file);
  const info = dtypeOf(descr, file);
  return start + hlen + shape.reduce((x, y) => x * y, 1) * info.size;
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
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw inputError(file, `malformed .npy shape (${shapeText})`);
  return { descr, shape };
}

function dtypeOf(descr: string, file: string): DtypeInfo {
  const order = descr[0];
  const code = descr.slice(1);
  const info = DTYPES[code];
  const okOrder = info && (order === '<' || order === '=' || (order === '|' && info.size === 1) || (order === '>' && info.size === 1));
  if (!okOrder) {
    const why = order === '>' ? 'big-endian data is not supported' : 'unsupported dtype';
    throw inputError(file, `${why} ${descr} (supported: <f4 <f8 |u1 |i1 <i2 <i4 <i8 <u2 <u4 |b1)`);
  }
  return info;
}
