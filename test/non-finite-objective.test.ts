/**
 * A checkpoint whose finite weights overflow float32 at its own θ is refused in one line naming
 * the first layer that goes non-finite (exit 2), in process and through a worker pool; away from
 * θ₀ (a slice point, a diverging run) the objective returns the non-finite loss for the caller.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { exitCodeFor } from '../src/errors.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { PoolObjective } from '../src/objective/pool-objective.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

async function overflowing(): Promise<Checkpoint> {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ name: 'wide', units: 4, inputShape: [3], kernelInitializer: tf.initializers.constant({ value: 1e38 }) }),
      tf.layers.dense({ name: 'head', units: 2, activation: 'softmax', kernelInitializer: tf.initializers.constant({ value: 1 }) }),
    ],
  });
  m.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const ck = await checkpointFromModel(m);
  m.dispose();
  return ck;
}

describe('non-finite at the checkpoint', () => {
  let ck: Checkpoint;
  const data = () => {
    const b = loadModel(ck);
    return prepareData(
      datasetOf(
        [
          [1, 2, 3],
          [3, 2, 1],
          [0, 0, 0],
          [5, 5, 5],
        ],
        [3],
        [0, 1, 0, 1],
        'class-index',
      ),
      b.arch.inputShape,
      b.outDim,
      b.loss,
    );
  };
  beforeAll(async () => {
    await selectBackend('cpu');
    ck = await overflowing();
  });

  it('evaluate, grad and hvp at θ₀ name the first non-finite layer; elsewhere the value is returned', async () => {
    const obj = new LocalObjective(loadModel(ck), data(), { batchSize: 2 });
    const before = tf.memory().numTensors;
    for (const run of [() => obj.evaluate(obj.theta0), () => obj.grad(obj.theta0), () => obj.hvp(obj.theta0, obj.theta0)]) {
      const err = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toMatch(
        /on samples 0–1 is non-finite: layer "wide" \(Dense, output \[4\]\) is the first to produce (Infinity|-Infinity|NaN)/,
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    const away = obj.theta0.map((v) => v * 0.5);
    expect(Number.isFinite((await obj.evaluate(away)).loss)).toBe(false);
    obj.dispose();
  });

  it('a pool worker refuses with the same code and message', async () => {
    const pool = await PoolObjective.create(ck, data(), { workers: 2, backend: 'cpu', batchSize: 2 });
    try {
      const err = await pool.evaluate(pool.theta0).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toMatch(/layer "wide"/);
    } finally {
      await pool.close();
    }
  });
});
