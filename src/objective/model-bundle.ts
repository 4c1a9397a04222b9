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
  /** The size of the output's last axis when a sample's output has positions ([T, C], [H, W, C]); null for a flat [k] output. */
  outClasses: number | null;
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
  /** The (first) output's last axis when its samples have positions, else null (see {@link OutputHead.outClasses}). */
  outClasses: number | null;
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
  const shapes = outputShapes(arch, checkpoint);
  const heads = losses.map((l, k) => ({ ...l, outDim: prod(shapes[k]!), outClasses: shapes[k]!.length >= 2 ? shapes[k]!.at(-1)! : null }));
  const h = heads[0]!;
  const theta0 = flattenTheta(checkpoint, layout, indices);
  return { checkpoint, arch, layout, indices, loss: h.loss, lossSource: h.source, outDim: h.outDim, outClasses: h.outClasses, heads, theta0 };
}

/** Each analysed output's per-sample width, from one forward pass on zero inputs. */
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Each output's per-sample shape on the probe inputs (a null time dimension takes the probe's length). */
function outputShapes(arch: Architecture, ckpt: Checkpoint): number[][] {
  return tf.tidy(() => {
    const ws = ckpt.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    return forwardOutputs(arch, ws, probeInputs(arch)).map((y) => y.shape.slice(1).map((d) => d ?? 1));
  });
}

/** One weight tensor per checkpoint weight (caller disposes). */
export function weightTensors(bundle: ModelBundle): tf.Tensor[] {
  return bundle.checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
}
