/**
 * Shared by the tests of forward-over-reverse rules (recurrent-rop, depthwise-rop): a tfjs-layers
 * model turned into a bundle and a seeded dataset, an objective pinned to the tape (double
 * backprop, tf.grads: LOSSLENS_HVP / LOSSLENS_GRAD = tape while it fixes its engines), and the
 * kernel paths the rules are checked on.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelBundle } from '../../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../../src/objective/prepare-data.js';
import { LocalObjective } from '../../src/objective/local-objective.js';
import { createRng } from '../../src/random.js';
import { checkpointFromModel, datasetOf } from './in-memory-checkpoint.js';

/** The backends and kernels the rules run on: cpu, wasm with the native kernels, plain wasm. */
export const PATHS = [
  ['cpu', 'cpu'],
  ['wasm', 'native'],
  ['wasm', 'plain wasm'],
] as const;

/** A categorical cross-entropy model of `layers` and n samples of spread `scale`, labels i mod classes. */
export async function setupRules(
  layers: tf.layers.Layer[],
  inputShape: number[],
  n: number,
  classes: number,
  scale = 1.5,
): Promise<{ bundle: ModelBundle; prepared: PreparedData }> {
  const model = tf.sequential({ layers });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const bundle = loadModel(await checkpointFromModel(model));
  model.dispose();
  const rng = createRng(5);
  const x = Float32Array.from({ length: n * inputShape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal());
  const data = datasetOf(
    x,
    inputShape,
    Array.from({ length: n }, (_, i) => i % classes),
    'class-index',
  );
  return { bundle, prepared: prepareData(data, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}

/** An objective on the tape: the variables set while its first gradient and HVP fix its engines. */
export async function tapeObjective(bundle: ModelBundle, prepared: PreparedData, batchSize?: number): Promise<LocalObjective> {
  process.env.LOSSLENS_HVP = process.env.LOSSLENS_GRAD = 'tape';
  try {
    const obj = new LocalObjective(bundle, prepared, batchSize ? { batchSize } : {});
    await obj.grad(bundle.theta0);
    await obj.hvp(bundle.theta0, new Float32Array(bundle.layout.dim));
    return obj;
  } finally {
    delete process.env.LOSSLENS_HVP;
    delete process.env.LOSSLENS_GRAD;
  }
}

/** max |a − b| / max |b| (0 when both are all zeros) */
export const rel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let num = 0,
    den = 1e-30;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
};

export const unit = (d: number, j: number): Float32Array => Float32Array.from({ length: d }, (_, i) => (i === j ? 1 : 0));

/** max |H − Hᵀ| / max |H| of the Hessian whose columns are H[j]. */
export function asymmetry(H: Float32Array[]): number {
  let asym = 0,
    max = 0;
  for (let i = 0; i < H.length; i++)
    for (let j = 0; j < H.length; j++) {
      asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
      max = Math.max(max, Math.abs(H[i]![j]!));
    }
  return asym / max;
}
