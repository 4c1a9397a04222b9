/**
 * Peak backend memory of one exact HVP per sample, measured: the calibration of the HVP memory model
 * (src/objective/hvp-memory.ts). For each batch size, one HVP over that many seeded random samples
 * in a fresh LocalObjective (timed), then again under bufferPeak (distinct backend buffers), and the
 * wasm heap's size after it (the heap grows and never shrinks: its size is the high-water mark).
 *
 *   tsx scripts/measure-hvp-memory.ts --model DIR [--loss L] [--batches 1,2,4] [--backend wasm]
 *   LOSSLENS_NATIVE=0 for the wasm kernels alone.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, readCheckpoint, selectBackend } from '../src/index.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { activationsPerSample } from '../src/objective/auto-batch-size.js';
import { hvpBytes, hvpValuesPerSample } from '../src/objective/hvp-memory.js';
import { nativeKernelsInfo } from '../src/kernels/native-kernels.js';
import { bufferPeak, wasmHeapBytes } from '../src/objective/buffer-peak.js';

const argv = process.argv.slice(2);
const opt = (name: string, d?: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : d);

function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const heapBytes = wasmHeapBytes;

async function main(): Promise<void> {
  await selectBackend(opt('--backend', 'auto')!);
  const bundle = loadModel(await readCheckpoint(opt('--model')!), opt('--loss'));
  const width = bundle.arch.inputShape.reduce((a, b) => a * b, 1);
  const acts = activationsPerSample(bundle);
  console.log(
    `${opt('--model')}: ${bundle.layout.dim} params, ${acts} activations a sample, model ${hvpValuesPerSample(bundle)} HVP values a sample; ${tf.getBackend()} ${nativeKernelsInfo()?.path ?? ''}`,
  );
  for (const b of opt('--batches', '1,2,4')!.split(',').map(Number)) {
    const y = new Float32Array(b * bundle.outDim);
    for (let i = 0; i < b; i++) y[i * bundle.outDim + (i % bundle.outDim)] = 1;
    const data = { n: b, inputShape: bundle.arch.inputShape, x: seeded(b * width, 7), y, k: bundle.outDim };
    const obj = new LocalObjective(bundle, data, { batchSize: b });
    const v = seeded(bundle.layout.dim, 3).map((t) => t - 0.5);
    let t0 = Date.now();
    await obj.hvp(bundle.theta0, v);
    const ms = Date.now() - t0;
    t0 = Date.now();
    const peak = (await bufferPeak(() => obj.hvp(bundle.theta0, v))).peakBytes;
    const model = hvpBytes(bundle, b);
    console.log(
      `batch ${b}: peak ${(peak / 2 ** 20).toFixed(1)} MB (${(peak / b / 2 ** 20).toFixed(1)} MB a sample, ${(peak / b / 4 / acts).toFixed(2)} × the forward activations; model ${(model / 2 ** 20).toFixed(1)} MB, measured/model ${(peak / model).toFixed(2)}), heap ${heapBytes() ? (heapBytes()! / 2 ** 20).toFixed(0) + ' MB' : '—'}, ${ms} ms`,
    );
    obj.dispose();
  }
}

await main();
