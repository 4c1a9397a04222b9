/**
 * The in-process Objective: mean loss, gradient and Hessian-vector product over a dataset,
 * in memory-bounded batches weighted by batch size. Data is uploaded once; θ is uploaded
 * per call. HVP is exact double backprop (∇(∇L·v)) by default, or central differences.
 */
import * as tf from '@tensorflow/tfjs';
import { forward } from '../model/forward.js';
import { perSampleLoss, correctCount } from '../model/loss.js';
import type { ModelBundle } from './model-bundle.js';
import type { PreparedData } from './prepare-data.js';
import type { EvalOptions, EvalResult, Objective } from './types.js';
import { optionError } from '../errors.js';
import { autoBatchSize } from './auto-batch-size.js';
import { batchMoments, bnAxis, emptyMoments, mergeMoments, type BatchNormStats, type ChannelMoments } from './batch-norm-stats.js';

export interface ObjectiveOptions {
  /** Samples per batch (memory bound). Default: autoBatchSize (activations of a batch ≤ 2²¹ values). */
  batchSize?: number;
  /** 'exact' double backprop (default) or 'fd' central differences of the gradient. */
  hvp?: 'exact' | 'fd';
  /** Step along the unit direction for 'fd'. Default 1e-2 (float32: truncation ~t², roundoff ~1e-7/t). */
  fdStep?: number;
}

interface Batch { x: tf.Tensor; y: tf.Tensor; weight: number }

export class LocalObjective implements Objective {
  readonly layout;
  readonly theta0: Float32Array;
  readonly n: number;
  private readonly batches: Batch[];
  /** Batches BatchNorm statistics are estimated on (the dataset's own unless a subset was given). */
  private readonly bnBatches: Batch[];
  private readonly fixed: (tf.Tensor | null)[];
  private readonly opts: ResolvedObjectiveOptions;
  /** Samples per batch, as given or chosen by autoBatchSize. */
  readonly batchSize: number;

  /** @param bnData samples for `batchNormMoments` (default: `data`); may be empty (n = 0). */
  constructor(private readonly model: ModelBundle, data: PreparedData, options: ObjectiveOptions = {}, bnData?: PreparedData) {
    this.opts = resolveObjectiveOptions(options);
    this.layout = model.layout;
    this.theta0 = model.theta0.slice();
    this.n = data.n;
    const trainable = new Set(model.indices);
    this.fixed = model.checkpoint.weights.map((w, i) => (trainable.has(i) ? null : tf.keep(tf.tensor(w.values, w.spec.shape))));
    this.batchSize = this.opts.batchSize ?? autoBatchSize(model, Math.max(data.n, bnData?.n ?? 0, 1));
    this.batches = toBatches(data, this.batchSize);
    this.bnBatches = bnData ? toBatches(bnData, this.batchSize) : this.batches;
  }

  /** Every checkpoint weight as a tensor: θ's blocks, BN overrides, the checkpoint's own for the rest. */
  private weights(ps: tf.Tensor[], bn?: BatchNormStats): tf.Tensor[] {
    const ws = this.fixed.slice() as tf.Tensor[];
    this.model.indices.forEach((idx, i) => (ws[idx] = ps[i]));
    if (!bn) return ws;
    for (const node of this.model.arch.nodes) {
      const s = bn[node.name];
      if (!s || node.className !== 'BatchNormalization') continue;
      for (const w of node.weights) {
        if (w.param === 'moving_mean') ws[w.index] = tf.tensor(s.mean, w.shape);
        if (w.param === 'moving_variance') ws[w.index] = tf.tensor(s.variance, w.shape);
      }
    }
    return ws;
  }

  /** Trainable weight tensors from θ, in layout order. */
  private params(theta: Float32Array): tf.Tensor[] {
    if (theta.length !== this.layout.dim) throw optionError('theta', `length ${theta.length} ≠ parameter count ${this.layout.dim}`);
    return this.layout.blocks.map((b) => tf.tensor(theta.subarray(b.offset, b.offset + b.size), b.shape));
  }

