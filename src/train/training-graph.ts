/**
 * The tensors of one training run: the data uploaded once, the non-trainable weights (BatchNorm
 * moving statistics, frozen layers), a minibatch value-and-gradient in training mode, and
 * inference-mode evaluation over index subsets. θ is uploaded per call; every call is tidy.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointWeight } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { forward } from '../model/forward.js';
import { perSampleLoss, correctCount } from '../model/loss.js';
import { cfg } from '../model/layer-ops.js';
import { trainingForward } from './training-forward.js';

export interface BatchGradient {
  loss: number;
  /** Correct predictions in the batch (classification), else null. */
  correct: number | null;
  grad: Float32Array;
}

interface BnLayer { name: string; meanIndex: number; varIndex: number; momentum: number }

export class TrainingGraph {
  private readonly x: tf.Tensor;
  private readonly y: tf.Tensor;
  private readonly fixed: (tf.Tensor | null)[];
  private readonly bn: BnLayer[];
  /** Current values of every checkpoint weight that is not in θ (updated by BatchNorm). */
  readonly nonTrainable: (CheckpointWeight | null)[];

  constructor(private readonly model: ModelBundle, weights: CheckpointWeight[], data: PreparedData, private readonly evalBatch = 512) {
    this.x = tf.keep(tf.tensor(data.x, [data.n, ...data.inputShape]));
    this.y = tf.keep(tf.tensor(data.y, [data.n, data.k]));
    const trainable = new Set(model.indices);
    this.nonTrainable = weights.map((w, i) => (trainable.has(i) ? null : { spec: w.spec, values: w.values.slice() }));
    this.fixed = this.nonTrainable.map((w) => (w ? tf.keep(tf.tensor(w.values, w.spec.shape)) : null));
    this.bn = model.arch.nodes
      .filter((n) => n.className === 'BatchNormalization' && cfg<boolean>(n.config, 'trainable', true) !== false)
      .map((n) => ({
        name: n.name,
        meanIndex: n.weights.find((w) => w.param === 'moving_mean')!.index,
        varIndex: n.weights.find((w) => w.param === 'moving_variance')!.index,
        momentum: cfg(n.config, 'momentum', 0.99),
      }));
  }

  private weightsFor(ps: tf.Tensor[]): tf.Tensor[] {
    const ws = this.fixed.slice() as tf.Tensor[];
    this.model.indices.forEach((idx, i) => (ws[idx] = ps[i]));
    return ws;
  }

  private params(theta: Float32Array): tf.Tensor[] {
    return this.model.layout.blocks.map((b) => tf.tensor(theta.subarray(b.offset, b.offset + b.size), b.shape));
  }

  /**
   * Mean loss of the samples `idx` and its gradient in θ, in training mode (noise layers on,
   * BatchNorm on batch moments) unless mode.training is false. In training mode, updates the
   * BatchNorm moving statistics: moving ← momentum·moving + (1−momentum)·batch moment.
   */
  async gradient(theta: Float32Array, idx: Uint32Array, mode: { training: boolean; seed: number; step: number }): Promise<BatchGradient> {
    let aux: tf.Tensor | null = null; // [correct or −1, BatchNorm moments…], kept out of the gradient's tidy
    let bnSeen: BnLayer[] = [];
    const out = tf.tidy(() => {
      const ix = tf.tensor1d(Int32Array.from(idx), 'int32');
      const xb = tf.gather(this.x, ix);
      const yb = tf.gather(this.y, ix);
      const f = (...ps: tf.Tensor[]) => {
        const ws = this.weightsFor(ps);
        const moments = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
        const pred = mode.training
          ? trainingForward(this.model.arch, ws, xb, { seed: mode.seed, step: mode.step, bnMoments: moments })
          : forward(this.model.arch, ws, xb);
        bnSeen = this.bn.filter((l) => moments.has(l.name));
        const bnParts = bnSeen.flatMap((l) => [moments.get(l.name)!.mean, moments.get(l.name)!.variance]);
        const correct = correctCount(this.model.loss, yb, pred) ?? tf.scalar(-1);
        aux = tf.keep(tf.concat([tf.reshape(correct, [1]), ...bnParts.map((t) => tf.reshape(tf.cast(t, 'float32'), [-1]))]));
        return tf.mean(perSampleLoss(this.model.loss, yb, pred)) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(f)(this.params(theta));
      return tf.concat([tf.reshape(value, [1]), aux!, ...grads.map((g) => tf.reshape(g, [-1]))]);
    });
    const v = (await out.data()) as Float32Array;
    const auxLen = aux!.size;
    tf.dispose([out, aux!]);
    const dim = this.model.layout.dim;
    let off = 2;
    for (const l of bnSeen) {
      for (const index of [l.meanIndex, l.varIndex]) {
        const w = this.nonTrainable[index]!;
        for (let i = 0; i < w.values.length; i++) w.values[i] = l.momentum * w.values[i] + (1 - l.momentum) * v[off + i];
        off += w.values.length;
        this.fixed[index]!.dispose();
        this.fixed[index] = tf.keep(tf.tensor(w.values, w.spec.shape));
      }
    }
    const g0 = 1 + auxLen;
    return { loss: v[0], correct: v[1] < 0 ? null : v[1], grad: v.slice(g0, g0 + dim) };
  }

  /** Inference-mode mean loss (and accuracy) over the samples `idx`. */
  async evaluate(theta: Float32Array, idx: Uint32Array): Promise<{ loss: number; accuracy?: number }> {
    if (idx.length === 0) return { loss: NaN };
    const out = tf.tidy(() => {
      const ws = this.weightsFor(this.params(theta));
      let loss: tf.Tensor = tf.scalar(0);
      let correct: tf.Tensor | null = null;
      for (let s = 0; s < idx.length; s += this.evalBatch) {
        const part = idx.subarray(s, Math.min(idx.length, s + this.evalBatch));
        const ix = tf.tensor1d(Int32Array.from(part), 'int32');
        const yb = tf.gather(this.y, ix);
        const pred = forward(this.model.arch, ws, tf.gather(this.x, ix));
        loss = tf.add(loss, tf.sum(perSampleLoss(this.model.loss, yb, pred)));
        const c = correctCount(this.model.loss, yb, pred);
        if (c) correct = correct ? tf.add(correct, c) : c;
      }
      return tf.stack(correct ? [loss, correct] : [loss]);
    });
    const v = await out.data();
    out.dispose();
    return v.length > 1 ? { loss: v[0] / idx.length, accuracy: v[1] / idx.length } : { loss: v[0] / idx.length };
  }

  dispose(): void {
    tf.dispose([this.x, this.y, ...this.fixed.filter((t): t is tf.Tensor => t !== null)]);
  }
}
