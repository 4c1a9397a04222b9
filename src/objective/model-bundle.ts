/** A checkpoint made ready for analysis: its architecture, θ layout, θ₀ and the loss of each output. */
import tf from '../tf.cjs';
import type { Checkpoint } from '../io/types.js';
import { outputsOf, parseArchitecture, type Architecture } from '../model/architecture.js';
import type { LossName } from '../model/loss.js';
import { forwardOutputs, probeInputs } from '../model/forward.js';
import { outputLosses, type OutputLoss } from '../model/output-losses.js';
import { buildLayout, blockIndices, flattenTheta } from './layout.js';
import type { ParamLayout } from './types.js';

/** One analysed output: its loss, weight in the total, and per-sample width. */
export interface OutputHead extends OutputLoss {
  outDim: number;
}

/** A loaded model: its checkpoint, architecture, parameter layout, loss, output heads and the checkpoint's θ. */
export interface ModelBundle {
  checkpoint: Checkpoint;
  arch: Architecture;
  layout: ParamLayout;
  /** checkpoint.weights index of each layout block. */
  indices: number[];
  /** The (first) output's loss. */
  loss: LossName;
  /** Where the (first) output's loss came from. */
  lossSource: 'checkpoint' | 'option';
  /** The (first) output's per-sample width. */
  outDim: number;
  /** Every analysed output (one for most models): the objective is Σ weight · mean loss. */
  heads: OutputHead[];
  theta0: Float32Array;
}

/**
 * A checkpoint read as a model losslens can differentiate: its architecture, the flat θ's layout, the loss (the
 * checkpoint's or `lossOverride`) and θ₀.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 *
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * assert.equal(model.layout.dim, 6); // 5 weights, then the bias
 * assert.equal(model.loss, 'meanSquaredError');
 * assert.deepEqual(
 *   model.layout.blocks.map((b) => b.role),
 *   ['kernel', 'bias'],
 * );
 * ```
 */
export function loadModel(checkpoint: Checkpoint, lossOverride?: string): ModelBundle {
  const arch = parseArchitecture(checkpoint);
  const layout = buildLayout(arch);
  const indices = blockIndices(arch);
  const losses = outputLosses(arch.allOutputs ?? outputsOf(arch), outputsOf(arch), checkpoint.trainingConfig, lossOverride, checkpoint.path);
  const dims = outputDims(arch, checkpoint);
  const heads = losses.map((l, k) => ({ ...l, outDim: dims[k]! }));
  const h = heads[0]!;
  return { checkpoint, arch, layout, indices, loss: h.loss, lossSource: h.source, outDim: h.outDim, heads, theta0: flattenTheta(checkpoint, layout, indices) };
}

/** Each analysed output's per-sample width, from one forward pass on zero inputs. */
function outputDims(arch: Architecture, ckpt: Checkpoint): number[] {
  return tf.tidy(() => {
    const ws = ckpt.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    return forwardOutputs(arch, ws, probeInputs(arch)).map((y) => y.shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1));
  });
}

/** One weight tensor per checkpoint weight (caller disposes). */
export function weightTensors(bundle: ModelBundle): tf.Tensor[] {
  return bundle.checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
}
