/**
 * Host buffers reused from batch to batch (src/objective/host-buffers.ts): on wasm a read is a copy
 * of the heap into one buffer and an upload's gather goes to one buffer per slot; elsewhere fresh
 * arrays, as the cpu backend keeps what it is given. What reuse must not change: the values. Partial
 * last batches (a shorter view of the same buffer), byte images divided at gather time, two passes
 * in a row, wasm against cpu; a training step's gradient written into the caller's buffer.
 */
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { HostBuffers } from '../src/objective/host-buffers.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { TrainingGraph } from '../src/train/training-graph.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** A conv net on 6×6 byte images (xDivisor 255), 37 samples: batches of 16, 16 and 5. */
async function byteImages() {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(ckpt);
  const n = 37;
  const x = Uint8Array.from({ length: n * 36 }, (_, i) => (i * 97 + 13) % 256);
  const y = Float32Array.from({ length: n }, (_, i) => (i * 7) % 3);
  const ds = { source: 'bytes.idx', n, xShape: [6, 6, 1], x, xDivisor: 255, yShape: [], y, labelKind: 'class-index' as const };
  return { bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

describe('HostBuffers', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('on wasm reads through one buffer and gathers into one buffer a slot; on cpu neither is reused', async () => {
    await selectBackend('wasm');
    const host = new HostBuffers();
    const a = tf.tensor1d([1, 2, 3, 4]),
      b = tf.tensor1d([5, 6]);
    const ra = await host.read(a);
    expect(Array.from(ra)).toEqual([1, 2, 3, 4]);
    const rb = await host.read(b);
    expect(Array.from(rb)).toEqual([5, 6]);
    expect(rb.buffer).toBe(ra.buffer); // the same memory: the first read is gone, as documented
    const big = tf.range(0, 9);
    expect(Array.from(await host.read(big))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]); // a longer read after shorter ones
    big.dispose();
    expect(host.scratch('x', 8)!.buffer).toBe(host.scratch('x', 3)!.buffer);
    expect(host.scratch('x', 3)!.length).toBe(3);
    expect(host.scratch('y', 3)!.buffer).not.toBe(host.scratch('x', 3)!.buffer);
    const one = tf.tensor1d([9]);
    expect(Array.from(await host.read(one))).toEqual([9]);
    tf.dispose([a, b, one]);
    await selectBackend('cpu');
    const c = tf.tensor1d([7, 8]);
    expect(host.scratch('x', 2)).toBeUndefined();
    const r1 = await host.read(c),
      r2 = await host.read(c);
    expect(Array.from(r1)).toEqual([7, 8]);
    expect(r2.buffer).not.toBe(rb.buffer);
    c.dispose();
  });

  it('loss and gradient over byte images in uneven batches: wasm (buffers reused) as cpu, and the same bits pass after pass', async () => {
    const { bundle, data } = await byteImages();
    await selectBackend('cpu');
    const cpuObj = new LocalObjective(bundle, data, { batchSize: 16 });
    const ref = await cpuObj.grad(bundle.theta0);
    cpuObj.dispose();
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const obj = new LocalObjective(bundle, data, { batchSize: 16 });
    const [g1, g2] = [await obj.grad(bundle.theta0), await obj.grad(bundle.theta0)];
    expect(Array.from(g2.grad)).toEqual(Array.from(g1.grad));
    expect(g2.loss).toBe(g1.loss);
    // float32 sums in another order: rounding, far below a wrong or stale row (O(|g|))
    expect(maxDiff(g1.grad, ref.grad)).toBeLessThan(1e-5 * maxAbs(ref.grad));
    expect(Math.abs(g1.loss - ref.loss)).toBeLessThan(1e-6 * ref.loss);
    obj.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a training step writes its gradient into the caller's buffer, equal to a fresh one; evaluate over uneven batches as cpu", async () => {
    const { bundle, data } = await byteImages();
    const idx = Uint32Array.from([36, 0, 5, 17, 17, 30, 2]);
    const all = Uint32Array.from({ length: data.n }, (_, i) => i);
    await selectBackend('cpu');
    const cpuGraph = new TrainingGraph(bundle, bundle.checkpoint.weights, data, 16);
    const ref = await cpuGraph.gradient(bundle.theta0, idx, { training: true, seed: 1, step: 0 });
    const refEval = await cpuGraph.evaluate(bundle.theta0, all);
    cpuGraph.dispose();
    await selectBackend('wasm');
    const graph = new TrainingGraph(bundle, bundle.checkpoint.weights, data, 16);
    const fresh = await graph.gradient(bundle.theta0, idx, { training: true, seed: 1, step: 0 });
    const into = new Float32Array(bundle.layout.dim).fill(NaN);
    const got = await graph.gradient(bundle.theta0, idx, { training: true, seed: 1, step: 0 }, into);
    expect(got.grad).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(fresh.grad));
    expect(got.loss).toBe(fresh.loss);
    expect(maxDiff(into, ref.grad)).toBeLessThan(1e-5 * maxAbs(ref.grad));
    const ev = [await graph.evaluate(bundle.theta0, all), await graph.evaluate(bundle.theta0, all)];
    expect(ev[1]).toEqual(ev[0]);
    expect(Math.abs(ev[0]!.loss - refEval.loss)).toBeLessThan(1e-6 * refEval.loss);
    expect(ev[0]!.accuracy).toBe(refEval.accuracy);
    graph.dispose();
  });
});
