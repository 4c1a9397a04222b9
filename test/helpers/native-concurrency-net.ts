/**
 * The LeNet-like net and the loss/gradient/HVP rounds of test/native-concurrency.test.ts, shared by
 * its main thread and its worker threads (native-concurrency-worker.ts): 28×28×1 images, a direct-form
 * conv (one input channel), an im2col conv (6 channels: the tiled form on 2 threads, OpenBLAS's batch-chunked
 * form on 1), max pools, two dense layers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../../src/io/types.js';
import { createObjective } from '../../src/objective/create-objective.js';
import { prepareData, type PreparedData } from '../../src/objective/prepare-data.js';
import { loadModel } from '../../src/objective/model-bundle.js';
import { createRng } from '../../src/random.js';
import { checkpointFromModel, datasetOf } from './in-memory-checkpoint.js';

export const SAMPLES = 48;
export const BATCH = 24;

/** One round's results: the loss, the gradient and one HVP at θ0. */
export interface Round {
  loss: number;
  grad: Float32Array;
  hvp: Float32Array;
}

export async function lenetProblem(): Promise<{ checkpoint: Checkpoint; data: PreparedData }> {
  const rng = createRng(37);
  const x = new Float32Array(SAMPLES * 28 * 28).map(() => rng.next());
  const labels = Array.from({ length: SAMPLES }, (_, i) => i % 10);
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
  const checkpoint = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(checkpoint);
  return { checkpoint, data: prepareData(datasetOf(x, [28, 28, 1], labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

/** A fixed direction for the HVP (seeded, the same in every thread). */
export function direction(n: number): Float32Array {
  const rng = createRng(5);
  return new Float32Array(n).map(() => rng.normal());
}

/** `rounds` loss/gradient/HVP evaluations at θ0 in this thread (the engine already started on wasm). */
export async function runRounds(checkpoint: Checkpoint, data: PreparedData, rounds: number): Promise<Round[]> {
  const objective = await createObjective(checkpoint, data, { backend: 'wasm', batchSize: BATCH });
  try {
    const v = direction(objective.theta0.length);
    const out: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const loss = await objective.loss(objective.theta0);
      const { grad } = await objective.grad(objective.theta0);
      out.push({ loss, grad, hvp: await objective.hvp(objective.theta0, v) });
    }
    return out;
  } finally {
    objective.dispose();
  }
}
