/**
 * Small tfjs-layers models with the decoder, normalization and preprocessing layers (Conv2DTranspose,
 * UpSampling2D, Cropping2D, LayerNormalization, Rescaling), their checkpoints, seeded data, and
 * tfjs-layers' own loss and autodiff gradient on that data as ground truths.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelBundle } from '../../src/objective/model-bundle.js';
import { prepareData } from '../../src/objective/prepare-data.js';
import { createRng } from '../../src/random.js';
import { checkpointFromModel, datasetOf } from './in-memory-checkpoint.js';

const init = (seed: number, stddev = 0.5) => tf.initializers.randomNormal({ mean: 0, stddev, seed });

export type FixtureName = 'decoder' | 'decoder-bilinear' | 'layer-norm' | 'image-out';

type Layers = { layers: tf.layers.Layer[]; loss: string; out: number; outShape?: number[] };

/** An autoencoder's decoder: the output, and the MSE target, is an image. */
const imageOut = (): Layers => ({
  loss: 'meanSquaredError',
  out: 5 * 6 * 2,
  outShape: [5, 6, 2],
  layers: [
    tf.layers.conv2dTranspose({
      inputShape: [2, 2, 2],
      filters: 2,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'sigmoid',
      kernelInitializer: init(16),
      biasInitializer: init(17, 0.2),
    }),
    tf.layers.upSampling2d({ size: [2, 2] }),
    tf.layers.cropping2D({
      cropping: [
        [1, 2],
        [1, 1],
      ],
    }),
  ],
});

const decoder = (): Layers => ({
  loss: 'meanSquaredError',
  out: 2,
  layers: [
    tf.layers.conv2dTranspose({
      inputShape: [3, 3, 2],
      filters: 3,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(1),
      biasInitializer: init(2, 0.2),
    }),
    tf.layers.upSampling2d({ size: [2, 2] }),
    tf.layers.cropping2D({
      cropping: [
        [1, 2],
        [0, 1],
      ],
    }),
    tf.layers.conv2dTranspose({
      filters: 2,
      kernelSize: 2,
      strides: 1,
      padding: 'valid',
      activation: 'sigmoid',
      kernelInitializer: init(3),
      biasInitializer: init(4, 0.2),
    }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 2, kernelInitializer: init(5) }),
  ],
});

const decoderBilinear = (): Layers => ({
  loss: 'categoricalCrossentropy',
  out: 3,
  layers: [
    tf.layers.rescaling({ inputShape: [3, 4, 2], scale: 0.5, offset: -0.25 } as never),
    tf.layers.conv2dTranspose({
      filters: 2,
      kernelSize: [2, 1],
      strides: [3, 2],
      padding: 'valid',
      activation: 'tanh',
      kernelInitializer: init(6),
      biasInitializer: init(7, 0.2),
    }),
    tf.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }),
    tf.layers.cropping2D({ cropping: 1 }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(8, 0.2) }),
  ],
});

const layerNorm = (): Layers => ({
  loss: 'categoricalCrossentropy',
  out: 3,
  layers: [
    tf.layers.dense({ inputShape: [3, 4], units: 5, activation: 'tanh', kernelInitializer: init(9), biasInitializer: init(10, 0.2) }),
    tf.layers.layerNormalization({ axis: [-2, -1], gammaInitializer: init(11), betaInitializer: init(12, 0.3) } as never),
    tf.layers.layerNormalization({ epsilon: 0.05, gammaInitializer: init(13), betaInitializer: init(14, 0.3) }),
    tf.layers.flatten({}),
    tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(15, 0.3) }),
  ],
});

const FIXTURES: Record<FixtureName, () => Layers> = { decoder: decoder, 'decoder-bilinear': decoderBilinear, 'layer-norm': layerNorm, 'image-out': imageOut };
const layersOf = (name: FixtureName): Layers => FIXTURES[name]();

export interface Fixture {
  model: tf.LayersModel;
  bundle: ModelBundle;
  data: ReturnType<typeof prepareData>;
  xs: tf.Tensor;
  ys: tf.Tensor;
  loss: string;
}

export async function fixture(name: FixtureName, n = 12): Promise<Fixture> {
  const { layers, loss, out, outShape = [out] } = layersOf(name);
  const model = tf.sequential({ layers });
  model.compile({ loss, optimizer: 'sgd' });
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  const rng = createRng(21);
  const x = Float32Array.from({ length: n * inShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const labels = Array.from({ length: n }, (_, i) => i % out);
  const yv = loss === 'meanSquaredError' ? Float32Array.from({ length: n * out }, () => rng.normal()) : Float32Array.from(labels);
  const bundle = loadModel(await checkpointFromModel(model));
  const ds = loss === 'meanSquaredError' ? datasetOf(x, inShape, yv, 'float', outShape) : datasetOf(x, inShape, yv, 'class-index');
  const xs = tf.tensor(x, [n, ...inShape]);
  const ys = loss === 'meanSquaredError' ? tf.tensor(yv, [n, ...outShape]) : tf.oneHot(tf.tensor1d(labels, 'int32'), out);
  return { model, bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss), xs, ys, loss };
}

/** tfjs-layers' own loss of the fixture (model.evaluate). */
export function referenceLoss(f: Fixture): number {
  const r = f.model.evaluate(f.xs, f.ys) as tf.Scalar;
  const v = r.dataSync()[0]!;
  r.dispose();
  return v;
}

/** tfjs autodiff of the model's loss over its trainable weights, flattened in manifest order. */
export function referenceGradient(f: Fixture): Float32Array {
  return tf.tidy(() => {
    const lossFn = f.loss === 'meanSquaredError' ? tf.losses.meanSquaredError : (y: tf.Tensor, p: tf.Tensor) => tf.metrics.categoricalCrossentropy(y, p).mean();
    const vars = f.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(() => lossFn(f.ys, f.model.apply(f.xs) as tf.Tensor) as tf.Scalar, vars);
    return Float32Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())));
  });
}
