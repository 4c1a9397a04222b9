/**
 * Read a bundled fixture (model.json + one weights.bin, x.npy/y.npy) without src/io, so the
 * gradient fixture tests do not depend on the reader being written in parallel.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Checkpoint, Dataset } from '../../src/io/types.js';

export function readFixtureCheckpoint(dir: string): Checkpoint {
  const file = path.join(dir, 'model.json');
  const mj = JSON.parse(readFileSync(file, 'utf8'));
  const weights: Checkpoint['weights'] = [];
  for (const group of mj.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p: string) => readFileSync(path.join(dir, p))));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    let off = 0;
    for (const s of group.weights) {
      const size = s.shape.reduce((a: number, b: number) => a * b, 1);
      weights.push({ spec: { name: s.name, shape: s.shape, dtype: 'float32' }, values: all.slice(off, off + size) });
      off += size;
    }
  }
  return { path: file, modelTopology: mj.modelTopology, trainingConfig: mj.trainingConfig ?? mj.modelTopology?.training_config, weights };
}

/** Minimal .npy reader: little-endian float32 / int32 / int64, C order. */
function readNpy(file: string): { data: Float32Array; shape: number[] } {
  const buf = readFileSync(file);
  const major = buf.readUInt8(6);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const raw = buf.subarray(start);
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const typed =
    descr === '<f4' ? new Float32Array(ab) : descr === '<i4' ? new Int32Array(ab) : descr === '<i8' ? Array.from(new BigInt64Array(ab), Number) : null;
  if (!typed) throw new Error(`${file}: unsupported dtype ${descr}`);
  return { data: Float32Array.from(typed as ArrayLike<number>), shape };
}

export function readFixtureData(dir: string): Dataset {
  const x = readNpy(path.join(dir, 'x.npy'));
  const y = readNpy(path.join(dir, 'y.npy'));
  return {
    source: dir,
    n: x.shape[0],
    xShape: x.shape.slice(1),
    x: x.data,
    yShape: y.shape.slice(1),
    y: y.data,
    labelKind: y.shape.length === 1 ? 'class-index' : 'float',
  };
}
