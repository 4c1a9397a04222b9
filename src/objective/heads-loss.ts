/**
 * The loss of a model with several outputs on one batch: Σₖ wₖ · mean loss of output k (Keras'
 * weighted total; output-losses.ts), with each output's own mean loss and correct count, as
 * model.evaluate reports them per output. Also the per-output summary of a whole pass.
 */
import tf from '../tf.cjs';
import { correctCount, hasAccuracy, perSampleLoss } from '../model/loss.js';
import { outputsOf } from '../model/architecture.js';
import { refLayer } from '../model/model-endpoints.js';
import type { ModelBundle, OutputHead } from './model-bundle.js';
import type { OutputMetrics } from './types.js';

export interface HeadsLoss {
  value: tf.Scalar;
  /** [K]: each output's unweighted batch-mean loss. */
  parts: tf.Tensor;
  /** [K]: each output's correct count in the batch (0 for a loss without an accuracy). */
  hits: tf.Tensor;
}

export function headsLoss(heads: OutputHead[], ys: tf.Tensor[], preds: tf.Tensor[]): HeadsLoss {
  const means = heads.map((h, k) => tf.mean(perSampleLoss(h.loss, ys[k]!, preds[k]!)) as tf.Scalar);
  const value = tf.addN(means.map((m, k) => tf.mul(m, heads[k]!.weight))) as tf.Scalar;
  const hits = heads.map((h, k) => correctCount(h.loss, ys[k]!, preds[k]!) ?? tf.scalar(0));
  return { value, parts: tf.stack(means), hits: tf.stack(hits) };
}

/** Sums of per-output batch values over a pass: losses weighted by batch share, correct counts. */
export class HeadsTotals {
  private readonly loss: Float64Array;
  private readonly correct: Float64Array;
  constructor(private readonly heads: OutputHead[]) {
    this.loss = new Float64Array(heads.length);
    this.correct = new Float64Array(heads.length);
  }

  /** `v` holds K losses then K counts from `at`. */
  add(v: Float32Array, at: number, weight: number): void {
    const K = this.heads.length;
    for (let k = 0; k < K; k++) {
      this.loss[k] += v[at + k]! * weight;
      this.correct[k] += v[at + K + k]!;
    }
  }

  /** Per output: name, loss, its weight in the total, and the accuracy where its loss has one. */
  metrics(n: number): OutputMetrics[] {
    return this.heads.map((h, k) => ({
      name: h.name,
      loss: this.loss[k]!,
      weight: h.weight,
      lossName: h.loss,
      ...(hasAccuracy(h.loss) ? { accuracy: this.correct[k]! / n } : {}),
    }));
  }
}

/**
 * Layout positions of the trainable weights no analysed output depends on (another head's, when
 * `--output` chose one; the other heads' for one head's GGN): tf's tape refuses a gradient for them, so the loss adds 0 · Σ of them and
 * their gradient and curvature are exactly 0.
 */
export function unusedBlocks(model: ModelBundle, outputs = outputsOf(model.arch)): number[] {
  const byName = new Map(model.arch.nodes.map((n) => [n.name, n]));
  const stack = outputs.map((o) => o.layer),
    seen = new Set<string>(stack);
  while (stack.length > 0) {
    for (const key of byName.get(stack.pop()!)?.inputs ?? []) {
      const i = refLayer(key); // an initial state read from a recurrent layer: that layer is used
      if (seen.has(i)) continue;
      seen.add(i);
      stack.push(i);
    }
  }
  return model.layout.blocks.flatMap((b, k) => (seen.has(b.layer) ? [] : [k]));
}

/** `value` + 0 · Σ of the weights at `unused` (see unusedBlocks); `value` itself when there are none. */
export function touchUnused<T extends tf.Tensor>(value: T, ps: tf.Tensor[], unused: number[]): T {
  return unused.length === 0 ? value : (tf.add(value, tf.mul(0, tf.addN(unused.map((k) => tf.sum(ps[k]!))))) as T);
}
