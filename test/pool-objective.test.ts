/**
 * PoolObjective (2 worker threads, contiguous shards) against the in-process LocalObjective on a
 * small relu/softmax net: same loss, gradient, HVP and accuracy; errors from a worker reach the
 * caller; no tensors leak in the main thread; disposed workers leave nothing keeping Node alive.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { LosslensError } from '../src/errors.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { PoolObjective, shardSizes } from '../src/objective/pool-objective.js';
import { createObjective, defaultWorkers } from '../src/objective/create-objective.js';
import type { Checkpoint } from '../src/io/types.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

const BACKEND = 'cpu';

async function reluNet(): Promise<{ checkpoint: Checkpoint; data: PreparedData }> {
  const rng = createRng(11);
  const n = 101; // odd: shards of 51 and 50
  const X = Array.from({ length: n }, () => Array.from({ length: 5 }, () => rng.normal()));
  const labels = X.map((r) => (r[0] + r[1] > 0 ? (r[2] > 0 ? 2 : 1) : 0));
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 8,
        activation: 'relu',
        inputShape: [5],
        kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 2 }),
      }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
    ],
  });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const checkpoint = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(checkpoint);
  return { checkpoint, data: prepareData(datasetOf(X, [5], labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

/**
 * Float32 summation order differs (shard means combined in float64 vs one pass of batch means):
 * |pool − local| ≤ 1e-5·max|local| + 1e-7, i.e. ~100 float32 ulps of the largest component.
 */
function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 * scale + 1e-7);
}

describe('PoolObjective', () => {
  let setup: { checkpoint: Checkpoint; data: PreparedData };
  let pool: PoolObjective;
  let local: LocalObjective;

  beforeAll(async () => {
    await selectBackend(BACKEND);
    setup = await reluNet();
    local = new LocalObjective(loadModel(setup.checkpoint), setup.data, { batchSize: 32 });
    pool = await PoolObjective.create(setup.checkpoint, setup.data, { workers: 2, backend: BACKEND, batchSize: 32 });
  });
  afterAll(async () => {
    local?.dispose();
    await pool?.close();
  });

  it('splits the data into contiguous shards of near-equal size', () => {
    expect(pool.shardSizes).toEqual([51, 50]);
    expect(shardSizes(10, 4)).toEqual([3, 3, 2, 2]);
    expect(shardSizes(3, 8)).toEqual([1, 1, 1]);
    expect(pool.n).toBe(101);
    expect(pool.layout).toEqual(local.layout);
    expect(Array.from(pool.theta0)).toEqual(Array.from(local.theta0));
  });

  it('gives the same loss, gradient, HVP and accuracy as LocalObjective, without leaking main-thread tensors', async () => {
    const before = tf.memory().numTensors;
    const rng = createRng(5);
    const theta = Float32Array.from(local.theta0, (t) => t + 0.05 * rng.normal());
    const v = Float32Array.from(theta, () => rng.normal());
    const thetaCopy = theta.slice();
    const [pe, le] = [await pool.evaluate(theta), await local.evaluate(theta)];
    expect(pe.loss).toBeCloseTo(le.loss, 5);
    expect(pe.accuracy).toBe(le.accuracy);
    expect(pe.n).toBe(101);
    expect(await pool.loss(theta)).toBeCloseTo(le.loss, 5);
    const [pg, lg] = [await pool.grad(theta), await local.grad(theta)];
    expect(pg.loss).toBeCloseTo(lg.loss, 5);
    // the gradient pass's metrics, pooled like evaluate's: the correct counts summed
    expect(pg.metrics).toEqual({ loss: pg.loss, accuracy: le.accuracy, n: 101 });
    expect(lg.metrics).toEqual(le);
    expectClose(pg.grad, lg.grad);
    const [ph, lh] = [await pool.hvp(theta, v), await local.hvp(theta, v)];
    expectClose(ph, lh);
    expect(Array.from(theta)).toEqual(Array.from(thetaCopy)); // caller's buffers neither detached nor changed
    expect(v.length).toBe(theta.length);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('serialises concurrent calls (each answered in order with its own θ)', async () => {
    const t2 = Float32Array.from(local.theta0, (t) => t * 0.5);
    const [a, b, c] = await Promise.all([pool.loss(local.theta0), pool.loss(t2), pool.grad(local.theta0)]);
    expect(a).toBeCloseTo(await local.loss(local.theta0), 5);
    expect(b).toBeCloseTo(await local.loss(t2), 5);
    expect(c.loss).toBeCloseTo(a, 6);
  });

  it("rejects with the worker's error (code kept) and keeps serving afterwards", async () => {
    const bad = new Float32Array(local.theta0.length + 1);
    const err = await pool.grad(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LosslensError);
    expect((err as LosslensError).code).toBe('BAD_OPTION');
    expect((err as Error).message).toMatch(/length \d+ ≠ parameter count/);
    await expect(pool.hvp(local.theta0, new Float32Array(3))).rejects.toThrow(/option v: length 3/);
    expect(await pool.loss(local.theta0)).toBeCloseTo(await local.loss(local.theta0), 5);
  });

  it('rejects creation with a start-up error from the workers (bad loss name)', async () => {
    await expect(PoolObjective.create(setup.checkpoint, setup.data, { workers: 2, backend: BACKEND, lossOverride: 'huber' })).rejects.toThrow(LosslensError);
  });

  it('createObjective: in process for 1 worker, a pool for more; defaultWorkers needs ≥ 64 samples a shard', async () => {
    const one = await createObjective(setup.checkpoint, setup.data, { backend: BACKEND });
    expect(one).toBeInstanceOf(LocalObjective);
    one.dispose();
    const two = await createObjective(setup.checkpoint, setup.data, { workers: 2, backend: BACKEND });
    expect(two).toBeInstanceOf(PoolObjective);
    await (two as PoolObjective).close();
    expect(defaultWorkers(10)).toBe(1);
    expect(defaultWorkers(127)).toBe(1);
    expect(defaultWorkers(128)).toBe(Math.min(2, (await import('node:os')).availableParallelism()));
  });
});

/** A child Node process builds a pool on a tiny linear model, uses it, maybe closes it, and must exit on its own. */
async function runChild(close: boolean): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { spawnSync } = await import('node:child_process');
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const script = `
    import * as tf from '@tensorflow/tfjs';
    const { PoolObjective } = await import(${url('../src/objective/pool-objective.ts')});
    const { checkpointFromModel } = await import(${url('./helpers/in-memory-checkpoint.ts')});
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const ckpt = await checkpointFromModel(model);
    const data = { n: 4, inputShape: [2], k: 1, x: new Float32Array(8).fill(1), y: new Float32Array(4) };
    const pool = await PoolObjective.create(ckpt, data, { workers: 2, backend: 'cpu' });
    console.log('loss', await pool.loss(pool.theta0));
    if (${close}) {
      await pool.close();
      await pool.loss(pool.theta0).then(() => console.log('closed-serves'), () => console.log('closed-rejects'));
    }
    console.log('done');
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, cwd: process.cwd() });
}

describe('PoolObjective lifecycle', () => {
  it('after close() the process exits on its own and later calls reject', async () => {
    const r = await runChild(true);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('closed-rejects');
    expect(r.stdout).toContain('done');
  });

  it('idle workers of an undisposed pool do not keep the process alive', async () => {
    const r = await runChild(false);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('done');
  });
});
