/**
 * The in-process Objective: mean loss, gradient and Hessian-vector product over a dataset,
 * streamed in batches weighted by batch size. Memory is O(batch + θ), independent of the
 * dataset's size: the samples stay in JS memory (in their stored dtype) and each batch is
 * uploaded, used and released inside its own scope before the next one; the per-batch results
 * (loss, correct count, gradient, Hv) are read back and summed in float64 on the JS side.
 * HVP is exact double backprop (∇(∇L·v)) by default, or central differences. A model with several
 * inputs or outputs (or a state output) runs on the tape: its loss is Σₖ wₖ · loss of output k
 * (heads-loss.ts), and each pass reports every output's own loss and accuracy too.
 */
import tf from '../tf.cjs';
import { forward, forwardOutputs } from '../model/forward.js';
import { perSampleLoss, correctCount, hasAccuracy } from '../model/loss.js';
import { isMultiIO, outputsOf } from '../model/architecture.js';
import type { ModelBundle } from './model-bundle.js';
import type { PreparedData } from './prepare-data.js';
import type { EvalOptions, EvalResult, GradResult, Objective, ObjectiveStats, PassProgress } from './types.js';
import { optionError, unsupportedError } from '../errors.js';
import { requireEngine } from '../engine/engine.js';
import { autoBatchSize } from './auto-batch-size.js';
import { firstNonFiniteLayer, nonFiniteLossError } from '../model/non-finite.js';
import { batchMoments, bnAxis, emptyMoments, mergeMoments, type BatchNormStats, type ChannelMoments } from './batch-norm-stats.js';
import { batchCurvatureProduct } from './curvature-products.js';
import { ropBatch, ropWhyNot } from './rop/hvp.js';
import {
  batchRanges,
  batchTensors,
  hvpByDifferences,
  resolveObjectiveOptions,
  sameValues,
  valueAndGrads,
  type BatchRange,
  type ObjectiveOptions,
  type ResolvedObjectiveOptions,
} from './batch-plan.js';
import { headsLoss, HeadsTotals, touchUnused, unusedBlocks } from './heads-loss.js';
import { ObjectivePasses } from './objective-passes.js';

export { resolveObjectiveOptions, valueAndGrads, yieldToEventLoop, type ObjectiveOptions } from './batch-plan.js';

/** One batch's mean loss, gradient blocks and correct counts ([K] losses then [K] counts for several outputs). */
interface BatchGrad {
  value: tf.Scalar;
  grads: tf.Tensor[];
  hits: tf.Tensor | null;
}

const MULTI_WHY = 'the model has several inputs or outputs';

export class LocalObjective extends ObjectivePasses implements Objective {
  readonly theta0: Float32Array;
  readonly n: number;
  private readonly batches: BatchRange[];
  /** Batches BatchNorm statistics are estimated on (the dataset's own unless a subset was given). */
  private readonly bnBatches: BatchRange[];
  private readonly bnData: PreparedData;
  private readonly opts: ResolvedObjectiveOptions;
  /** Several inputs or outputs: the tape, every output's loss (heads-loss.ts). */
  private readonly multi: boolean;
  /** θ blocks no analysed output reads (another head's under --output). */
  private readonly unused: number[];
  /** Per analysed output, the θ blocks it does not read (its GGN term). */
  private readonly headUnused: number[][];
  /** Why the forward-over-reverse HVP does not cover the model ('' when it does); set on first use. */
  private ropWhyNot?: string;
  private gradWhyNot?: string;
  /** Samples per batch, as given or chosen by autoBatchSize. */
  readonly batchSize: number;

