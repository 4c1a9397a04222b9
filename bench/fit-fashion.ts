/**
 * The fit callback on a real training run: LeNet (bench/lib/lenet.ts' architecture, seeded Glorot) trained with
 * model.fit on the first --train-n Fashion-MNIST training images, once without the callback and once with it
 * (every --every batches, probe: --probe-n test images), each in its own child process (peak RSS per run), the
 * same initial weights and Math.random stream in both: the wall times give the callback's overhead, and the
 * final weights must be equal to the bit. The run folder (figures) goes to --out.
 *
 *   tsx bench/fit-fashion.ts [--train-n 12800] [--epochs 1] [--every 100] [--probe-n 256] [--optimizer sgd|adam] [--lr 0.05]
 *     [--backend wasm|cpu] [--out reports/fit-fashion]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { lossLensCallback } from '../src/entries/fit.js';
import { startEngine } from '../src/engine/engine.js';
import { FASHION_DIR } from './lib/fashion.js';
import { lenetModel } from './lib/lenet.js';

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : d;
};
const opts = {
  trainN: Number(arg('train-n', '12800')),
  epochs: Number(arg('epochs', '1')),
  every: Number(arg('every', '100')),
  probeN: Number(arg('probe-n', '256')),
  backend: arg('backend', 'wasm'),
  out: arg('out', 'reports/fit-fashion'),
  optimizer: arg('optimizer', 'sgd'),
  lr: Number(arg('lr', '0.05')),
};

/** The first n images of a split as [n, 28, 28, 1] in [0, 1] and their class indices. */
function fashion(split: 'train' | 't10k', n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const xs = gunzipSync(readFileSync(path.join(FASHION_DIR, `${split}-images-idx3-ubyte.gz`)));
  const ys = gunzipSync(readFileSync(path.join(FASHION_DIR, `${split}-labels-idx1-ubyte.gz`)));
  const x = Float32Array.from(xs.subarray(16, 16 + n * 784), (v) => v / 255);
  const y = Float32Array.from(ys.subarray(8, 8 + n));
  return { x: tf.tensor4d(x, [n, 28, 28, 1]), y: tf.tensor2d(y, [n, 1]) };
}

function lenet(): tf.LayersModel {
  const m = lenetModel(1);
  m.compile({ optimizer: opts.optimizer === 'adam' ? tf.train.adam(opts.lr) : tf.train.sgd(opts.lr), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Math.random from a fixed stream: fit's shuffling is then the same in both runs. */
function seedMathRandom(seed: number): void {
  let s = seed >>> 0;
  Math.random = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

/** One training run in this process; prints one JSON line. */
async function child(mode: 'plain' | 'callback'): Promise<void> {
  // wasm: the engine runs for the whole fit (its kernels are process-wide), in both modes alike
  if (opts.backend === 'wasm') await startEngine({ backend: 'wasm' });
  else await tf.setBackend(opts.backend);
  const { x, y } = fashion('train', opts.trainN);
  const probe = fashion('t10k', opts.probeN);
  const model = lenet();
  seedMathRandom(1);
  const callbacks =
    mode === 'callback'
      ? [lossLensCallback({ every: opts.every, budget: 100, out: opts.out, probe, lanczosIter: 20, traceProbes: 10, noiseBatch: 16, noiseGroups: 8 })]
      : [];
  const t0 = performance.now();
  const h = await model.fit(x, y, { epochs: opts.epochs, batchSize: 64, shuffle: true, callbacks });
  const wallMs = performance.now() - t0;
  const sum = model
    .getWeights()
    .map((w) => Array.from(new Uint32Array(Float32Array.from(w.dataSync()).buffer)).reduce((a, b) => (Math.imul(a, 31) + b) >>> 0, 7));
  const loss = h.history.loss!.map(Number);
  console.log(JSON.stringify({ mode, wallMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, weightsHash: sum.join(':'), loss, backend: tf.getBackend() }));
}

function runChild(mode: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', mode], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`child ${mode} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(line);
}

const childMode = arg('child', '');
if (childMode) await child(childMode as 'plain' | 'callback');
else if (!existsSync(path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz'))) console.log(`skipped: no Fashion-MNIST in ${FASHION_DIR}`);
else {
  const plain = runChild('plain');
  const measured = runChild('callback');
  const summary = JSON.parse(readFileSync(path.join(opts.out, 'summary.json'), 'utf8'));
  console.log(JSON.stringify({ opts, load: os.loadavg(), plain, measured, sameWeights: plain.weightsHash === measured.weightsHash, summary }, null, 1));
}
