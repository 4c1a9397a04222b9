/**
 * The tensors of one training run: the non-trainable weights (BatchNorm moving statistics,
 * frozen layers), a minibatch value-and-gradient in training mode, and inference-mode evaluation
 * over index subsets. The samples stay in JS memory: each minibatch (and each evaluation batch)
 * is gathered there and uploaded on its own, so backend memory is O(batch + θ) whatever the
 * dataset's size. θ is uploaded per call; every batch is its own tidy scope. A model with several
 * inputs or outputs trains on Σₖ wₖ · mean loss of output k (heads-loss.ts, as the objective) on the
 * tape, each output's own loss and correct count reported beside the total.
 */
import tf from '../tf.cjs';
import type { CheckpointWeight } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { forwardOutputs } from '../model/forward.js';
import { perSampleLoss, correctCount } from '../model/loss.js';
import { cfg } from '../model/layer-ops.js';
import { isMultiIO } from '../model/architecture.js';
import { TRAINING_MODE_LAYERS, trainingOutputs } from './training-forward.js';
import { gatherBatch } from './training-rows.js';
import { headsLoss, HeadsTotals, touchUnused, unusedBlocks } from '../objective/heads-loss.js';
import type { OutputMetrics } from '../objective/types.js';
import { explainMemoryError } from '../objective/backend-memory.js';
import { HostBuffers } from '../objective/host-buffers.js';
import { ropBatch, ropWhyNot } from '../objective/rop/hvp.js';

export interface BatchGradient {
  loss: number;
  /** Correct predictions in the batch (classification), else null. */
  correct: number | null;
  grad: Float32Array;
  /** Several outputs: each one's unweighted batch-mean loss and correct count (0 for a loss without an accuracy). */
  outputs?: { loss: number; correct: number }[];
}

/** Inference-mode loss over index subsets: the total, its accuracy (one output) or each output's metrics (several). */
export interface SubsetLoss {
  loss: number;
  accuracy?: number;
  outputs?: OutputMetrics[];
}

interface BnLayer {
  name: string;
  meanIndex: number;
  varIndex: number;
  momentum: number;
}

export class TrainingGraph {
  private readonly fixed: (tf.Tensor | null)[];
  private readonly bn: BnLayer[];
  private rulesWhyNot?: string;
  private readonly host = new HostBuffers();
  /** Several inputs or outputs: the heads' total on the tape (heads-loss.ts). */
  private readonly multi: boolean;
  /** θ blocks no analysed output reads (another head's under --output): touched with weight 0 so the tape gives them 0. */
  private readonly unused: number[];
  /** Current values of every checkpoint weight that is not in θ (updated by BatchNorm). */
  readonly nonTrainable: (CheckpointWeight | null)[];

