/**
 * `train` at real size on a model with two outputs: Fashion-MNIST (60 000 training images) with a
 * 10-class head "cls" (categorical CE) and an "is it footwear" head "shoe" (sandal, sneaker, ankle
 * boot; binary CE, loss_weights 0.5) on one shared trunk 784 → 128 relu. This script writes the
 * checkpoint and the data folder (img.npy bytes [n, 784], cls.npy, shoe.npy); time the CLI on them:
 *
 *   npx tsx bench/train-two-heads-fashion.ts /tmp/fm2
 *   /usr/bin/time -v node bin/losslens.js train --model /tmp/fm2/model --data /tmp/fm2/data --init checkpoint \
 *     --epochs 1 --batch-size 128 --optimizer adam --lr 0.001 --val-split 0 --out /tmp/fm2/out --force
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { fashionMnistDir } from '../src/io/fashion-mnist.js';
import { writeNpy } from '../scripts/fixtures/writers.js';

const FOOTWEAR = new Set([5, 7, 9]);

function twoHeadMlp(): tf.LayersModel {
  const x = tf.input({ shape: [784], name: 'img' });
  const h = tf.layers.dense({ units: 128, activation: 'relu', name: 'trunk', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(x);
  const cls = tf.layers.dense({ units: 10, activation: 'softmax', name: 'cls', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h);
  const shoe = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'shoe', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(h);
  return tf.model({ inputs: x, outputs: [cls as tf.SymbolicTensor, shoe as tf.SymbolicTensor], name: 'fashion_two_heads' });
}

const out = process.argv[2] ?? '/tmp/fm2';
const dir = fashionMnistDir();
const images = gunzipSync(readFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'))).subarray(16);
const labels = gunzipSync(readFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'))).subarray(8);
const n = labels.length;
mkdirSync(path.join(out, 'data'), { recursive: true });
mkdirSync(path.join(out, 'model'), { recursive: true });
writeNpy(path.join(out, 'data', 'img.npy'), images, [n, 784]);
writeNpy(path.join(out, 'data', 'cls.npy'), Int32Array.from(labels), [n]);
writeNpy(
  path.join(out, 'data', 'shoe.npy'),
  Float32Array.from(labels, (l) => (FOOTWEAR.has(l) ? 1 : 0)),
  [n, 1],
);
const net = twoHeadMlp();
await net.save(
  tf.io.withSaveHandler(async (a) => {
    const trainingConfig = { loss: ['categorical_crossentropy', 'binary_crossentropy'], loss_weights: [1, 0.5], metrics: ['accuracy'] };
    const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }], trainingConfig };
    writeFileSync(path.join(out, 'model', 'model.json'), JSON.stringify(json));
    writeFileSync(path.join(out, 'model', 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
console.log(`${n} images → ${out}/data (img.npy, cls.npy, shoe.npy); model → ${out}/model`);
