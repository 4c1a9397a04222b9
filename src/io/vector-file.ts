/**
 * Vectors in θ's layout on disk (directions, eigenvectors): raw little-endian float32
 * (`.f32`/`.bin`) or a 1-D float32/float64 `.npy`. Written atomically.
 */
import { inputError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { safeReadFile } from './safe-read.js';

/**
 * A vector in θ's layout from a file: raw little-endian float32 of exactly `dim` values, or a
 * .npy of that length; anything else is refused naming the file.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { writeVector, readVector } from 'losslens/io';
 *
 * await writeVector('reports/direction.f32', [0.5, -1, 2]);
 * assert.deepEqual([...(await readVector('reports/direction.f32', 3))], [0.5, -1, 2]);
 * ```
 */
export async function readVector(path: string, dim: number): Promise<Float32Array> {
  // a vector of `dim` values is at most dim float64s plus a .npy header
  const buf = await safeReadFile(path, { what: 'direction file', maxBytes: dim * 8 + 65536, remedy: `the model has ${dim} trainable parameters` });
  const v = path.endsWith('.npy') ? fromNpy(buf, path) : fromRaw(buf, path);
  if (v.length !== dim) throw inputError(path, `holds ${v.length} values but the model has ${dim} trainable parameters`);
  let nonzero = false;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw inputError(path, `value ${i} is not finite`);
    if (v[i] !== 0) nonzero = true;
  }
  if (!nonzero) throw inputError(path, 'the direction is all zeros, so every point of the slice would be the same; give a nonzero direction');
  return v;
}

function fromRaw(buf: Buffer, path: string): Float32Array {
  if (buf.byteLength % 4 !== 0) throw inputError(path, `size ${buf.byteLength} bytes is not a multiple of 4 (float32)`);
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

function fromNpy(buf: Buffer, path: string): Float32Array {
  if (buf.byteLength < 12 || buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw inputError(path, 'not a .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const data = buf.subarray(start + hlen);
  if (start + hlen > buf.byteLength) throw inputError(path, 'truncated .npy header');
  if (descr === '<f8' && data.byteLength % 8 !== 0) throw inputError(path, `${data.byteLength} data bytes are not a whole number of float64 values`);
  if (descr === '<f4') return fromRaw(Buffer.from(data), path);
  if (descr === '<f8') {
    const out = new Float32Array(data.byteLength / 8);
    for (let i = 0; i < out.length; i++) {
      const v = data.readDoubleLE(i * 8);
      out[i] = v;
      if (Number.isFinite(v) && !Number.isFinite(out[i]))
        throw inputError(path, `value ${i} (${v}) is beyond float32's range (±3.4e38) and would become Infinity`);
    }
    return out;
  }
  throw inputError(path, `dtype ${descr} not supported for vectors (use float32 or float64)`);
}

/** Raw little-endian float32 bytes of a vector. */
export function vectorBytes(v: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(v as ArrayLike<number>);
  const b = Buffer.alloc(f.length * 4);
  for (let i = 0; i < f.length; i++) b.writeFloatLE(f[i], i * 4);
  return b;
}

/**
 * Writes a vector as raw little-endian float32 (the format readVector and `--direction` read), atomically.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, readFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { writeVector } from 'losslens/io';
 *
 * const file = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'direction.f32');
 * await writeVector(file, [1, -2]);
 * const bytes = await readFile(file);
 * assert.deepEqual([bytes.readFloatLE(0), bytes.readFloatLE(4)], [1, -2]); // raw little-endian float32, 4 bytes each
 * assert.equal(bytes.length, 8);
 * ```
 */
export async function writeVector(path: string, v: ArrayLike<number>): Promise<void> {
  await writeFileAtomic(path, vectorBytes(v));
}