  constructor(
    private readonly model: ModelBundle,
    weights: CheckpointWeight[],
    private readonly data: PreparedData,
    private readonly evalBatch = 512,
  ) {
    this.multi = isMultiIO(model.arch) || model.heads.length > 1;
    this.unused = unusedBlocks(model);
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

  /** The batch's mean loss and metrics: [correct or −1] for one output; [K losses, K correct counts] for several. */
  private score(ys: tf.Tensor[], preds: tf.Tensor[]): { value: tf.Scalar; metrics: tf.Tensor } {
    if (this.multi) {
      const h = headsLoss(this.model.heads, ys, preds);
      return { value: h.value, metrics: tf.concat([h.parts, h.hits]) };
    }
    const { loss } = this.model;
    const correct = correctCount(loss, ys[0]!, preds[0]!) ?? tf.scalar(-1);
    return { value: tf.mean(perSampleLoss(loss, ys[0]!, preds[0]!)) as tf.Scalar, metrics: tf.reshape(correct, [1]) };
  }

  /** `run()`, with a backend's out-of-memory failure turned into a line that names the batch and the remedy. */
  private explained<T>(what: string, batchSize: number, run: () => T): T {
    try {
      return run();
    } catch (err) {
      throw explainMemoryError(err, { what, batchSize, params: this.model.layout.dim });
    }
  }

  private params(theta: Float32Array): tf.Tensor[] {
    return this.model.layout.blocks.map((b) => tf.tensor(theta.subarray(b.offset, b.offset + b.size), b.shape));
  }

  /**
   * Mean loss of the samples `idx` and its gradient in θ, in training mode (noise layers on,
   * BatchNorm on batch moments) unless mode.training is false. In training mode, updates the
   * BatchNorm moving statistics: moving ← momentum·moving + (1−momentum)·batch moment.
   * The gradient is written into `into` when given (θ-sized; a loop's one buffer), else a new array.
   */
  async gradient(theta: Float32Array, idx: Uint32Array, mode: { training: boolean; seed: number; step: number }, into?: Float32Array): Promise<BatchGradient> {
    let aux: tf.Tensor | null = null; // [metrics…, BatchNorm moments…], kept out of the gradient's tidy
    let bnSeen: BnLayer[] = [];
    const out = this.explained('a training step', idx.length, () =>
      tf.tidy(() => {
        const { xs, ys } = gatherBatch(this.data, idx, this.host);
        const f = (...ps: tf.Tensor[]) => {
          const ws = this.weightsFor(ps);
          const moments = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
          const preds = mode.training
            ? trainingOutputs(this.model.arch, ws, xs, { seed: mode.seed, step: mode.step, bnMoments: moments })
            : forwardOutputs(this.model.arch, ws, xs);
          bnSeen = this.bn.filter((l) => moments.has(l.name));
          const bnParts = bnSeen.flatMap((l) => [moments.get(l.name)!.mean, moments.get(l.name)!.variance]);
          const { value, metrics } = this.score(ys, preds);
          aux = tf.keep(tf.concat([metrics, ...bnParts.map((t) => tf.reshape(tf.cast(t, 'float32'), [-1]))]));
          return touchUnused(value, ps, this.unused);
        };
        const ps = this.params(theta);
        const { value, grads } = this.byRules(mode.training) ? this.ruleGradient(ps, xs[0]!, ys[0]!, (a) => (aux = a)) : tf.valueAndGrads(f)(ps);
        return tf.concat([tf.reshape(value, [1]), aux!, ...grads.map((g) => tf.reshape(g, [-1]))]);
      }),
    );
    const v = await this.host.read(out);
    const auxLen = aux!.size;
    tf.dispose([out, aux!]);
    const K = this.multi ? this.model.heads.length : 0;
    this.updateMovingStats(v, 1 + (this.multi ? 2 * K : 1), bnSeen);
    const g0 = 1 + auxLen,
      dim = this.model.layout.dim;
    const grad = into ?? new Float32Array(dim);
    grad.set(v.subarray(g0, g0 + dim));
    if (!this.multi) return { loss: v[0], correct: v[1] < 0 ? null : v[1], grad };
    return { loss: v[0], correct: null, grad, outputs: this.model.heads.map((_, k) => ({ loss: v[1 + k]!, correct: v[1 + K + k]! })) };
  }

  /** moving ← momentum·moving + (1−momentum)·batch moment, for the BatchNorm layers the step ran (their moments from `off` in `v`). */
  private updateMovingStats(v: Float32Array, off: number, bnSeen: BnLayer[]): void {
    for (const l of bnSeen) {
      for (const index of [l.meanIndex, l.varIndex]) {
        const w = this.nonTrainable[index]!;
        for (let i = 0; i < w.values.length; i++) w.values[i] = l.momentum * w.values[i] + (1 - l.momentum) * v[off + i];
        off += w.values.length;
        this.fixed[index]!.dispose();
        this.fixed[index] = tf.keep(tf.tensor(w.values, w.spec.shape));
      }
    }
  }

  /**
   * Whether a step's gradient runs the rules of src/objective/rop (no tape): where they cover the
   * model and, in training mode, no layer behaves differently in training (noise, dropout,
   * BatchNorm on batch moments); else tf.valueAndGrads. LOSSLENS_GRAD=tape keeps the tape.
   */
  private byRules(training: boolean): boolean {
    this.rulesWhyNot ??= this.multi ? 'several inputs or outputs' : (ropWhyNot(this.model.arch, 'LOSSLENS_GRAD') ?? '');
    if (this.rulesWhyNot !== '') return false;
    return !training || !this.model.arch.nodes.some((n) => TRAINING_MODE_LAYERS.has(n.className) && cfg<boolean>(n.config, 'trainable', true) !== false);
  }

  /** The step's loss and gradient by the rules; `setAux` receives [correct or −1] as the tape path makes it. */
  private ruleGradient(ps: tf.Tensor[], xb: tf.Tensor, yb: tf.Tensor, setAux: (a: tf.Tensor) => void): { value: tf.Scalar; grads: tf.Tensor[] } {
    const r = ropBatch(this.model.arch, this.model.loss, this.weightsFor(ps), xb, yb, this.model.indices, { grad: true });
    const correct = correctCount(this.model.loss, yb, r.out) ?? tf.scalar(-1);
    setAux(tf.keep(tf.reshape(correct, [1])));
    return { value: tf.mean(perSampleLoss(this.model.loss, yb, r.out)) as tf.Scalar, grads: r.grads! };
  }

  /** Inference-mode mean loss (and accuracy, or each output's metrics) over the samples `idx`, batch by batch (float64 sums). */
  async evaluate(theta: Float32Array, idx: Uint32Array): Promise<SubsetLoss> {
    if (idx.length === 0) return { loss: NaN };
    const ps = this.params(theta);
    const ws = this.weightsFor(ps);
    const heads = this.multi ? new HeadsTotals(this.model.heads) : undefined;
    let loss = 0;
    let correct: number | undefined;
    try {
      for (let s = 0; s < idx.length; s += this.evalBatch) {
        const part = idx.subarray(s, Math.min(idx.length, s + this.evalBatch));
        const out = this.explained('an evaluation pass', part.length, () =>
          tf.tidy(() => {
            const { xs, ys } = gatherBatch(this.data, part, this.host);
            const preds = forwardOutputs(this.model.arch, ws, xs);
            if (this.multi) {
              const h = this.score(ys, preds);
              return tf.concat([tf.reshape(tf.mul(h.value, part.length), [1]), h.metrics]);
            }
            const l = tf.reshape(tf.sum(perSampleLoss(this.model.loss, ys[0]!, preds[0]!)), [1]);
            const c = correctCount(this.model.loss, ys[0]!, preds[0]!);
            return c ? tf.concat([l, tf.reshape(c, [1])]) : l;
          }),
        );
        const v = await this.host.read(out);
        out.dispose();
        loss += v[0];
        if (heads) heads.add(v, 1, part.length / idx.length);
        else if (v.length > 1) correct = (correct ?? 0) + v[1];
      }
    } finally {
      tf.dispose(ps);
    }
    if (heads) return { loss: loss / idx.length, outputs: heads.metrics(idx.length) };
    return correct !== undefined ? { loss: loss / idx.length, accuracy: correct / idx.length } : { loss: loss / idx.length };
  }

  dispose(): void {
    tf.dispose(this.fixed.filter((t): t is tf.Tensor => t !== null));
  }
}
