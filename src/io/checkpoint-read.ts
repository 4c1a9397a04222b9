/**
 * Read a tfjs LayersModel checkpoint (model.json + binary weight shards) with node:fs only.
 * Each manifest group's shards are concatenated, then split into its weights in order;
 * quantized weights (uint8/uint16 affine, float16) are dequantized as tfjs's loader does.
 * Every problem is a one-line input error naming the file (model.json or the shard).
 */
import path from 'node:path';
import { inputError } from '../errors.js';
import { checkFiniteWeights, checkJsonDepth, checkParamCount, MAX_MODEL_JSON_BYTES } from './checkpoint-limits.js';
import { checkReadable, safeReadFile } from './safe-read.js';
import type { Checkpoint, CheckpointWeight, WeightSpec } from './types.js';
import { checkLayersModel, modelJsonPath } from './model-format.js';
import { decodeWeight, weightStorage, type ManifestWeight } from './weight-decode.js';

interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

/**
 * Load model.json (or the model.json inside folder `p`) and all of its float32 weights.
 * Weights holding NaN or ±Infinity are refused, naming the weight, unless `allowNonFinite`
 * (for bit-exact round trips of a file; no analysis should run on such weights).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint } from 'losslens';
 *
 * // the linear-regression fixture: Dense(1) on 5 features, solved by least squares (bias 0.70199 in float64)
 * const ckpt = await readCheckpoint('fixtures/linreg');
 * assert.deepEqual(
 *   ckpt.weights.map((w) => w.spec.shape),
 *   [[5, 1], [1]],
 * );
 * assert.ok(Math.abs(ckpt.weights[1].values[0] - 0.7019890595805238) < 1e-6);
 * ```
 */
export async function readCheckpoint(p: string, opts: { allowNonFinite?: boolean } = {}): Promise<Checkpoint> {
  const file = await modelJsonPath(p);
  const json = await readJson(file);
  checkLayersModel(json, file);
  const dir = path.dirname(file);
  const weights: CheckpointWeight[] = [];
  const quantized = new Map<string, number>();
  const groups = (json.weightsManifest as unknown[]).map((group) => checkGroup(group, file));
  checkParamCount(
    groups.flatMap((g) => g.weights.map((w) => w.shape)),
    file,
  );
  for (const g of groups) {
    const bytes = await readShards(g, dir, file);
    weights.push(...splitWeights(g, bytes, file, quantized));
  }
  if (!opts.allowNonFinite) checkFiniteWeights(weights, file);
  return {
    path: file,
    modelTopology: json.modelTopology,
    trainingConfig: json.trainingConfig ?? json.modelTopology.training_config ?? undefined,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weights,
    ...(quantized.size > 0 ? { quantized: [...quantized].map(([dtype, n]) => ({ dtype, weights: n })) } : {}),
  };
}

async function readJson(file: string): Promise<Record<string, any>> {
  const text = (await safeReadFile(file, { what: 'model.json', maxBytes: MAX_MODEL_JSON_BYTES, label: file })).toString('utf8');
  checkJsonDepth(text, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw inputError(file, `malformed JSON (${oneLine((err as Error).message)})`, err);
  }
  if (Array.isArray(json) && json.some((g) => g && typeof g === 'object' && Array.isArray(g.weights))) {
    throw inputError(file, 'this is a weights manifest (a list of weight groups), not a model.json; pass the model.json that lists it');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw inputError(file, 'malformed model.json: expected a JSON object');
  return json as Record<string, any>;
}

function checkGroup(group: unknown, file: string): ManifestGroup {
  const g = group as Partial<ManifestGroup> | null;
  if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights) || g.paths.some((s) => typeof s !== 'string')) {
    throw inputError(file, 'malformed weightsManifest: each group needs "paths" (strings) and "weights" (a list)');
  }
  for (const w of g.weights) {
    if (!w || typeof w.name !== 'string') throw inputError(file, 'malformed weightsManifest: a weight entry has no name');
    if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw inputError(file, `weight ${w.name}: shape ${JSON.stringify(w.shape)} is not a list of non-negative integers`);
    }
    weightStorage(w, file);
  }
  return g as ManifestGroup;
}

/**
 * Concatenated bytes of a group's shards; paths (and symbolic links) must stay inside the
 * model's folder, and the shards' sizes must add up to what the manifest declares before any
 * is read (safe-read.ts: regular files only, bounded).
 */
async function readShards(g: ManifestGroup, dir: string, file: string): Promise<Uint8Array> {
  const opts = (rel: string) => ({ within: dir, what: `weight shard ${rel}`, label: file, remedy: 'save the weights in shards of at most 2 GiB' });
  const shards = g.paths.map((rel) => resolveShard(rel, dir, file));
  let total = 0;
  for (let i = 0; i < shards.length; i++) total += await checkReadable(shards[i], opts(g.paths[i]));
  const stored = g.weights.map((w) => weightStorage(w, file));
  const expected = g.weights.reduce((a, w, i) => a + w.shape.reduce((x, y) => x * y, 1) * stored[i].bytes, 0);
  if (total !== expected) {
    const q = stored.some((st) => st.q) ? ' (quantized weights counted at their stored size)' : '';
    throw inputError(file, `weight shards ${g.paths.join(', ') || '(no shards)'} hold ${total} bytes but the manifest expects ${expected} bytes${q}`);
  }
  const parts: Buffer[] = [];
  for (let i = 0; i < shards.length; i++) parts.push(await safeReadFile(shards[i], opts(g.paths[i])));
  return Buffer.concat(parts);
}

function resolveShard(rel: string, dir: string, file: string): string {
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel) || /^[a-z][a-z0-9+.-]*:/i.test(rel)) {
    throw inputError(file, `weight shard path ${rel} is absolute; shard paths must be relative to the model's folder`);
  }
  const shard = path.resolve(dir, rel);
  const back = path.relative(dir, shard);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    throw inputError(file, `weight shard path ${rel} escapes the model's folder`);
  }
  return shard;
}

/** The group's weights, in order, from its concatenated shards (counting quantized ones by dtype into `quantized`). */
function splitWeights(g: ManifestGroup, bytes: Uint8Array, file: string, quantized: Map<string, number>): CheckpointWeight[] {
  const sizes = g.weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
  const storage = g.weights.map((w) => weightStorage(w, file));
  const expected = sizes.reduce((a, n, i) => a + n * storage[i].bytes, 0);
  if (expected !== bytes.byteLength) {
    const names = g.paths.join(', ') || '(no shards)';
    const q = storage.some((s) => s.q) ? ' (quantized weights counted at their stored size)' : '';
    throw inputError(file, `weight shards ${names} hold ${bytes.byteLength} bytes but the manifest expects ${expected} bytes${q}`);
  }
  let off = 0;
  return g.weights.map((w, i) => {
    const len = sizes[i] * storage[i].bytes;
    const values = decodeWeight(bytes.subarray(off, off + len), sizes[i], storage[i]);
    off += len;
    const q = storage[i].q;
    if (q) quantized.set(q.dtype, (quantized.get(q.dtype) ?? 0) + 1);
    const spec: WeightSpec = { name: w.name, shape: [...w.shape], dtype: 'float32' };
    if (w.group !== undefined) spec.group = w.group;
    return { spec, values };
  });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