  /** @param bnData samples for `batchNormMoments` (default: `data`); may be empty (n = 0). */
  constructor(
    model: ModelBundle,
    private readonly data: PreparedData,
    options: ObjectiveOptions = {},
    bnData?: PreparedData,
  ) {
    requireEngine('an Objective (exact HVPs)');
    super(model);
    this.opts = resolveObjectiveOptions(options);
    this.theta0 = model.theta0.slice();
    this.n = data.n;
    this.multi = isMultiIO(model.arch) || model.heads.length > 1;
    this.unused = unusedBlocks(model);
    this.headUnused = outputsOf(model.arch).map((o) => unusedBlocks(model, [o]));
    if (this.multi && (data.inputs?.length ?? 1) !== (model.arch.inputs?.length ?? 1))
      throw unsupportedError(`${MULTI_WHY}; its data must give every input (prepareModelData)`);
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

  /** Mean loss of one batch and its gradient by the rules of rop/ (the loss pass's forward ops: the same loss to the bit). */
  private gradOfRules(ps: tf.Tensor[], x: tf.Tensor, y: tf.Tensor): BatchGrad {
    const r = ropBatch(this.model.arch, this.model.loss, this.weights(ps), x, y, this.model.indices, { grad: true });
    return { value: tf.mean(perSampleLoss(this.model.loss, y, r.out)) as tf.Scalar, grads: r.grads!, hits: correctCount(this.model.loss, y, r.out) };
  }

  /** One batch's loss and gradient by tf's tape; the metrics of the same forward are kept out of the tape's tidy. */
  private gradOfTape(ps: tf.Tensor[], xs: tf.Tensor[], ys: tf.Tensor[]): BatchGrad {
    let hits: tf.Tensor | null = null;
    const r = valueAndGrads((...p) => this.batchLoss(p, xs, ys, (m) => (hits = m && tf.keep(m))), ps);
    return { ...r, hits };
  }

  /** Mean loss of one batch as a function of the trainable tensors; `seen` gets the batch's metrics (correct count, or per-output losses and counts). */
  private batchLoss(ps: tf.Tensor[], xs: tf.Tensor[], ys: tf.Tensor[], seen?: (metrics: tf.Tensor | null) => void, bn?: BatchNormStats): tf.Scalar {
    const ws = this.weights(ps, bn);
    if (!this.multi) {
      const pred = forward(this.model.arch, ws, xs[0]!);
      seen?.(correctCount(this.model.loss, ys[0]!, pred));
      return touchUnused(tf.mean(perSampleLoss(this.model.loss, ys[0]!, pred)) as tf.Scalar, ps, this.unused);
    }
    const h = headsLoss(this.model.heads, ys, forwardOutputs(this.model.arch, ws, xs));
    seen?.(tf.concat([h.parts, h.hits]));
    return touchUnused(h.value, ps, this.unused);
  }

  async loss(theta: Float32Array): Promise<number> {
    return (await this.evaluate(theta)).loss;
  }

  async evaluate(theta: Float32Array, options: EvalOptions = {}): Promise<EvalResult> {
    const acc = this.metricsAccumulator();
    let bad: BatchRange | undefined;
    await this.withCallTensors(
      () => [this.params(theta)],
      ([ps]) =>
        this.pass(
          'the loss pass',
          this.data,
          this.batches,
          (b) => {
            const { xs, ys } = batchTensors(this.data, b, this.host);
            let m: tf.Tensor | null = null;
            const l = tf.reshape(
              this.batchLoss(ps, xs, ys, (t) => (m = t), options.batchNorm),
              [1],
            );
            return m ? tf.concat([l, tf.reshape(m, [-1])]) : l;
          },
          (v, b) => {
            if (!Number.isFinite(v[0])) bad ??= b;
            acc.add(v, b.weight);
          },
        ),
    );
    if (bad) await this.refuseNonFinite(theta, bad, 'the loss', options.batchNorm);
    return acc.result();
  }

  /** Sums a pass's [loss, metrics…] rows into an EvalResult (metrics: a correct count, or per-output losses and counts). */
  private metricsAccumulator(): { add: (v: Float32Array, weight: number) => void; result: () => EvalResult } {
    let loss = 0,
      correct: number | undefined;
    const heads = this.multi ? new HeadsTotals(this.model.heads) : undefined;
    return {
      add: (v, weight) => {
        loss += v[0] * weight;
        if (heads) heads.add(v, 1, weight);
        else if (hasAccuracy(this.model.loss)) correct = (correct ?? 0) + v[1];
      },
      result: () => {
        if (heads) return { loss, n: this.n, outputs: heads.metrics(this.n) };
        return correct !== undefined ? { loss, accuracy: correct / this.n, n: this.n } : { loss, n: this.n };
      },
    };
  }

  /** Values a gradient pass puts before the gradient: the loss, then its metrics. */
  private get gradHead(): number {
    return 1 + (this.multi ? 2 * this.model.heads.length : hasAccuracy(this.model.loss) ? 1 : 0);
  }

  async batchNormMoments(theta: Float32Array, layer: string, batchNorm: BatchNormStats): Promise<ChannelMoments> {
    const node = this.model.arch.nodes.find((n) => n.name === layer && n.className === 'BatchNormalization');
    if (!node) throw optionError('layer', `"${layer}" is not a BatchNormalization layer of the model`);
    const channels = node.weights.find((w) => w.param === 'moving_mean')!.shape[0];
    let acc = emptyMoments(channels);
    await this.withCallTensors(
      () => [this.weights(this.params(theta), batchNorm)],
      ([ws]) =>
        this.pass(
          'the BatchNorm statistics pass',
          this.bnData,
          this.bnBatches,
          (b) => {
            const { xs } = batchTensors(this.bnData, b, this.host);
            const h = forward(this.model.arch, ws, xs, { inputOf: layer });
            const m = batchMoments(h, bnAxis(node.config, h.rank));
            return tf.concat([tf.tensor1d([m.count]), m.mean, m.m2]);
          },
          (v) => {
            const count = v[0];
            acc = mergeMoments(acc, { count, mean: Float64Array.from(v.subarray(1, 1 + channels)), m2: Float64Array.from(v.subarray(1 + channels)) });
          },
        ),
    );
    return acc;
  }

  /** The gradient pass; it measures evaluate's metrics on its forward too. */
  async grad(theta: Float32Array): Promise<GradResult> {
    const grad = new Float64Array(this.layout.dim);
    const rules = this.gradEngine() === 'rules';
    const head = this.gradHead,
      acc = this.metricsAccumulator();
    let bad: BatchRange | undefined;
    await this.withCallTensors(
      () => [this.params(theta)],
      ([ps]) =>
        this.pass(
          'the gradient pass',
          this.data,
          this.batches,
          (b) => {
            const { xs, ys } = batchTensors(this.data, b, this.host);
            const { value, grads, hits } = rules ? this.gradOfRules(ps, xs[0]!, ys[0]!) : this.gradOfTape(ps, xs, ys);
            const out = tf.concat([tf.reshape(value, [1]), ...(hits ? [tf.reshape(hits, [-1])] : []), ...grads.map((g) => tf.reshape(g, [-1]))]);
            hits?.dispose(); // kept out of the tape's scope (gradOfTape)
            return out;
          },
          (v, b) => {
            if (!Number.isFinite(v[0])) bad ??= b;
            acc.add(v, b.weight);
            for (let j = 0; j < grad.length; j++) grad[j] += v[j + head] * b.weight;
          },
        ),
    );
    if (bad) await this.refuseNonFinite(theta, bad, 'the loss');
    const metrics = acc.result();
    return { loss: metrics.loss, grad: Float32Array.from(grad), metrics };
  }

  async hvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    if (v.length !== this.layout.dim) throw optionError('v', `length ${v.length} ≠ parameter count ${this.layout.dim}`);
    if (this.opts.hvp === 'fd') return hvpByDifferences(async (t) => (await this.grad(t)).grad, theta, v, this.opts.fdStep);
    const rop = this.hvpEngine() === 'forward-over-reverse';
    return this.productPass('the Hessian-vector product', theta, v, (ps, vs, { xs, ys }) => {
      if (rop) return ropBatch(this.model.arch, this.model.loss, this.weights(ps), xs[0]!, ys[0]!, this.model.indices, { vs: this.tangents(vs) }).hvp!;
      const gv = (...p: tf.Tensor[]) => {
        const g = valueAndGrads((...q) => this.batchLoss(q, xs, ys), p).grads;
        return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, vs[i])))) as tf.Scalar;
      };
      return valueAndGrads(gv, ps).grads;
    });
  }

  /** A pass summing a per-batch product (blocks in layout order) weighted by batch share; non-finite results refused at θ₀. */
  private async productPass(
    what: string,
    theta: Float32Array,
    v: Float32Array,
    step: (ps: tf.Tensor[], vs: tf.Tensor[], batch: ReturnType<typeof batchTensors>, b: BatchRange) => tf.Tensor[],
  ): Promise<Float32Array> {
    const acc = new Float64Array(this.layout.dim);
    let bad: BatchRange | undefined;
    await this.withCallTensors(
      () => [this.params(theta), this.params(v)],
      ([ps, vs]) =>
        this.pass(
          what,
          this.data,
          this.batches,
          (b) => tf.concat(step(ps, vs, batchTensors(this.data, b, this.host), b).map((h) => tf.reshape(h, [-1]))),
          (r, b) => {
            for (let j = 0; j < acc.length; j++) acc[j] += r[j] * b.weight;
            if (!bad && !r.every(Number.isFinite)) bad = b;
          },
        ),
    );
    if (bad) await this.refuseNonFinite(theta, bad, what);
    return Float32Array.from(acc);
  }

  /**
   * How exact HVPs are computed: forward-over-reverse (rop/hvp.ts) where it covers the model,
   * else double backprop; `hvpEngineReason` says why not.
   */
  hvpEngine(): 'forward-over-reverse' | 'double-backprop' {
    this.ropWhyNot ??= this.multi ? MULTI_WHY : (ropWhyNot(this.model.arch, 'LOSSLENS_HVP') ?? '');
    return this.ropWhyNot === '' ? 'forward-over-reverse' : 'double-backprop';
  }

  /** The gradient's backward pass: the rules of rop/ (no tape) where they cover the model, else tf.grads' tape. */
  gradEngine(): 'rules' | 'tape' {
    this.gradWhyNot ??= this.multi ? MULTI_WHY : (ropWhyNot(this.model.arch, 'LOSSLENS_GRAD') ?? '');
    return this.gradWhyNot === '' ? 'rules' : 'tape';
  }

  get hvpEngineReason(): string | undefined {
    this.hvpEngine();
    return this.ropWhyNot || undefined;
  }

  /** Gauss–Newton product (curvature-products.ts), streamed over the batches like hvp; several outputs: Σₖ wₖ Gₖv. */
  ggnvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.curvatureProduct('ggn', theta, v);
  }

  /** Empirical-Fisher product (curvature-products.ts), streamed over the batches like hvp (one output only). */
  async fishervp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    if (this.model.heads.length > 1)
      throw unsupportedError(
        `the empirical Fisher of a model with several outputs mixes their per-sample gradients; analyse one with --output (outputs: ${this.model.heads.map((h) => h.name).join(', ')})`,
      );
    return this.curvatureProduct('empirical-fisher', theta, v);
  }

  private curvatureProduct(kind: 'ggn' | 'empirical-fisher', theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    if (v.length !== this.layout.dim) throw optionError('v', `length ${v.length} ≠ parameter count ${this.layout.dim}`);
    const what = kind === 'ggn' ? 'the Gauss–Newton product' : 'the empirical-Fisher product';
    return this.productPass(what, theta, v, (ps, vs, { xs, ys }, b) => {
      // the batch mean (1/B); the batches' weights make it the dataset mean
      const parts = this.model.heads.map((h, k) => {
        const out = (p: tf.Tensor[]) =>
          this.multi ? forwardOutputs(this.model.arch, this.weights(p), xs)[k]! : forward(this.model.arch, this.weights(p), xs[0]!);
        const output = (p: tf.Tensor[]) => touchUnused(out(p), p, this.headUnused[k]!);
        return batchCurvatureProduct(kind, h.loss, output, ps, vs, ys[k]!, h.weight / (b.end - b.start));
      });
      return parts.length === 1 ? parts[0]! : parts[0]!.map((_, i) => tf.addN(parts.map((p) => p[i]!)));
    });
  }

  /**
   * At the checkpoint's own θ a non-finite loss or product is the model's fault, not the caller's
   * step: name the first layer that goes non-finite on that batch and refuse (exit 2). Elsewhere
   * (a slice far from θ₀, a diverging training run) non-finite values are the caller's to handle.
   */
  private async refuseNonFinite(theta: Float32Array, b: BatchRange, what: string, bn?: BatchNormStats): Promise<void> {
    if (!sameValues(theta, this.theta0)) return;
    const site = await this.withCallTensors(
      () => [this.weights(this.params(theta), bn), batchTensors(this.data, b, this.host).xs],
      async ([ws, xs]) => firstNonFiniteLayer(this.model.arch, ws, this.multi ? xs : xs[0]!),
    );
    throw nonFiniteLossError(site, this.model.checkpoint.path, `${what} on samples ${b.start}–${b.end - 1}`);
  }
}
