/**
 * The in-process Objective: mean loss, gradient and Hessian-vector product over a dataset,
 * streamed in batches weighted by batch size. Memory is O(batch + θ), independent of the
 * dataset's size: the samples stay in JS memory (in their stored dtype) and each batch is
 * uploaded, used and released inside its own scope before the next one; the per-batch results
 * (loss, correct count, gradient, Hv) are read back and summed in float64 on the JS side.
 * HVP is exact double backprop (∇(∇L·v)) by default, or central differences.
 */
import tf from '../tf.cjs';
import { forward } from '../model/forward.js';
import { perSampleLoss, correctCount, hasAccuracy } from '../model/loss.js';
import type { ModelBundle } from './model-bundle.js';
import type { PreparedData } from './prepare-data.js';
import type { EvalOptions, EvalResult, GradResult, Objective, ObjectiveStats, PassProgress } from './types.js';
import { optionError } from '../errors.js';
import { requireEngine } from '../engine/engine.js';
import { inputRows } from '../io/sample-rows.js';
import { activationsPerSample, autoBatchSize } from './auto-batch-size.js';
import { explainMemoryError } from './backend-memory.js';
import { firstNonFiniteLayer, nonFiniteLossError } from '../model/non-finite.js';
import { batchMoments, bnAxis, emptyMoments, mergeMoments, type BatchNormStats, type ChannelMoments } from './batch-norm-stats.js';
import { batchCurvatureProduct } from './curvature-products.js';
import { ropBatch, ropWhyNot } from './rop/hvp.js';
import { HostBuffers } from './host-buffers.js';

export interface ObjectiveOptions {
  /** Samples per batch (memory bound). Default: autoBatchSize (equal batches whose activations are near 2²¹ values, 2²² on the native kernels, within 1.5 × that). */
  batchSize?: number;
  /** 'exact' double backprop (default) or 'fd' central differences of the gradient. */
  hvp?: 'exact' | 'fd';
  /** Step along the unit direction for 'fd'. Default 1e-2 (float32: truncation ~t², roundoff ~1e-7/t). */
  fdStep?: number;
}

/** Samples [start, end) of a dataset; weight = their share of it. */
interface BatchRange { start: number; end: number; weight: number }
/** One batch's mean loss, gradient blocks and (classification) correct count. */
interface BatchGrad { value: tf.Scalar; grads: tf.Tensor[]; hits: tf.Tensor | null }

export class LocalObjective implements Objective {
  readonly layout;
  readonly theta0: Float32Array;
  readonly n: number;
  private readonly batches: BatchRange[];
  /** Batches BatchNorm statistics are estimated on (the dataset's own unless a subset was given). */
  private readonly bnBatches: BatchRange[];
  private readonly bnData: PreparedData;
  private readonly fixed: (tf.Tensor | null)[];
  private readonly opts: ResolvedObjectiveOptions;
  private readonly host = new HostBuffers();
  private readonly width: number;
  private progress?: (p: PassProgress) => void;
  private peakBytes = 0;
  private activations?: number;
  /** Why the forward-over-reverse HVP does not cover the model ('' when it does); set on first use. */
  private ropWhyNot?: string;
  private gradWhyNot?: string;
  /** Samples per batch, as given or chosen by autoBatchSize. */
  readonly batchSize: number;

  /** @param bnData samples for `batchNormMoments` (default: `data`); may be empty (n = 0). */
  constructor(private readonly model: ModelBundle, private readonly data: PreparedData, options: ObjectiveOptions = {}, bnData?: PreparedData) {
    requireEngine('an Objective (exact HVPs)');
    this.opts = resolveObjectiveOptions(options);
    this.layout = model.layout;
    this.theta0 = model.theta0.slice();
    this.n = data.n;
    this.width = data.inputShape.reduce((a, b) => a * b, 1);
    const trainable = new Set(model.indices);
    this.fixed = model.checkpoint.weights.map((w, i) => (trainable.has(i) ? null : tf.keep(tf.tensor(w.values, w.spec.shape))));
    this.batchSize = this.opts.batchSize ?? autoBatchSize(model, Math.max(data.n, bnData?.n ?? 0, 1));
    this.batches = batchRanges(data.n, this.batchSize);
    this.bnData = bnData ?? data;
    this.bnBatches = bnData ? batchRanges(bnData.n, this.batchSize) : this.batches;
  }

