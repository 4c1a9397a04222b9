import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { writeCheckpoint } from '../src/io/checkpoint-write.js';
import { jsonText, writeFileAtomic, writeJsonAtomic } from '../src/io/atomic-write.js';
import { LosslensError } from '../src/errors.js';
import type { CheckpointWeight } from '../src/io/types.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-ckpt-'));
const topology = { class_name: 'Sequential', config: { name: 's', layers: [] }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };

function weight(name: string, shape: number[], fill: (i: number) => number, group?: string): CheckpointWeight {
  const size = shape.reduce((a, b) => a * b, 1);
  return { spec: { name, shape, dtype: 'float32', ...(group ? { group } : {}) }, values: Float32Array.from({ length: size }, (_, i) => fill(i)) };
}

/** A hand-made model.json + shards, so each reader error can be provoked precisely. */
function writeRaw(dir: string, json: unknown, shards: Record<string, Uint8Array> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(shards)) fs.writeFileSync(path.join(dir, name), bytes);
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

const f32bytes = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const manifest = (paths: string[], weights: object[]) => ({ modelTopology: topology, weightsManifest: [{ paths, weights }] });

async function expectInputError(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<LosslensError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LosslensError);
  const e = err as LosslensError;
  expect(e.code).toBe('BAD_INPUT');
  expect(e.message).not.toContain('\n');
  for (const part of parts) expect(e.message).toMatch(part);
  return e;
}

describe('writeCheckpoint → readCheckpoint round trip', () => {
  it('reproduces every weight bit for bit across several shards, with a weight spanning two shards', async () => {
    const dir = path.join(tmp(), 'ckpt');
    const special = [NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.PI];
    const weights = [
      weight('dense_1/kernel', [3, 5], (i) => Math.sin(i) * 1e3),
      weight('dense_1/bias', [7], (i) => special[i]),
      weight('dense_2/kernel', [2, 2, 3], (i) => i - 6.5),
      weight('dense_2/bias', [0], () => 0),
      weight('iter', [], () => 42, 'optimizer'),
    ];
    // NaN with a non-canonical payload must survive too
    new Uint32Array(weights[1].values.buffer)[0] = 0x7fc00abc;
    const file = await writeCheckpoint(dir, { modelTopology: topology, trainingConfig: { loss: 'meanSquaredError' }, weights }, { shardBytes: 24 });
    expect(file).toBe(path.resolve(dir, 'model.json'));
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const totalBytes = (15 + 7 + 12 + 0 + 1) * 4; // 140 → 6 shards of 24 bytes (last 20)
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toMatch(/^losslens \d/);
    expect(json.convertedBy).toBeNull();
    expect(json.weightsManifest[0].paths).toEqual([1, 2, 3, 4, 5, 6].map((i) => `group1-shard${i}of6.bin`));
    expect(json.weightsManifest[0].weights[4]).toEqual({ name: 'iter', shape: [], dtype: 'float32', group: 'optimizer' });
    const sizes = json.weightsManifest[0].paths.map((p: string) => fs.statSync(path.join(dir, p)).size);
    expect(sizes.reduce((a: number, b: number) => a + b, 0)).toBe(totalBytes);
    // no temporary files are left behind
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);

    for (const p of [file, dir]) {
      const ck = await readCheckpoint(p, { allowNonFinite: true }); // the weights hold NaN payloads on purpose
      expect(ck.path).toBe(path.resolve(file));
      expect(ck.modelTopology).toEqual(topology);
      expect(ck.trainingConfig).toEqual({ loss: 'meanSquaredError' });
      expect(ck.weights.map((w) => w.spec)).toEqual(weights.map((w) => w.spec));
      ck.weights.forEach((w, i) => {
        expect(w.values).toBeInstanceOf(Float32Array);
        expect(Array.from(new Uint32Array(w.values.buffer, w.values.byteOffset, w.values.length))).toEqual(
          Array.from(new Uint32Array(weights[i].values.buffer)),
        );
      });
    }
  });

  it('writes files that tfjs itself loads (its own http loader over the folder)', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
    const topo = model.toJSON(null, false);
    const weights = model.weights.map((w, i) => ({
      spec: { name: w.originalName, shape: w.shape as number[], dtype: 'float32' as const },
      values: model.getWeights()[i].dataSync() as Float32Array,
    }));
    const dir = path.join(tmp(), 'tfjs');
    await writeCheckpoint(dir, { modelTopology: topo, weights }, { shardBytes: 32 });
    const fetchFunc: typeof fetch = async (url) => new Response(fs.readFileSync(path.join(dir, new URL(String(url)).pathname.split('/').pop()!)));
    const loaded = await tf.loadLayersModel(tf.io.http('http://x/model.json', { fetchFunc }));
    const x = tf.tensor2d([[1, -2, 3, 0.5]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });

  it('reads trainingConfig from modelTopology.training_config and several manifest groups', async () => {
    const dir = tmp();
    const json = {
      modelTopology: { ...topology, training_config: { loss: 'categoricalCrossentropy' } },
      weightsManifest: [
        { paths: ['a1.bin', 'a2.bin'], weights: [{ name: 'a', shape: [3], dtype: 'float32' }] },
        {
          paths: ['b.bin'],
          weights: [
            { name: 'b', shape: [1], dtype: 'float32' },
            { name: 'c', shape: [1], dtype: 'float32' },
          ],
        },
      ],
    };
    const file = writeRaw(dir, json, {
      'a1.bin': f32bytes([1, 2]).subarray(0, 6),
      'a2.bin': f32bytes([1, 2, 3]).subarray(6),
      'b.bin': f32bytes([4, 5]),
    });
    const ck = await readCheckpoint(file);
    expect(ck.trainingConfig).toEqual({ loss: 'categoricalCrossentropy' });
    expect(ck.weights.map((w) => [w.spec.name, Array.from(w.values)])).toEqual([
      ['a', [1, 2, 3]],
      ['b', [4]],
      ['c', [5]],
    ]);
  });

  it('accepts a model without weights', async () => {
    const ck = await readCheckpoint(writeRaw(tmp(), { modelTopology: topology, weightsManifest: [] }));
    expect(ck.weights).toEqual([]);
  });
});

