/**
 * One weightsManifest entry's bytes → float32 values, as tfjs-core's io decodeWeights does it:
 * float32 as stored (little-endian); quantized entries (`tensorflowjs_converter --quantize_*`)
 * dequantized: uint8/uint16 affine, value = q·scale + min (computed in double, stored as float32),
 * float16 by exact half → single conversion. Every refusal names the weight and the field.
 */
import os from 'node:os';
import { inputError } from '../errors.js';

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype?: string;
  group?: string;
  quantization?: { dtype?: unknown; scale?: unknown; min?: unknown; [k: string]: unknown } | null;
}

export const QUANTIZED_DTYPES = ['uint8', 'uint16', 'float16'] as const;
export type QuantizedDtype = (typeof QUANTIZED_DTYPES)[number];

const BYTES: Record<QuantizedDtype | 'float32', number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

/** The entry's storage: its bytes per value and, when quantized, the affine factors. Throws a named error otherwise. */
export function weightStorage(w: ManifestWeight, file: string): { bytes: number; q?: { dtype: QuantizedDtype; scale: number; min: number } } {
  const dtype = w.dtype ?? 'float32';
  const q = w.quantization;
  if (q == null) {
    if (dtype !== 'float32')
      throw inputError(
        file,
        `weight ${w.name} has "dtype": ${JSON.stringify(w.dtype)}; a LayersModel's weights are float32 (only float32 and quantized float32 weights can be analysed)`,
      );
    return { bytes: 4 };
  }
  if (typeof q !== 'object' || !QUANTIZED_DTYPES.includes(q.dtype as QuantizedDtype)) {
    throw inputError(
      file,
      `weight ${w.name} has "quantization": {"dtype": ${JSON.stringify((q as { dtype?: unknown })?.dtype)}}; supported quantization dtypes: ${QUANTIZED_DTYPES.join(', ')}`,
    );
  }
  if (dtype !== 'float32')
    throw inputError(file, `weight ${w.name} is a quantized ${JSON.stringify(w.dtype)} weight; only quantized float32 weights can be analysed`);
  const qd = q.dtype as QuantizedDtype;
  if (qd === 'float16') return { bytes: 2, q: { dtype: qd, scale: 1, min: 0 } };
  const finite = (k: 'scale' | 'min') => {
    const v = q[k];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw inputError(file, `weight ${w.name}: "quantization" ${qd} needs a finite "${k}", got ${JSON.stringify(v)}`);
    return v;
  };
  return { bytes: BYTES[qd], q: { dtype: qd, scale: finite('scale'), min: finite('min') } };
}

/** Decode `count` values of `w` from `b` (exactly count × bytes-per-value bytes). */
export function decodeWeight(b: Uint8Array, count: number, storage: ReturnType<typeof weightStorage>): Float32Array {
  const q = storage.q;
  if (!q) return toFloat32(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(count);
  if (q.dtype === 'uint8') for (let i = 0; i < count; i++) out[i] = b[i] * q.scale + q.min;
  else if (q.dtype === 'uint16') for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, true) * q.scale + q.min;
  else {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u[i] = halfToFloatBits(dv.getUint16(2 * i, true));
  }
  return out;
}

/** IEEE 754 binary16 bits → binary32 bits (exact: every half is a float; NaN payloads kept). */
export function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let man = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (man << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (man << 13)) >>> 0;
  if (man === 0) return sign >>> 0;
  // subnormal half: normalise
  let e = 113;
  while ((man & 0x400) === 0) {
    man <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((man & 0x3ff) << 13)) >>> 0;
}

/** Little-endian float32 bytes → a fresh, aligned Float32Array (bit-exact, NaN payloads kept). */
export function toFloat32(b: Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  if (os.endianness() === 'LE') {
    new Uint8Array(out.buffer).set(b);
  } else {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < out.length; i++) u[i] = dv.getUint32(i * 4, true);
  }
  return out;
}