  /** Called after each batch of a pass (evaluate, grad, hvp, BN moments) with the samples done so far. */
  setProgressListener(listener: ((p: PassProgress) => void) | undefined): void {
    this.progress = listener;
  }

  /** Backend memory now, and the most this objective has seen live at the end of a batch. */
  stats(): ObjectiveStats {
    const m = tf.memory();
    return { numBytes: m.numBytes, numTensors: m.numTensors, peakBytes: this.peakBytes, batchSize: this.batchSize, batches: this.batches.length };
  }

  /** One batch's inputs and targets as tensors (inside the caller's scope). */
  private batchTensors(d: PreparedData, b: BatchRange): { x: tf.Tensor; y: tf.Tensor } {
    const x = tf.tensor(inputRows(d.x, d.xDivisor ?? 1, this.width, b.start, b.end, this.host.scratch('x', (b.end - b.start) * this.width)), [b.end - b.start, ...d.inputShape]);
    const y = tf.tensor(d.y.subarray(b.start * d.k, b.end * d.k), [b.end - b.start, d.k]);
    return { x, y };
  }

  /** Record the live backend bytes (called inside a batch's scope, when its intermediates are alive). */
  private notePeak(): void {
    const bytes = tf.memory().numBytes;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
  }

  /**
   * Run `step` on every batch of `batches`, each in its own tidy scope; `consume` receives the
   * values `step` returned (read back to JS) before the next batch starts.
   */
  private async pass(what: string, d: PreparedData, batches: BatchRange[], step: (b: BatchRange) => tf.Tensor, consume: (v: Float32Array, b: BatchRange) => void): Promise<void> {
    let done = 0;
    for (const b of batches) {
      let out: tf.Tensor;
      try {
        out = tf.tidy(() => {
          const r = step(b);
          this.notePeak();
          return r;
        });
      } catch (err) {
        throw explainMemoryError(err, { what, batchSize: this.batchSize, params: this.layout.dim, activationsPerSample: this.activationsPerSampleCount() });
      }
      const v = await this.host.read(out); // valid until the next read: consumed at once
      out.dispose();
      consume(v, b);
      done += b.end - b.start;
      this.progress?.({ done, total: d.n });
      await yieldToEventLoop();
    }
  }

