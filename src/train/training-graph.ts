/**
 * The tensors of one training run: the non-trainable weights (BatchNorm moving statistics,
 * frozen layers), a minibatch value-and-gradient in training mode, and inference-mode evaluation
 * over index subsets. The samples stay in JS memory: each minibatch (and each evaluation batch)
 * is gathered there and uploaded on its own, so backend memory is O(batch + θ) whatever the
 * dataset's size. θ is uploaded per call; every batch is its own tidy scope.
 */
import tf from '../tf.cjs';
import type { CheckpointWeight } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { forward } from '../model/forward.js';
import { perSampleLoss, correctCount } from '../model/loss.js';
import { cfg } from '../model/layer-ops.js';
import { TRAINING_MODE_LAYERS, trainingForward } from './training-forward.js';
import { gatherInputRows } from '../io/sample-rows.js';
import { explainMemoryError } from '../objective/backend-memory.js';
import { HostBuffers } from '../objective/host-buffers.js';
import { ropBatch, ropWhyNot } from '../objective/rop/hvp.js';

export interface BatchGradient {
  loss: number;
  /** Correct predictions in the batch (classification), else null. */
  correct: number | null;
  grad: Float32Array;
}

interface BnLayer {
  name: string;
  meanIndex: number;
  varIndex: number;
  momentum: number;
}

export class TrainingGraph {
  private readonly width: number;
  private readonly fixed: (tf.Tensor | null)[];
  private readonly bn: BnLayer[];
  private rulesWhyNot?: string;
  private readonly host = new HostBuffers();
  /** Current values of every checkpoint weight that is not in θ (updated by BatchNorm). */
  readonly nonTrainable: (CheckpointWeight | null)[];

  constructor(
    private readonly model: ModelBundle,
    weights: CheckpointWeight[],
    private readonly data: PreparedData,
    private readonly evalBatch = 512,
  ) {
    this.width = data.inputShape.reduce((a, b) => a * b, 1);
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

  /** Inputs and targets of the samples `idx` as tensors (in the caller's scope). */
  private rows(idx: Uint32Array): { x: tf.Tensor; y: tf.Tensor } {
    const d = this.data;
    const x = tf.tensor(gatherInputRows(d.x, d.xDivisor ?? 1, this.width, idx, this.host.scratch('x', idx.length * this.width)), [idx.length, ...d.inputShape]);
    const y = tf.tensor(gatherInputRows(d.y, 1, d.k, idx, this.host.scratch('y', idx.length * d.k)), [idx.length, d.k]);
    return { x, y };
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
    let aux: tf.Tensor | null = null; // [correct or −1, BatchNorm moments…], kept out of the gradient's tidy
    let bnSeen: BnLayer[] = [];
    const out = this.explained('a training step', idx.length, () =>
      tf.tidy(() => {
        const { x: xb, y: yb } = this.rows(idx);
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
        const ps = this.params(theta);
        const { value, grads } = this.byRules(mode.training) ? this.ruleGradient(ps, xb, yb, (a) => (aux = a)) : tf.valueAndGrads(f)(ps);
        return tf.concat([tf.reshape(value, [1]), aux!, ...grads.map((g) => tf.reshape(g, [-1]))]);
      }),
    );
    const v = await this.host.read(out);
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
    const grad = into ?? new Float32Array(dim);
    grad.set(v.subarray(g0, g0 + dim));
    return { loss: v[0], correct: v[1] < 0 ? null : v[1], grad };
  }

  /**
   * Whether a step's gradient runs the rules of src/objective/rop (no tape): where they cover the
   * model and, in training mode, no layer behaves differently in training (noise, dropout,
   * BatchNorm on batch moments); else tf.valueAndGrads. LOSSLENS_GRAD=tape keeps the tape.
   */
  private byRules(training: boolean): boolean {
    this.rulesWhyNot ??= ropWhyNot(this.model.arch, 'LOSSLENS_GRAD') ?? '';
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

  /** Inference-mode mean loss (and accuracy) over the samples `idx`, batch by batch (float64 sums). */
  async evaluate(theta: Float32Array, idx: Uint32Array): Promise<{ loss: number; accuracy?: number }> {
    if (idx.length === 0) return { loss: NaN };
    const ps = this.params(theta);
    const ws = this.weightsFor(ps);
    let loss = 0;
    let correct: number | undefined;
    try {
      for (let s = 0; s < idx.length; s += this.evalBatch) {
        const part = idx.subarray(s, Math.min(idx.length, s + this.evalBatch));
        const out = this.explained('an evaluation pass', part.length, () =>
          tf.tidy(() => {
            const { x, y } = this.rows(part);
            const pred = forward(this.model.arch, ws, x);
            const l = tf.reshape(tf.sum(perSampleLoss(this.model.loss, y, pred)), [1]);
            const c = correctCount(this.model.loss, y, pred);
            return c ? tf.concat([l, tf.reshape(c, [1])]) : l;
          }),
        );
        const v = await this.host.read(out);
        out.dispose();
        loss += v[0];
        if (v.length > 1) correct = (correct ?? 0) + v[1];
      }
    } finally {
      tf.dispose(ps);
    }
    return correct !== undefined ? { loss: loss / idx.length, accuracy: correct / idx.length } : { loss: loss / idx.length };
  }

  dispose(): void {
    tf.dispose(this.fixed.filter((t): t is tf.Tensor => t !== null));
  }
}
