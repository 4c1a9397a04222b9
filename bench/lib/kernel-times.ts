/**
 * Wall time of every wasm-backend kernel call during the LeNet's training step (batch 64, training
 * mode), loss, gradient or HVP (256 images by default), summed by kernel name over 10 calls after
 * 3 warm-ups: each registered kernel wrapped with a timer. Unlike tf.profile (kernel-profile.ts)
 * it sees the kernels our own kernels call directly (the max-pool share) and has no profiling
 * overhead of its own; nested calls (a fallback inside a native kernel) count in both.
 *
 *   node --import tsx bench/lib/kernel-times.ts step|loss|grad|hvp [n=256]
 *   ADDON_TIMES=1 …   also each native addon function (the C time inside a native kernel)
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { writeLenet } from '../lib/lenet.js';
import { readCheckpoint } from '../../src/io/checkpoint-read.js';
import { createObjective } from '../../src/objective/create-objective.js';
import { loadModel } from '../../src/objective/model-bundle.js';
import { TrainingGraph } from '../../src/train/training-graph.js';
import { fashionTest } from '../lib/fashion.js';
const file = await writeLenet(await mkdtemp(path.join(os.tmpdir(), 'losslens-prof-')));
const ck = await readCheckpoint(file);
const data = fashionTest(3200)!;
const obj = await createObjective(ck, fashionTest(Number(process.argv[3] ?? 256))!, { workers: 1, backend: 'wasm' });
const g = new TrainingGraph(loadModel(ck), ck.weights, data);
const th = obj.theta0;
const v = Float32Array.from(th, (_, i) => Math.sin(i + 1));
const idx = Uint32Array.from({ length: 64 }, (_, i) => i * 7);
const op = process.argv[2] ?? 'step';
const call = () =>
  op === 'step' ? g.gradient(th, idx, { training: true, seed: 1, step: 0 }) : op === 'loss' ? obj.loss(th) : op === 'grad' ? obj.grad(th) : obj.hvp(th, v);
for (let i = 0; i < 3; i++) await call();
const t = new Map<string, number>(),
  c = new Map<string, number>();
for (const k of tf.getKernelsForBackend('wasm')) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (a) => {
      const t0 = performance.now();
      try {
        return f(a);
      } finally {
        t.set(k.kernelName, (t.get(k.kernelName) ?? 0) + performance.now() - t0);
        c.set(k.kernelName, (c.get(k.kernelName) ?? 0) + 1);
      }
    },
  });
}
if (process.env.ADDON_TIMES) {
  const { loadNativeAddon } = await import('../../src/kernels/native-addon.js');
  const addon = loadNativeAddon().addon as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of Object.keys(addon)) {
    const f = addon[name]!;
    addon[name] = (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return f.apply(addon, a);
      } finally {
        t.set('addon.' + name, (t.get('addon.' + name) ?? 0) + performance.now() - t0);
        c.set('addon.' + name, (c.get('addon.' + name) ?? 0) + 1);
      }
    };
  }
}
const R = 10;
const t0 = performance.now();
for (let i = 0; i < R; i++) await call();
const wall = (performance.now() - t0) / R;
const sum = [...t.values()].reduce((a, b) => a + b, 0) / R;
console.log(`${op}: wall ${wall.toFixed(2)} ms, kernels ${sum.toFixed(2)} ms (outermost+nested), calls ${[...c.values()].reduce((a, b) => a + b, 0) / R}`);
for (const [k, ms] of [...t].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.log((ms / R).toFixed(2).padStart(8), String(c.get(k)! / R).padStart(5), k);
