/**
 * An ordinary LeNet for Fashion-MNIST / MNIST (28×28×1 → 10), saved the way tfjs saves it:
 * Conv(5×5, 16, same, relu) → MaxPool(2) → Conv(5×5, 32, valid, relu) → MaxPool(2) → Flatten →
 * Dense(128, relu) → Dense(10, softmax); 117 066 parameters, sparse categorical cross-entropy.
 * Untrained (seeded Glorot): the memory and speed benches need its shapes, not its accuracy;
 * the README's real-data tour trains it with `losslens train`.
 *
 *   node --import tsx bench/lib/lenet.ts OUT_DIR [SEED]
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveModel } from '../../scripts/fixtures/writers.js';

/** The benches' LeNet (conv 5×5 16 → pool → conv 5×5 32 → pool → dense 128 → dense 10 softmax), Glorot weights from `seed`, not compiled. */
export function lenetModel(seed = 1): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  const m = tf.sequential({ name: 'lenet' });
  m.add(
    tf.layers.conv2d({ name: 'conv_1', inputShape: [28, 28, 1], filters: 16, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
  );
  m.add(tf.layers.maxPooling2d({ name: 'pool_1', poolSize: 2 }));
  m.add(tf.layers.conv2d({ name: 'conv_2', filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init(2) }));
  m.add(tf.layers.maxPooling2d({ name: 'pool_2', poolSize: 2 }));
  m.add(tf.layers.flatten({ name: 'flatten' }));
  m.add(tf.layers.dense({ name: 'dense_1', units: 128, activation: 'relu', kernelInitializer: init(3) }));
  m.add(tf.layers.dense({ name: 'dense_2', units: 10, activation: 'softmax', kernelInitializer: init(4) }));
  return m;
}

export async function writeLenet(dir: string, seed = 1): Promise<string> {
  await tf.setBackend('cpu');
  const m = lenetModel(seed);
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await saveModel(m, dir);
  m.dispose();
  return path.join(dir, 'model.json');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node --import tsx bench/lib/lenet.ts OUT_DIR [SEED]');
    process.exit(2);
  }
  console.log(await writeLenet(out, Number(process.argv[3] ?? 1)));
}
