/**
 * The bundled fixtures load with tfjs's own loader, have the recorded parameter counts,
 * reproduce their recorded loss on their dataset, and the pathology fixtures show the
 * gradient-norm ratios they are named for. Datasets are read here with tiny local
 * readers so this test does not depend on src/io.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/engine/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const NAMES = ['linreg', 'spiral-tanh', 'spiral-tanh-seed2', 'mlp-relu', 'cnn', 'functional', 'deep-sigmoid', 'deep-relu-he', 'deep-exploding'];

interface Meta {
  name: string;
  params: number;
  trainableParams: number;
  loss: number;
  accuracy: number | null;
  labels: 'float' | 'class-index' | 'one-hot' | 'binary';
  classes?: number;
  dataset: { format: 'csv' | 'npy' | 'idx'; train: Record<string, string>; xShape: number[]; n: number };
  extra?: { trajectory?: string[] };
}

const meta = (name: string): Meta => JSON.parse(readFileSync(path.join(ROOT, name, 'meta.json'), 'utf8'));

async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      trainingConfig: json.trainingConfig,
      weightSpecs: manifest.flatMap((g) => g.weights),
      weightData,
    }),
  });
}

function readCsv(file: string): { x: number[]; y: number[]; d: number } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const d = lines[0].split(',').length - 1;
  const x: number[] = [],
    y: number[] = [];
  for (const line of lines.slice(1)) {
    const v = line.split(',').map(Number);
    x.push(...v.slice(0, d));
    y.push(v[d]);
  }
  return { x, y, d };
}

function readNpy(file: string): Float32Array | Int32Array {
  const buf = readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const start = 10 + headerLen;
  expect(start % 64).toBe(0);
  const bytes = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.byteLength);
  return header.includes("'<f4'") ? new Float32Array(bytes) : new Int32Array(bytes);
}

function readIdx(file: string): { data: Uint8Array; dims: number[]; magic: number } {
  const buf = gunzipSync(readFileSync(file));
  const magic = buf.readUInt32BE(0);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { data: new Uint8Array(buf.subarray(4 + 4 * rank)), dims, magic };
}

/** The dataset of a fixture as tensors, labels shaped for its compiled loss. */
function loadData(name: string, m: Meta): [tf.Tensor, tf.Tensor] {
  const dir = path.join(ROOT, name);
  const files = m.dataset.train;
  let x: ArrayLike<number>, y: ArrayLike<number>;
  if (m.dataset.format === 'csv') ({ x, y } = readCsv(path.join(dir, files.data)));
  else if (m.dataset.format === 'npy') {
    x = readNpy(path.join(dir, files.x));
    y = readNpy(path.join(dir, files.y));
  } else {
    const img = readIdx(path.join(dir, files.images));
    const lab = readIdx(path.join(dir, files.labels));
    expect([img.magic, lab.magic]).toEqual([0x803, 0x801]);
    x = Float32Array.from(img.data, (v) => v / 255);
    y = lab.data;
  }
  const n = m.dataset.n;
  expect(y.length).toBe(n);
  const xs = tf.tensor(Float32Array.from(x), [n, ...m.dataset.xShape]);
  const labels = Float32Array.from(y);
  const ys =
    m.labels === 'one-hot'
      ? tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), m.classes!).toFloat()
      : m.labels === 'class-index'
        ? tf.tensor1d(labels)
        : tf.tensor2d(labels, [n, 1]);
  return [xs, ys];
}

function countParams(model: tf.LayersModel): number {
  return model.weights.reduce((s, w) => s + w.shape.reduce((a: number, b: number | null) => a * (b ?? 1), 1), 0);
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.each(NAMES)('fixture %s', (name) => {
  it('has its files, the recorded parameter count, and reproduces its recorded loss', async () => {
    const m = meta(name);
    const dir = path.join(ROOT, name);
    for (const f of ['model.json', 'weights.bin', 'README.md', ...Object.values(m.dataset.train)]) expect(existsSync(path.join(dir, f)), f).toBe(true);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.trainingConfig?.loss).toBeTruthy();
    const model = await loadModel(dir);
    expect(countParams(model)).toBe(m.params);
    const [xs, ys] = loadData(name, m);
    const out = model.evaluate(xs, ys, { batchSize: m.dataset.n });
    const [loss, acc] = await Promise.all((Array.isArray(out) ? out : [out]).map(async (t) => (await t.data())[0]));
    expect(Math.abs(loss - m.loss) / Math.abs(m.loss)).toBeLessThan(1e-4);
    if (m.accuracy !== null) expect(acc).toBeCloseTo(m.accuracy, 3);
    tf.dispose([xs, ys, ...(Array.isArray(out) ? out : [out])]);
    model.dispose();
  });
});

describe('spiral-tanh trajectory', () => {
  it('has loadable checkpoints along training, with the same architecture', async () => {
    const m = meta('spiral-tanh');
    expect(m.extra?.trajectory?.length).toBeGreaterThanOrEqual(8);
    for (const rel of m.extra!.trajectory!) {
      const model = await loadModel(path.join(ROOT, 'spiral-tanh', rel));
      expect(countParams(model)).toBe(m.params);
      model.dispose();
    }
  });
});

describe('deep-data', () => {
  it('holds the shared npy dataset of the pathology fixtures', () => {
    expect(readNpy(path.join(ROOT, 'deep-data', 'x.npy')).length).toBe(512 * 32);
    expect(readNpy(path.join(ROOT, 'deep-data', 'y.npy')).length).toBe(512);
  });
});

async function firstOverLastGradRatio(name: string): Promise<number> {
  const m = meta(name);
  const model = await loadModel(path.join(ROOT, name));
  const [xs, ys] = loadData(name, m);
  const kernels = model.trainableWeights.filter((w) => w.originalName.endsWith('/kernel')).map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const p = tf.clipByValue(model.apply(xs) as tf.Tensor, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.cast(ys, 'int32'), 10), tf.log(p)), -1))) as tf.Scalar;
  }, [kernels[0], kernels[kernels.length - 1]]);
  const first = (await tf.norm(grads[kernels[0].name]).data())[0];
  const last = (await tf.norm(grads[kernels[kernels.length - 1].name]).data())[0];
  tf.dispose([value, xs, ys, ...Object.values(grads)]);
  model.dispose();
  expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
  return first / last;
}

describe('gradient-pathology fixtures', () => {
  it('deep-sigmoid has vanishing gradients (first/last kernel gradient norm < 1e-3)', async () => {
    expect(await firstOverLastGradRatio('deep-sigmoid')).toBeLessThan(1e-3);
  });
  it('deep-exploding has exploding gradients (ratio > 1e3)', async () => {
    expect(await firstOverLastGradRatio('deep-exploding')).toBeGreaterThan(1e3);
  });
  it('deep-relu-he is healthy (ratio within [1e-2, 1e2])', async () => {
    const r = await firstOverLastGradRatio('deep-relu-he');
    expect(r).toBeGreaterThan(1e-2);
    expect(r).toBeLessThan(1e2);
  });
});
