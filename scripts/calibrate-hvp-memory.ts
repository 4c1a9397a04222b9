/**
 * Per-layer HVP memory, measured: for each layer family, models of 1 and 3 equal layers (input →
 * layers → global pooling or flatten → dense softmax) at batches 4 and 12; the peak of distinct
 * backend buffers of one exact HVP (buffer-peak.ts) gives the values kept per layer-output value
 * (slope over the layer count), per sample (slope over the batch) and fixed (the rest): the
 * factors of src/objective/hvp-memory.ts, whose own prediction is printed beside them.
 *
 *   tsx scripts/calibrate-hvp-memory.ts   (LOSSLENS_NATIVE=0 for the wasm kernels alone)
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, loadModel } from '../src/index.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import type { Checkpoint } from '../src/io/types.js';
import { hvpValuesPerSample } from '../src/objective/hvp-memory.js';
import { bufferPeak } from '../src/objective/buffer-peak.js';

const BATCHES = [4, 12];

async function checkpointOf(model: tf.LayersModel): Promise<Checkpoint> {
  let out: Checkpoint | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Float32Array(a.weightData as ArrayBuffer);
      let off = 0;
      const weights = a.weightSpecs!.map((s) => {
        const size = s.shape.reduce((x, y) => x * y, 1);
        off += size;
        return { spec: { name: s.name, shape: s.shape, dtype: 'float32' as const }, values: data.slice(off - size, off) };
      });
      out = { path: '/in-memory/model.json', modelTopology: a.modelTopology, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

type Layer = () => tf.layers.Layer;
/** [family, input shape, one layer keeping that shape] */
const FAMILIES: Array<[string, number[], Layer]> = [
  ['Conv2D', [32, 32, 16], () => tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' })],
  ['Conv2D 1×1 16→16', [32, 32, 16], () => tf.layers.conv2d({ filters: 16, kernelSize: 1 })],
  ['DepthwiseConv2D', [32, 32, 16], () => tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' })],
  ['BatchNormalization', [32, 32, 16], () => tf.layers.batchNormalization({})],
  ['ReLU', [32, 32, 16], () => tf.layers.reLU({ maxValue: 6 })],
  ['Activation', [32, 32, 16], () => tf.layers.activation({ activation: 'tanh' })],
  [
    'ZeroPadding2D',
    [32, 32, 16],
    () =>
      tf.layers.zeroPadding2d({
        padding: [
          [0, 0],
          [0, 0],
        ],
      }),
  ],
  ['Dense', [64], () => tf.layers.dense({ units: 64, activation: 'tanh' })],
  ['LSTM', [20, 16], () => tf.layers.lstm({ units: 16, returnSequences: true })],
  ['GRU', [20, 16], () => tf.layers.gru({ units: 16, returnSequences: true })],
  ['SimpleRNN', [20, 16], () => tf.layers.simpleRNN({ units: 16, returnSequences: true })],
];

async function peakPerSample(layers: tf.layers.Layer[], shape: number[], batch: number): Promise<{ peak: number; out: number; model: number }> {
  const input = tf.input({ shape });
  let y = input as tf.SymbolicTensor;
  for (const l of layers) y = l.apply(y) as tf.SymbolicTensor;
  const out = y.shape.slice(1).reduce((a, b) => a! * b!, 1) as number;
  if (y.shape.length === 4) y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
  if (y.shape.length === 3) y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 4, activation: 'softmax' }).apply(y) as tf.SymbolicTensor });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const bundle = loadModel(await checkpointOf(model), 'categoricalCrossentropy');
  const width = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: batch * width }, (_, i) => Math.sin(i * 0.37));
  const yv = new Float32Array(batch * 4).map((_, i) => (i % 4 === 0 ? 1 : 0));
  const obj = new LocalObjective(bundle, { n: batch, inputShape: shape, x, y: yv, k: 4 }, { batchSize: batch });
  const v = bundle.theta0.map((_, i) => Math.cos(i));
  await obj.hvp(bundle.theta0, v); // warm-up
  const r = await bufferPeak(() => obj.hvp(bundle.theta0, v));
  obj.dispose();
  model.dispose();
  return { peak: r.peakBytes / batch / 4, out, model: hvpValuesPerSample(bundle) };
}

await selectBackend('auto');
console.log(`${tf.getBackend()}: values kept per layer-output value (slope over 1 → 3 layers) and fixed values per parameter (slope over batches ${BATCHES})`);
for (const [name, shape, make] of FAMILIES) {
  const [b1, b2] = BATCHES;
  const one = await peakPerSample([make()], shape, b1!),
    three = await peakPerSample([make(), make(), make()], shape, b1!);
  const threeB2 = await peakPerSample([make(), make(), make()], shape, b2!);
  const perSample = (threeB2.peak * b2! - three.peak * b1!) / (b2! - b1!),
    fixed = three.peak * b1! - perSample * b1!;
  console.log(
    `${name.padEnd(20)} out ${String(one.out).padStart(6)}  kept/out ${((three.peak - one.peak) / (2 * one.out)).toFixed(2).padStart(6)}  per sample ${perSample.toFixed(0).padStart(8)} (model ${three.model})  fixed ${fixed.toFixed(0).padStart(8)}`,
  );
}