  /** Mean loss of one batch as a function of the trainable tensors. */
  private batchLoss(ps: tf.Tensor[], b: Batch): tf.Scalar {
    return tf.mean(perSampleLoss(this.model.loss, b.y, forward(this.model.arch, this.weights(ps), b.x))) as tf.Scalar;
  }

  async loss(theta: Float32Array): Promise<number> {
    return (await this.evaluate(theta)).loss;
  }

  async evaluate(theta: Float32Array, options: EvalOptions = {}): Promise<EvalResult> {
    const out = tf.tidy(() => {
      const ps = this.params(theta);
      const ws = this.weights(ps, options.batchNorm);
      let loss: tf.Tensor = tf.scalar(0);
      let correct: tf.Tensor | null = null;
      for (const b of this.batches) {
        const pred = forward(this.model.arch, ws, b.x);
        loss = tf.add(loss, tf.mul(tf.mean(perSampleLoss(this.model.loss, b.y, pred)), b.weight));
        const c = correctCount(this.model.loss, b.y, pred);
        if (c) correct = correct ? tf.add(correct, c) : c;
      }
      return correct ? tf.stack([loss, correct]) : tf.stack([loss]);
    });
    const v = await out.data();
    out.dispose();
    await yieldToEventLoop();
    return v.length > 1 ? { loss: v[0], accuracy: v[1] / this.n, n: this.n } : { loss: v[0], n: this.n };
  }

  async batchNormMoments(theta: Float32Array, layer: string, batchNorm: BatchNormStats): Promise<ChannelMoments> {
    const node = this.model.arch.nodes.find((n) => n.name === layer && n.className === 'BatchNormalization');
    if (!node) throw optionError('layer', `"${layer}" is not a BatchNormalization layer of the model`);
    const channels = node.weights.find((w) => w.param === 'moving_mean')!.shape[0];
    let acc = emptyMoments(channels);
    const ps = this.params(theta);
    const ws = this.weights(ps, batchNorm);
    try {
      for (const b of this.bnBatches) {
        const m = tf.tidy(() => {
          const x = forward(this.model.arch, ws, b.x, { inputOf: layer });
          return batchMoments(x, bnAxis(node.config, x.rank));
        });
        const [mean, m2] = [await m.mean.data(), await m.m2.data()];
        tf.dispose([m.mean, m.m2]);
        acc = mergeMoments(acc, { count: m.count, mean: Float64Array.from(mean), m2: Float64Array.from(m2) });
      }
    } finally {
      tf.dispose(ws.filter((w, i) => w !== this.fixed[i])); // θ's blocks and the overrides
    }
    await yieldToEventLoop();
    return acc;
  }

  async grad(theta: Float32Array): Promise<{ loss: number; grad: Float32Array }> {
    const out = tf.tidy(() => {
      const ps = this.params(theta);
      let acc: tf.Tensor[] | null = null;
      let loss: tf.Tensor = tf.scalar(0);
      for (const b of this.batches) {
        const { value, grads } = valueAndGrads((...p) => this.batchLoss(p, b), ps);
        const scaled = grads.map((g) => tf.mul(g, b.weight));
        acc = acc ? acc.map((a, i) => tf.add(a, scaled[i])) : scaled;
        loss = tf.add(loss, tf.mul(value, b.weight));
      }
      return tf.concat([tf.reshape(loss, [1]), ...acc!.map((g) => tf.reshape(g, [-1]))]);
    });
    const v = (await out.data()) as Float32Array;
    out.dispose();
    await yieldToEventLoop();
    return { loss: v[0], grad: v.slice(1) };
  }

