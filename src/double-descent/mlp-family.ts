/**
 * The model-wise family: a one-hidden-layer MLP d → w (ReLU) → K, as a Keras Sequential topology
 * with zero weights, turned into a ModelBundle (training re-initialises it from the run's seed).
 * Parameters: w·(d + 1) + K·(w + 1). Output: softmax for cross-entropy, linear for MSE on one-hot
 * targets (Belkin et al.'s squared loss).
 */
import type { Checkpoint } from '../io/types.js';
import { loadModel, type ModelBundle } from '../objective/model-bundle.js';

export type MlpLoss = 'categoricalCrossentropy' | 'meanSquaredError';

export interface MlpSpec {
  inputDim: number;
  width: number;
  classes: number;
  loss: MlpLoss;
  /** Kernel initializer of both layers (Keras JSON; default He-normal for the ReLU layer, Glorot-uniform out). */
  hiddenInit?: unknown;
}

/** Trainable parameters of the width-w member. */
export const mlpParams = (d: number, w: number, k: number) => w * (d + 1) + k * (w + 1);

const dense = (name: string, units: number, activation: string, init: unknown, extra: object = {}) => ({
  class_name: 'Dense',
  config: {
    name,
    units,
    activation,
    use_bias: true,
    trainable: true,
    dtype: 'float32',
    kernel_initializer: init,
    bias_initializer: { class_name: 'Zeros', config: {} },
    ...extra,
  },
});

export function mlpCheckpoint(s: MlpSpec): Checkpoint {
  const he = s.hiddenInit ?? { class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'normal' } };
  const glorot = { class_name: 'GlorotUniform', config: {} };
  const modelTopology = {
    class_name: 'Sequential',
    config: {
      name: `dd_mlp_w${s.width}`,
      layers: [
        dense('hidden', s.width, 'relu', he, { batch_input_shape: [null, s.inputDim] }),
        dense('out', s.classes, s.loss === 'meanSquaredError' ? 'linear' : 'softmax', glorot),
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  const w = (name: string, shape: number[]) => ({
    spec: { name, shape, dtype: 'float32' as const },
    values: new Float32Array(shape.reduce((a, b) => a * b, 1)),
  });
  return {
    path: `double-descent/mlp-w${s.width}/model.json`,
    modelTopology,
    trainingConfig: { loss: s.loss },
    weights: [w('hidden/kernel', [s.inputDim, s.width]), w('hidden/bias', [s.width]), w('out/kernel', [s.width, s.classes]), w('out/bias', [s.classes])],
  };
}

export function mlpBundle(s: MlpSpec): ModelBundle {
  return loadModel(mlpCheckpoint(s));
}
