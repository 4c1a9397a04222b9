/**
 * Benchmark problems: a checkpoint, its prepared data and the analytic forward FLOPs.
 * Each case is a function, so the source can change (in-memory models now; the bundled
 * fixtures via `fixtureCase` once the lead switches) without touching the timing code.
 */
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../../src/io/types.js';
import { readCheckpoint } from '../../src/io/checkpoint-read.js';
import { loadDataset } from '../../src/io/dataset.js';
import { loadModel } from '../../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../../src/objective/prepare-data.js';
import { createRng } from '../../src/random.js';

export interface BenchProblem {
  checkpoint: Checkpoint;
  data: PreparedData;
  params: number;
  /** Multiply-add FLOPs (2 per MAC) of Dense and Conv2D layers for one forward pass over all samples. */
  forwardFlops: number;
}

export interface BenchCase {
  name: string;
  describe: string;
  load(): Promise<BenchProblem>;
}

/** 2·MACs of every Dense/Conv2D layer for one sample (pooling, activations, loss not counted). */
export function forwardFlopsPerSample(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as number[];
    const inp = (layer.input as tf.SymbolicTensor).shape as number[];
    if (cls === 'Dense') flops += 2 * inp[inp.length - 1] * out[out.length - 1];
    if (cls === 'Conv2D') {
      const [kh, kw] = (layer.getConfig().kernelSize as number[]) ?? [1, 1];
      flops += 2 * out[1] * out[2] * out[3] * kh * kw * inp[3];
    }
  }
  return flops;
}

/** Our Checkpoint from a tfjs-layers model, without disk. */
async function checkpointOf(model: tf.LayersModel, name: string): Promise<Checkpoint> {
  let out: Checkpoint | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Float32Array(a.weightData as ArrayBuffer);
      let off = 0;
      const weights = a.weightSpecs!.map((s) => {
        const size = s.shape.reduce((x, y) => x * y, 1);
        const values = data.slice(off, off + size);
        off += size;
        return { spec: { name: s.name, shape: s.shape, dtype: 'float32' as const }, values };
      });
      out = { path: `/in-memory/${name}/model.json`, modelTopology: a.modelTopology, trainingConfig: { loss: 'categorical_crossentropy' }, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

/** n seeded uniform inputs and class labels, one-hot for the model's k outputs. */
function randomData(n: number, inputShape: number[], k: number, seed: number): PreparedData {
  const rng = createRng(seed);
  const per = inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * per }, () => rng.next());
  const y = new Float32Array(n * k);
  for (let i = 0; i < n; i++) y[i * k + Math.floor(rng.next() * k)] = 1;
  return { n, inputShape, x, y, k };
}

async function inMemory(name: string, build: () => tf.LayersModel, inputShape: number[], n: number): Promise<BenchProblem> {
  const model = build();
  const checkpoint = await checkpointOf(model, name);
  const forwardFlops = forwardFlopsPerSample(model) * n;
  const params = model.countParams();
  const k = (model.outputs[0].shape as number[])[1];
  model.dispose();
  return { checkpoint, data: randomData(n, inputShape, k, 7), params, forwardFlops };
}

const glorot = (seed: number) => tf.initializers.glorotUniform({ seed });

export const mlpCase = (n = 1024): BenchCase => ({
  name: 'mlp',
  describe: `MLP 784→256→256→10 relu/softmax, ${n} random samples`,
  load: () =>
    inMemory(
      'mlp',
      () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: glorot(1) }),
            tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: glorot(2) }),
            tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(3) }),
          ],
        }),
      [784],
      n,
    ),
});

export const cnnCase = (n = 1024): BenchCase => ({
  name: 'cnn',
  describe: `CNN 28×28×1 → Conv(8,3×3,same,relu) → MaxPool2 → Conv(16,3×3,relu) → MaxPool2 → Dense(10,softmax), ${n} random samples`,
  load: () =>
    inMemory(
      'cnn',
      () =>
        tf.sequential({
          layers: [
            tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: glorot(1) }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(2) }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(3) }),
          ],
        }),
      [28, 28, 1],
      n,
    ),
});

/** A bundled fixture (e.g. 'fixtures/mlp-relu' with x.npy/y.npy, 'fixtures/cnn' with IDX files). */
export const fixtureCase = (dir: string, name = dir.split('/').pop()!): BenchCase => ({
  name,
  describe: `fixture ${dir}`,
  load: async () => {
    const checkpoint = await readCheckpoint(`${dir}/model.json`);
    const bundle = loadModel(checkpoint);
    const data = prepareData(await loadDataset({ data: dir }), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const model = await tf.models.modelFromJSON({ modelTopology: checkpoint.modelTopology });
    const flops = forwardFlopsPerSample(model) * data.n;
    model.dispose();
    return { checkpoint, data, params: bundle.layout.dim, forwardFlops: flops };
  },
});