  async hvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    if (v.length !== this.layout.dim) throw optionError('v', `length ${v.length} ≠ parameter count ${this.layout.dim}`);
    if (this.opts.hvp === 'fd') return this.hvpFd(theta, v);
    const out = tf.tidy(() => {
      const ps = this.params(theta);
      const vs = this.params(v);
      let acc: tf.Tensor[] | null = null;
      for (const b of this.batches) {
        const gv = (...p: tf.Tensor[]) => {
          const g = valueAndGrads((...q) => this.batchLoss(q, b), p).grads;
          return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, vs[i])))) as tf.Scalar;
        };
        const hv = valueAndGrads(gv, ps).grads.map((h) => tf.mul(h, b.weight));
        acc = acc ? acc.map((a, i) => tf.add(a, hv[i])) : hv;
      }
      return tf.concat(acc!.map((h) => tf.reshape(h, [-1])));
    });
    const r = (await out.data()) as Float32Array;
    out.dispose();
    await yieldToEventLoop();
    return r;
  }

  /** Central differences of the gradient along v: ‖v‖·(∇L(θ+tu) − ∇L(θ−tu))/(2t), u = v/‖v‖. */
  private async hvpFd(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    let nv = 0;
    for (let i = 0; i < v.length; i++) nv += v[i] * v[i];
    nv = Math.sqrt(nv);
    if (nv === 0) return new Float32Array(v.length);
    const t = this.opts.fdStep;
    const plus = new Float32Array(theta.length);
    const minus = new Float32Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      plus[i] = theta[i] + (t * v[i]) / nv;
      minus[i] = theta[i] - (t * v[i]) / nv;
    }
    const [gp, gm] = [(await this.grad(plus)).grad, (await this.grad(minus)).grad];
    const r = new Float32Array(theta.length);
    for (let i = 0; i < r.length; i++) r[i] = ((gp[i] - gm[i]) * nv) / (2 * t);
    return r;
  }

  dispose(): void {
    for (const b of this.batches) tf.dispose([b.x, b.y]);
    if (this.bnBatches !== this.batches) for (const b of this.bnBatches) tf.dispose([b.x, b.y]);
    tf.dispose(this.fixed.filter((t): t is tf.Tensor => t !== null));
    this.batches.length = 0;
  }
}

/**
 * Let timers, I/O and signal handlers run. On the cpu and wasm backends `data()` resolves as a
 * microtask, so a long loop of evaluations would never yield the event loop and Ctrl-C would
 * wait for the whole analysis.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function toBatches(data: PreparedData, batchSize: number): Batch[] {
  const out: Batch[] = [];
  const per = data.inputShape.reduce((a, b) => a * b, 1);
  for (let s = 0; s < data.n; s += batchSize) {
    const e = Math.min(data.n, s + batchSize);
    out.push({
      x: tf.keep(tf.tensor(data.x.subarray(s * per, e * per), [e - s, ...data.inputShape])),
      y: tf.keep(tf.tensor(data.y.subarray(s * data.k, e * data.k), [e - s, data.k])),
      weight: (e - s) / data.n,
    });
  }
  return out;
}

/** Value and gradients of a scalar function of several tensors (tf.grads plus the value). */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Scalar, xs: tf.Tensor[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  return tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Tensor)(xs) as { value: tf.Scalar; grads: tf.Tensor[] };
}

type ResolvedObjectiveOptions = Required<Omit<ObjectiveOptions, 'batchSize'>> & { batchSize?: number };

export function resolveObjectiveOptions(o: ObjectiveOptions): ResolvedObjectiveOptions {
  const batchSize = o.batchSize;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw optionError('--batch-size', `must be a positive integer, got ${batchSize}`);
  const hvp = o.hvp ?? 'exact';
  if (hvp !== 'exact' && hvp !== 'fd') throw optionError('--hvp', `unknown mode "${hvp}"; valid: exact, fd`);
  const fdStep = o.fdStep ?? 1e-2;
  if (!(fdStep > 0)) throw optionError('--fd-step', `must be > 0, got ${fdStep}`);
  return { batchSize, hvp, fdStep };
}
