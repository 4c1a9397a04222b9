/**
 * Write a checkpoint in the tfjs LayersModel format: model.json plus
 * `group1-shard{i}of{N}.bin` shards of little-endian float32, loadable by
 * `tf.loadLayersModel('file://…/model.json')` and by {@link readCheckpoint}.
 *
 * Atomic per file: each shard is written tmp+fsync+rename first and model.json last,
 * so a reader never sees a model.json whose shards are missing or partial.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { optionError } from '../errors.js';
import { VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-write.js';
import type { Checkpoint } from './types.js';

/** A checkpoint to write with {@link writeCheckpoint}: the topology, training config and weights, and the format fields of model.json. */
export type CheckpointToWrite = Pick<Checkpoint, 'modelTopology' | 'trainingConfig' | 'weights'> & {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
};

/** How {@link writeCheckpoint} shards the weights. */
export interface WriteCheckpointOptions {
  /** Maximum bytes per shard file (default 4 MiB, as tfjs). */
  shardBytes?: number;
}

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Write `ckpt` into folder `dir` (created if needed); returns the path of model.json.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { readCheckpoint, writeCheckpoint } from 'losslens/io';
 *
 * // a round trip: the weights come back bit for bit
 * const ckpt = await readCheckpoint('fixtures/linreg');
 * const file = await writeCheckpoint(await mkdtemp(path.join(tmpdir(), 'losslens-')), ckpt);
 * const back = await readCheckpoint(file);
 * assert.deepEqual(back.weights.map((w) => [...w.values]), ckpt.weights.map((w) => [...w.values]));
 * ```
 */
export async function writeCheckpoint(dir: string, ckpt: CheckpointToWrite, opts: WriteCheckpointOptions = {}): Promise<string> {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 4 || shardBytes % 4 !== 0) {
    throw optionError('shardBytes', `${shardBytes} must be a positive multiple of 4`);
  }
  const bytes = weightBytes(ckpt);
  const n = Math.max(1, Math.ceil(bytes.byteLength / shardBytes));
  const names = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    await writeFileAtomic(path.join(dir, names[i]), bytes.subarray(i * shardBytes, Math.min((i + 1) * shardBytes, bytes.byteLength)));
  }
  const modelJson = {
    modelTopology: ckpt.modelTopology,
    format: ckpt.format ?? 'layers-model',
    generatedBy: ckpt.generatedBy ?? `losslens ${VERSION}`,
    convertedBy: ckpt.convertedBy ?? null,
    weightsManifest: [
      {
        paths: names,
        weights: ckpt.weights.map((w) => ({
          name: w.spec.name,
          shape: [...w.spec.shape],
          dtype: 'float32',
          ...(w.spec.group !== undefined ? { group: w.spec.group } : {}),
        })),
      },
    ],
    ...(ckpt.trainingConfig != null ? { trainingConfig: ckpt.trainingConfig } : {}),
  };
  const file = path.join(dir, 'model.json');
  await writeFileAtomic(file, JSON.stringify(modelJson));
  return path.resolve(file);
}

/** All weights concatenated as little-endian float32 bytes, in manifest order. */
function weightBytes(ckpt: CheckpointToWrite): Uint8Array {
  let total = 0;
  for (const w of ckpt.weights) {
    const size = w.spec.shape.reduce((a, b) => a * b, 1);
    if (w.values.length !== size) {
      throw optionError('weights', `${w.spec.name} has ${w.values.length} values but shape [${w.spec.shape}] needs ${size}`);
    }
    total += size;
  }
  const out = new Float32Array(total);
  let off = 0;
  for (const w of ckpt.weights) {
    out.set(w.values, off);
    off += w.values.length;
  }
  const bytes = new Uint8Array(out.buffer);
  if (os.endianness() === 'BE') {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  return bytes;
}