describe('readCheckpoint errors name the file and the problem', () => {
  it('missing model.json (file path and folder)', async () => {
    const dir = tmp();
    await expectInputError(readCheckpoint(path.join(dir, 'nope', 'model.json')), 'nope', /model\.json not found/);
    await expectInputError(readCheckpoint(dir), dir, /model\.json not found/);
  });

  it('malformed JSON', async () => {
    await expectInputError(readCheckpoint(writeRaw(tmp(), '{"modelTopology": {')), 'model.json', /malformed JSON/);
  });

  it('missing modelTopology or weightsManifest', async () => {
    await expectInputError(readCheckpoint(writeRaw(tmp(), { weightsManifest: [] })), 'model.json', /missing modelTopology/);
    await expectInputError(readCheckpoint(writeRaw(tmp(), { modelTopology: topology })), 'model.json', /missing weightsManifest/);
  });

  it('missing shard names the shard', async () => {
    const json = manifest(['group1-shard1of2.bin', 'group1-shard2of2.bin'], [{ name: 'w', shape: [2], dtype: 'float32' }]);
    const file = writeRaw(tmp(), json, { 'group1-shard1of2.bin': f32bytes([1]) });
    await expectInputError(readCheckpoint(file), 'model.json', 'group1-shard2of2.bin', /not found/);
  });

  it('shard paths escaping the folder (.. or absolute) are refused', async () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, 'outside.bin'), f32bytes([1]));
    const w = [{ name: 'w', shape: [1], dtype: 'float32' }];
    await expectInputError(readCheckpoint(writeRaw(path.join(root, 'm'), manifest(['../outside.bin'], w))), 'model.json', '../outside.bin', /escapes/);
    await expectInputError(readCheckpoint(writeRaw(path.join(root, 'n'), manifest(['sub/../../outside.bin'], w))), /escapes/);
    const abs = path.join(root, 'outside.bin');
    await expectInputError(readCheckpoint(writeRaw(path.join(root, 'o'), manifest([abs], w))), 'model.json', /absolute/);
  });

  it('shard bytes not matching the manifest say expected vs actual', async () => {
    const json = manifest(['w.bin'], [{ name: 'w', shape: [2, 2], dtype: 'float32' }]);
    await expectInputError(readCheckpoint(writeRaw(tmp(), json, { 'w.bin': f32bytes([1, 2, 3]) })), 'model.json', 'w.bin', /12 bytes/, /expects 16 bytes/);
  });

  it('non-float32 weights and unknown quantizations are refused by name; uint8 ones are read at 1 byte a value', async () => {
    const int = manifest(['w.bin'], [{ name: 'emb/ids', shape: [1], dtype: 'int32' }]);
    await expectInputError(readCheckpoint(writeRaw(tmp(), int, { 'w.bin': f32bytes([1]) })), 'model.json', 'emb/ids', 'int32');
    const q = manifest(['w.bin'], [{ name: 'd/kernel', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }]);
    const ck = await readCheckpoint(writeRaw(tmp(), q, { 'w.bin': new Uint8Array([0, 1, 2, 255]) }));
    expect(Array.from(ck.weights[0].values)).toEqual([-1, -0.5, 0, 126.5]);
    const q4 = manifest(['w.bin'], [{ name: 'd/kernel', shape: [4], dtype: 'float32', quantization: { dtype: 'int4', scale: 1, min: 0 } }]);
    await expectInputError(readCheckpoint(writeRaw(tmp(), q4, { 'w.bin': new Uint8Array(2) })), 'model.json', 'd/kernel', /quantization/, /int4/);
    await expectInputError(
      readCheckpoint(writeRaw(tmp(), q, { 'w.bin': new Uint8Array(16) })),
      /hold 16 bytes but the manifest expects 4 bytes \(quantized weights counted at their stored size\)/,
    );
  });
});

describe('atomic writes', () => {
  it('writeFileAtomic replaces content and leaves no temporary files', async () => {
    const dir = tmp();
    const p = path.join(dir, 'a.bin');
    await writeFileAtomic(p, 'old');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect(Array.from(fs.readFileSync(p))).toEqual([1, 2, 3]);
    expect(fs.readdirSync(dir)).toEqual(['a.bin']);
  });

  it('writeJsonAtomic keeps NaN/Infinity as strings, typed arrays as arrays, 2-space indent and a trailing newline', async () => {
    const p = path.join(tmp(), 's.json');
    await writeJsonAtomic(p, { a: NaN, b: [Infinity, -Infinity, 1.5], c: Float32Array.from([1, NaN]), d: null });
    const text = fs.readFileSync(p, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "a": "NaN"');
    expect(JSON.parse(text)).toEqual({ a: 'NaN', b: ['Infinity', '-Infinity', 1.5], c: [1, 'NaN'], d: null });
    expect(jsonText(1)).toBe('1\n');
  });
});
