/**
 * Read a tfjs LayersModel checkpoint (model.json + binary weight shards) with node:fs only.
 * Each manifest group's shards are concatenated, then split into its weights in order.
 * Every problem is a one-line input error naming the file (model.json or the shard).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inputError } from '../errors.js';
import { checkFiniteWeights, checkJsonDepth, checkParamCount, MAX_MODEL_JSON_BYTES } from './checkpoint-limits.js';
import { checkReadable, safeReadFile } from './safe-read.js';
import type { Checkpoint, CheckpointWeight, WeightSpec } from './types.js';

interface ManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype?: string; group?: string; quantization?: unknown }[];
}

/**
 * Load model.json (or the model.json inside folder `p`) and all of its float32 weights.
 * Weights holding NaN or ±Infinity are refused, naming the weight, unless `allowNonFinite`
 * (for bit-exact round trips of a file; no analysis should run on such weights).
 */
export async function readCheckpoint(p: string, opts: { allowNonFinite?: boolean } = {}): Promise<Checkpoint> {
  const file = await modelJsonPath(p);
  const json = await readJson(file);
  if (json.modelTopology == null || typeof json.modelTopology !== 'object') {
    throw inputError(file, 'missing modelTopology (is this a tfjs LayersModel model.json?)');
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw inputError(file, 'missing weightsManifest (is this a tfjs LayersModel model.json?)');
  }
  const dir = path.dirname(file);
  const weights: CheckpointWeight[] = [];
  const groups = (json.weightsManifest as unknown[]).map((group) => checkGroup(group, file));
  checkParamCount(groups.flatMap((g) => g.weights.map((w) => w.shape)), file);
  for (const g of groups) {
    const bytes = await readShards(g, dir, file);
    weights.push(...splitWeights(g, bytes, file));
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
  };
}

async function modelJsonPath(p: string): Promise<string> {
  const abs = path.resolve(p);
  const st = await fs.stat(abs).catch(() => undefined);
  if (!st) throw inputError(p, 'model.json not found');
  if (!st.isDirectory()) return abs;
  const inner = path.join(abs, 'model.json');
  if (!(await fs.stat(inner).catch(() => undefined))?.isFile()) throw inputError(inner, 'model.json not found in this folder');
  return inner;
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
    if (w.quantization != null) throw inputError(file, `weight ${w.name} is quantized; only unquantized float32 weights are supported`);
    if (w.dtype !== 'float32') throw inputError(file, `weight ${w.name} has dtype ${w.dtype ?? '(none)'}; only float32 weights are supported`);
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
  const expected = g.weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0) * 4;
  if (total !== expected) {
    throw inputError(file, `weight shards ${g.paths.join(', ') || '(no shards)'} hold ${total} bytes but the manifest expects ${expected} bytes`);
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

function splitWeights(g: ManifestGroup, bytes: Uint8Array, file: string): CheckpointWeight[] {
  const sizes = g.weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (expected !== bytes.byteLength) {
    const names = g.paths.join(', ') || '(no shards)';
    throw inputError(file, `weight shards ${names} hold ${bytes.byteLength} bytes but the manifest expects ${expected} bytes`);
  }
  let off = 0;
  return g.weights.map((w, i) => {
    const values = toFloat32(bytes.subarray(off, off + sizes[i] * 4));
    off += sizes[i] * 4;
    const spec: WeightSpec = { name: w.name, shape: [...w.shape], dtype: 'float32' };
    if (w.group !== undefined) spec.group = w.group;
    return { spec, values };
  });
}

/** Little-endian float32 bytes → a fresh, aligned Float32Array (bit-exact, NaN payloads kept). */
function toFloat32(b: Uint8Array): Float32Array {
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

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
