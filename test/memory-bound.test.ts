/**
 * Memory is O(batch + θ), never O(dataset): a pass over 64 batches holds no more backend memory
 * than a pass over 8 batches of the same size, for loss, gradient, HVP and BatchNorm statistics,
 * in process (measured independently by tf.profile's peak) and in each pool worker (its own
 * per-batch peak); a worker reads the coordinator's SharedArrayBuffers (no copy) and its wasm heap
 * stays far below the size of its shard as float32. No timing is measured.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { PoolObjective } from '../src/objective/pool-objective.js';
import type { PreparedData } from '../src/objective/prepare-data.js';
import type { Checkpoint } from '../src/io/types.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';

/** n side×side uint8 "images" on a SharedArrayBuffer (divided by 255 per batch), one-hot targets over 10 classes. */
function images(n: number, side: number, seed: number): PreparedData {
  const rng = createRng(seed);
  const per = side * side;
  const x = new Uint8Array(new SharedArrayBuffer(n * per));
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.next() * 256);
  const y = new Float32Array(new SharedArrayBuffer(n * 40));
  for (let i = 0; i < n; i++) y[i * 10 + (x[i * per] % 10)] = 1;
  return { n, inputShape: [side, side, 1], x, xDivisor: 255, y, k: 10 };
}

async function save(m: tf.LayersModel): Promise<Checkpoint> {
  m.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const ck = await checkpointFromModel(m);
  m.dispose();
  return ck;
}

const glorot = (seed: number) => tf.initializers.glorotUniform({ seed });

/** Conv, max pooling and BatchNorm: every kind of kernel the double backprop of a CNN meets. */
const convNet = () =>
  save(
    tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.batchNormalization({}),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(2) }),
      ],
    }),
  );

/** A narrow MLP on 28×28 inputs: a batch's intermediates are a few times its inputs, so a heap holding the data would show. */
const mlp = () =>
  save(
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28, 1] }),
        tf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: glorot(3) }),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(4) }),
      ],
    }),
  );

describe('memory bounded by the batch (in process, cpu)', () => {
  let ck: Checkpoint;
  let few: LocalObjective;
  let many: LocalObjective;
  let v: Float32Array;

  const BATCH = 16;

  beforeAll(async () => {
    await selectBackend('cpu');
    ck = await convNet();
    few = new LocalObjective(loadModel(ck), images(8 * BATCH, 12, 1), { batchSize: BATCH });
    many = new LocalObjective(loadModel(ck), images(64 * BATCH, 12, 2), { batchSize: BATCH });
    const rng = createRng(3);
    v = Float32Array.from({ length: few.layout.dim }, () => rng.normal());
  });
  afterAll(() => {
    few?.dispose();
    many?.dispose();
  });

  const peak = async (f: () => Promise<unknown>) => (await tf.profile(async () => void (await f()))).peakBytes;

  it.each(['loss', 'grad', 'hvp', 'bnMoments'] as const)('%s: the peak over 64 batches equals the peak over 8', async (op) => {
    const run = (o: LocalObjective) => {
      if (op === 'loss') return o.evaluate(o.theta0);
      if (op === 'grad') return o.grad(o.theta0);
      if (op === 'hvp') return o.hvp(o.theta0, v);
      return o.batchNormMoments(o.theta0, ck.modelTopology.config.layers[3].config.name, {});
    };
    const before = tf.memory().numTensors;
    const [p8, p64] = [await peak(() => run(few)), await peak(() => run(many))];
    expect(tf.memory().numTensors).toBe(before);
    // one batch's worth: the 56 extra batches add nothing (one tidy over the whole pass would hold them all)
    expect(p64).toBe(p8);
    expect(p64).toBeGreaterThan(0);
  });
});

describe('memory bounded by the batch (2 wasm workers)', () => {
  let few: PoolObjective;
  let many: PoolObjective;
  let manyData: PreparedData;
  const BATCH = 256;

  beforeAll(async () => {
    const ck = await mlp();
    few = await PoolObjective.create(ck, images(2 * 8 * BATCH, 28, 4), { workers: 2, backend: 'wasm', batchSize: BATCH });
    manyData = images(2 * 64 * BATCH, 28, 5);
    many = await PoolObjective.create(ck, manyData, { workers: 2, backend: 'wasm', batchSize: BATCH });
  });
  afterAll(async () => {
    await few?.close();
    await many?.close();
  });

  it('each worker peaks at one batch, shares the samples and keeps its heap below its shard', async () => {
    const rng = createRng(6);
    const v = Float32Array.from({ length: few.layout.dim }, () => rng.normal());
    for (const o of [few, many]) {
      await o.evaluate(o.theta0);
      await o.grad(o.theta0);
      await o.hvp(o.theta0, v);
    }
    const [s8, s64] = [await few.stats(), await many.stats()];
    expect(s64.map((s) => s.batches)).toEqual([64, 64]);
    expect(s64.map((s) => s.peakBytes)).toEqual(s8.map((s) => s.peakBytes));
    for (const s of s64) {
      expect(s.sharedData).toBe(true);
      // the idle worker holds θ-sized tensors only (the checkpoint's fixed weights), never samples
      expect(s.numBytes).toBeLessThan(64 * 1024);
      // its shard is 64·256 images = 51 MB as float32; the heap never held it
      expect(s.heapBytes).toBeGreaterThan(0);
      expect(s.heapBytes!).toBeLessThan(64 * BATCH * 784 * 4);
    }
    expect(manyData.x.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('reports progress over the whole pass, summed over the workers', async () => {
    const seen: number[] = [];
    many.setProgressListener((p) => {
      expect(p.total).toBe(many.n);
      seen.push(p.done);
    });
    await many.evaluate(many.theta0);
    many.setProgressListener(undefined);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((d, i) => i === 0 || d >= seen[i - 1])).toBe(true);
    expect(seen.at(-1)).toBe(many.n);
  });
});

describe('out of backend memory', () => {
  it('a wasm trap becomes one input error naming the batch, the cause and the remedy', async () => {
    const { explainMemoryError } = await import('../src/objective/backend-memory.js');
    const { LosslensError, exitCodeFor } = await import('../src/errors.js');
    for (const raw of ['memory access out of bounds', 'table index is out of bounds', 'null function or function signature mismatch', 'XNN status 6']) {
      const e = explainMemoryError(new Error(raw), { what: 'the loss pass', batchSize: 2048, params: 887_530, activationsPerSample: 40_000 });
      expect(e).toBeInstanceOf(LosslensError);
      expect(exitCodeFor(e)).toBe(2);
      expect((e as Error).message).toMatch(
        /ran out of memory in the loss pass \(batches of 2048 samples, 887530 parameters, ≈313 MB of activations a batch.*--batch-size \(e\.g\. 512\).*--samples/,
      );
      expect((e as Error).message).not.toContain('\n');
    }
    const other = new Error('a genuine bug');
    expect(explainMemoryError(other, { what: 'x', batchSize: 1, params: 1 })).toBe(other);
  });
});
