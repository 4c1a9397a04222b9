/** A checkpoint made ready for analysis: its architecture, θ layout, θ₀ and loss. */
import tf from '../tf.cjs';
import type { Checkpoint } from '../io/types.js';
import { parseArchitecture, type Architecture } from '../model/architecture.js';
import { canonicalLoss, type LossName } from '../model/loss.js';
import { forward } from '../model/forward.js';
import { buildLayout, blockIndices, flattenTheta } from './layout.js';
import type { ParamLayout } from './types.js';
import { LOSS_NAMES } from '../model/loss.js';
import { optionError } from '../errors.js';
import { trainingLossName } from '../model/keras-loss.js';

export interface ModelBundle {
  checkpoint: Checkpoint;
  arch: Architecture;
  layout: ParamLayout;
  /** checkpoint.weights index of each layout block. */
  indices: number[];
  loss: LossName;
  /** Where the loss came from. */
  lossSource: 'checkpoint' | 'option';
  outDim: number;
  theta0: Float32Array;
}

export function loadModel(checkpoint: Checkpoint, lossOverride?: string): ModelBundle {
  const arch = parseArchitecture(checkpoint);
  const layout = buildLayout(arch);
  const indices = blockIndices(arch);
  const tc = checkpoint.trainingConfig;
  let loss: LossName;
  let lossSource: ModelBundle['lossSource'] = 'option';
  if (lossOverride) loss = canonicalLoss(lossOverride);
  else if (tc?.loss !== undefined) {
    loss = canonicalLoss(trainingLossName(tc.loss, checkpoint.path), `trainingConfig.loss of ${checkpoint.path}`);
    lossSource = 'checkpoint';
  } else throw optionError('loss', `${checkpoint.path} has no training config; pass {loss} (valid: ${LOSS_NAMES.join(', ')})`);
  return { checkpoint, arch, layout, indices, loss, lossSource, outDim: outputDim(arch, checkpoint), theta0: flattenTheta(checkpoint, layout, indices) };
}

/** The per-sample output width, from one forward pass on a zero input. */
function outputDim(arch: Architecture, ckpt: Checkpoint): number {
  return tf.tidy(() => {
    const ws = ckpt.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    const y = forward(arch, ws, tf.zeros([1, ...arch.inputShape]));
    return y.shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
  });
}

/** One weight tensor per checkpoint weight (caller disposes). */
export function weightTensors(bundle: ModelBundle): tf.Tensor[] {
  return bundle.checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
}
