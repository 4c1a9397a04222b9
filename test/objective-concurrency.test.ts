/**
 * Overlapping calls on one objective (Promise.all of several HVPs, a gradient beside them) give the
 * results of the same calls made one after the other, bit for bit: the objective's passes share its
 * host buffers (batch rows, read-backs) and run one at a time. Small batches make each call several
 * passes' worth of awaits, where interleaving would show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { loadDataset } from '../src/io/dataset.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { selectBackend } from '../src/engine/index.js';
import { createRng } from '../src/random.js';

describe.each(['wasm', 'cpu'] as const)('overlapping calls on one objective (%s)', (backend) => {
  let obj: LocalObjective;
  beforeAll(async () => {
    await selectBackend(backend);
    const model = loadModel(await readCheckpoint('fixtures/spiral-tanh'));
    const data = prepareModelData(await loadDataset({ data: 'fixtures/spiral-tanh/train.csv' }), model);
    obj = new LocalObjective(model, data, { batchSize: 16 });
  });
  afterAll(() => obj.dispose());

  it('Promise.all of HVPs and a gradient equals the sequential calls, bit for bit; no tensor leaks', async () => {
    const d = obj.theta0.length;
    const rng = createRng(11);
    const theta = Float32Array.from(obj.theta0);
    const vs = [0, 1, 2].map(() => Float32Array.from({ length: d }, () => rng.normal()));
    const sequential = [];
    for (const v of vs) sequential.push(await obj.hvp(theta, v));
    const g = (await obj.grad(theta)).grad;
    const before = tf.memory().numTensors;
    const [h0, h1, gr, h2] = await Promise.all([obj.hvp(theta, vs[0]!), obj.hvp(theta, vs[1]!), obj.grad(theta), obj.hvp(theta, vs[2]!)]);
    expect(tf.memory().numTensors).toBe(before);
    expect([h0, h1, h2].map((h) => Array.from(h))).toEqual(sequential.map((h) => Array.from(h)));
    expect(Array.from(gr.grad)).toEqual(Array.from(g));
  });
});