  private activationsPerSampleCount(): number | undefined {
    try {
      this.activations ??= activationsPerSample(this.model);
    } catch {
      return undefined;
    }
    return this.activations;
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

  /** Tensors made once per call and released after its last batch (θ's blocks, v, BN overrides). */
  private async withCallTensors<T>(make: () => tf.Tensor[][], run: (ts: tf.Tensor[][]) => Promise<T>): Promise<T> {
    const before = new Set<number>();
    const groups = tf.tidy(() => {
      const g = make();
      for (const t of g.flat()) tf.keep(t);
      return g;
    });
    for (const t of this.fixed) if (t) before.add(t.id);
    try {
      return await run(groups);
    } finally {
      tf.dispose(groups.flat().filter((t) => !before.has(t.id)));
    }
  }

  /** Mean loss of one batch and its gradient by the rules of rop/ (the loss pass's forward ops: the same loss to the bit). */
  private gradOfRules(ps: tf.Tensor[], x: tf.Tensor, y: tf.Tensor): BatchGrad {
    const r = ropBatch(this.model.arch, this.model.loss, this.weights(ps), x, y, this.model.indices, { grad: true });
    return { value: tf.mean(perSampleLoss(this.model.loss, y, r.out)) as tf.Scalar, grads: r.grads!, hits: correctCount(this.model.loss, y, r.out) };
  }

  /** One batch's loss and gradient by tf's tape; the correct count of the same forward is kept out of the tape's tidy. */
  private gradOfTape(ps: tf.Tensor[], x: tf.Tensor, y: tf.Tensor): BatchGrad {
    let hits: tf.Tensor | null = null;
    const r = valueAndGrads((...p) => this.batchLoss(p, x, y, (pred) => {
      const c = correctCount(this.model.loss, y, pred);
      hits = c && tf.keep(c);
    }), ps);
    return { ...r, hits };
  }

  /** Mean loss of one batch as a function of the trainable tensors; `seen` gets the prediction. */
  private batchLoss(ps: tf.Tensor[], x: tf.Tensor, y: tf.Tensor, seen?: (pred: tf.Tensor) => void): tf.Scalar {
    const pred = forward(this.model.arch, this.weights(ps), x);
    seen?.(pred);
    return tf.mean(perSampleLoss(this.model.loss, y, pred)) as tf.Scalar;
  }

  async loss(theta: Float32Array): Promise<number> {
    return (await this.evaluate(theta)).loss;
  }

  async evaluate(theta: Float32Array, options: EvalOptions = {}): Promise<EvalResult> {
    let loss = 0;
    let correct: number | undefined;
    let bad: BatchRange | undefined;
    await this.withCallTensors(
      () => [this.weights(this.params(theta), options.batchNorm)],
      ([ws]) =>
        this.pass('the loss pass', this.data, this.batches, (b) => {
          const { x, y } = this.batchTensors(this.data, b);
          const pred = forward(this.model.arch, ws, x);
          const c = correctCount(this.model.loss, y, pred);
          const l = tf.reshape(tf.mean(perSampleLoss(this.model.loss, y, pred)), [1]);
          return c ? tf.concat([l, tf.reshape(c, [1])]) : l;
        }, (v, b) => {
          if (!Number.isFinite(v[0])) bad ??= b;
          loss += v[0] * b.weight;
          if (v.length > 1) correct = (correct ?? 0) + v[1];
        }),
    );
    if (bad) await this.refuseNonFinite(theta, bad, 'the loss', options.batchNorm);
    return correct !== undefined ? { loss, accuracy: correct / this.n, n: this.n } : { loss, n: this.n };
  }

  async batchNormMoments(theta: Float32Array, layer: string, batchNorm: BatchNormStats): Promise<ChannelMoments> {
    const node = this.model.arch.nodes.find((n) => n.name === layer && n.className === 'BatchNormalization');
    if (!node) throw optionError('layer', `"${layer}" is not a BatchNormalization layer of the model`);
    const channels = node.weights.find((w) => w.param === 'moving_mean')!.shape[0];
    let acc = emptyMoments(channels);
    await this.withCallTensors(
      () => [this.weights(this.params(theta), batchNorm)],
      ([ws]) =>
        this.pass('the BatchNorm statistics pass', this.bnData, this.bnBatches, (b) => {
          const { x } = this.batchTensors(this.bnData, b);
          const h = forward(this.model.arch, ws, x, { inputOf: layer });
          const m = batchMoments(h, bnAxis(node.config, h.rank));
          return tf.concat([tf.tensor1d([m.count]), m.mean, m.m2]);
        }, (v) => {
          const count = v[0];
          acc = mergeMoments(acc, { count, mean: Float64Array.from(v.subarray(1, 1 + channels)), m2: Float64Array.from(v.subarray(1 + channels)) });
        }),
    );
    return acc;
  }

  /** The gradient pass; for classification losses it counts the correct predictions of its forward too. */
  async grad(theta: Float32Array): Promise<GradResult> {
    const acc = new Float64Array(this.layout.dim);
    let loss = 0;
    let correct: number | undefined;
    const rules = this.gradEngine() === 'rules';
    const counts = hasAccuracy(this.model.loss);
    const head = counts ? 2 : 1; // [loss, correct?, ...gradient]
    let bad: BatchRange | undefined;
    await this.withCallTensors(
      () => [this.params(theta)],
      ([ps]) =>
        this.pass('the gradient pass', this.data, this.batches, (b) => {
          const { x, y } = this.batchTensors(this.data, b);
          const { value, grads, hits } = rules ? this.gradOfRules(ps, x, y) : this.gradOfTape(ps, x, y);
          const out = tf.concat([tf.reshape(value, [1]), ...(hits ? [tf.reshape(hits, [1])] : []), ...grads.map((g) => tf.reshape(g, [-1]))]);
          hits?.dispose(); // kept out of the tape's scope (gradOfTape)
          return out;
        }, (v, b) => {
          if (!Number.isFinite(v[0])) bad ??= b;
          loss += v[0] * b.weight;
          if (counts) correct = (correct ?? 0) + v[1];
          for (let j = 0; j < acc.length; j++) acc[j] += v[j + head] * b.weight;
        }),
    );
    if (bad) await this.refuseNonFinite(theta, bad, 'the loss');
    const metrics: EvalResult = correct !== undefined ? { loss, accuracy: correct / this.n, n: this.n } : { loss, n: this.n };
    return { loss, grad: Float32Array.from(acc), metrics };
  }

  async hvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    if (v.length !== this.layout.dim) throw optionError('v', `length ${v.length} ≠ parameter count ${this.layout.dim}`);
    if (this.opts.hvp === 'fd') return this.hvpFd(theta, v);
    const acc = new Float64Array(this.layout.dim);
    let bad: BatchRange | undefined;
    const rop = this.hvpEngine() === 'forward-over-reverse';
    await this.withCallTensors(
      () => [this.params(theta), this.params(v)],
      ([ps, vs]) =>
        this.pass('the Hessian-vector product', this.data, this.batches, (b) => {
          const { x, y } = this.batchTensors(this.data, b);
          if (rop) return tf.concat(ropBatch(this.model.arch, this.model.loss, this.weights(ps), x, y, this.model.indices, { vs: this.tangents(vs) }).hvp!.map((h) => tf.reshape(h, [-1])));
          const gv = (...p: tf.Tensor[]) => {
            const g = valueAndGrads((...q) => this.batchLoss(q, x, y), p).grads;
            return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, vs[i])))) as tf.Scalar;
          };
          return tf.concat(valueAndGrads(gv, ps).grads.map((h) => tf.reshape(h, [-1])));
        }, (r, b) => {
          for (let j = 0; j < acc.length; j++) acc[j] += r[j] * b.weight;
          if (!bad && !r.every(Number.isFinite)) bad = b;
        }),
    );
    if (bad) await this.refuseNonFinite(theta, bad, 'the Hessian-vector product');
    return Float32Array.from(acc);
  }

  /**
   * How exact HVPs are computed: forward-over-reverse (rop/hvp.ts) where it covers the model,
   * else double backprop; `hvpEngineReason` says why not.
   */
  hvpEngine(): 'forward-over-reverse' | 'double-backprop' {
    this.ropWhyNot ??= ropWhyNot(this.model.arch, 'LOSSLENS_HVP') ?? '';
    return this.ropWhyNot === '' ? 'forward-over-reverse' : 'double-backprop';
  }

  /** The gradient's backward pass: the rules of rop/ (no tape) where they cover the model, else tf.grads' tape. */
  gradEngine(): 'rules' | 'tape' {
    this.gradWhyNot ??= ropWhyNot(this.model.arch, 'LOSSLENS_GRAD') ?? '';
    return this.gradWhyNot === '' ? 'rules' : 'tape';
  }

  get hvpEngineReason(): string | undefined {
    this.hvpEngine();
    return this.ropWhyNot || undefined;
  }

  /** v's blocks by checkpoint weight index (null for the weights that are not in θ). */
  private tangents(vs: tf.Tensor[]): (tf.Tensor | null)[] {
    const out: (tf.Tensor | null)[] = this.fixed.map(() => null);
    this.model.indices.forEach((idx, i) => (out[idx] = vs[i]!));
    return out;
  }

  /** Gauss–Newton product (curvature-products.ts), streamed over the batches like hvp. */
  ggnvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.curvatureProduct('ggn', theta, v);
  }

  /** Empirical-Fisher product (curvature-products.ts), streamed over the batches like hvp. */
  fishervp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.curvatureProduct('empirical-fisher', theta, v);
  }

  private async curvatureProduct(kind: 'ggn' | 'empirical-fisher', theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    if (v.length !== this.layout.dim) throw optionError('v', `length ${v.length} ≠ parameter count ${this.layout.dim}`);
    const acc = new Float64Array(this.layout.dim);
    let bad: BatchRange | undefined;
    const what = kind === 'ggn' ? 'the Gauss–Newton product' : 'the empirical-Fisher product';
    await this.withCallTensors(
      () => [this.params(theta), this.params(v)],
      ([ps, vs]) =>
        this.pass(what, this.data, this.batches, (b) => {
          const { x, y } = this.batchTensors(this.data, b);
          const output = (p: tf.Tensor[]) => forward(this.model.arch, this.weights(p), x);
          // the batch mean (1/B); the batches' weights make it the dataset mean below
          const parts = batchCurvatureProduct(kind, this.model.loss, output, ps, vs, y, 1 / (b.end - b.start));
          return tf.concat(parts.map((h) => tf.reshape(h, [-1])));
        }, (r, b) => {
          for (let j = 0; j < acc.length; j++) acc[j] += r[j] * b.weight;
          if (!bad && !r.every(Number.isFinite)) bad = b;
        }),
    );
    if (bad) await this.refuseNonFinite(theta, bad, what);
    return Float32Array.from(acc);
  }

  /**
   * At the checkpoint's own θ a non-finite loss or product is the model's fault, not the caller's
   * step: name the first layer that goes non-finite on that batch and refuse (exit 2). Elsewhere
   * (a slice far from θ₀, a diverging training run) non-finite values are the caller's to handle.
   */
  private async refuseNonFinite(theta: Float32Array, b: BatchRange, what: string, bn?: BatchNormStats): Promise<void> {
    if (!sameValues(theta, this.theta0)) return;
    const site = await this.withCallTensors(
      () => [this.weights(this.params(theta), bn), [this.batchTensors(this.data, b).x]],
      async ([ws, [x]]) => firstNonFiniteLayer(this.model.arch, ws, x),
    );
    throw nonFiniteLossError(site, this.model.checkpoint.path, `${what} on samples ${b.start}–${b.end - 1}`);
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
    tf.dispose(this.fixed.filter((t): t is tf.Tensor => t !== null));
    this.fixed.fill(null);
  }
}

/**
 * Let timers, I/O and signal handlers run. On the cpu and wasm backends `data()` resolves as a
 * microtask, so a long loop of evaluations would never yield the event loop and Ctrl-C would
 * wait for the whole analysis.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** Contiguous batches of at most `batchSize` samples, each weighted by its share of the n samples. */
function batchRanges(n: number, batchSize: number): BatchRange[] {
  const out: BatchRange[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    out.push({ start: s, end: e, weight: (e - s) / n });
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
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw optionError('batchSize', `must be a positive integer, got ${batchSize}`);
  const hvp = o.hvp ?? 'exact';
  if (hvp !== 'exact' && hvp !== 'fd') throw optionError('hvp', `unknown mode "${hvp}"; valid: exact, fd`);
  const fdStep = o.fdStep ?? 1e-2;
  if (!(fdStep > 0)) throw optionError('fdStep', `must be > 0, got ${fdStep}`);
  return { batchSize, hvp, fdStep };
}
