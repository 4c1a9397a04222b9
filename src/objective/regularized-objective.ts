/**
 * The training objective Keras meant: an Objective's data loss plus the checkpoint's weight
 * penalties, L(θ) + Σ_blocks (l1·Σ|w| + l2·Σw²). The penalties depend on θ alone, so they are
 * added here in float64 over the flat θ, whatever computes the data term (in process or a pool):
 *   grad += l1·sign(w) + 2·l2·w,   Hv += 2·l2·v   (L1's Hessian is 0 away from w = 0).
 * The Gauss–Newton product gets the same 2·l2·v (the penalty's exact, PSD Hessian); the
 * empirical Fisher is of the data term only (per-sample gradients of the data loss).
 * `evaluate` reports the total loss, as Keras' model.evaluate does; accuracy is unchanged.
 */
import { unsupportedError } from '../errors.js';
import { findRegularizers, type Regularization, type RegularizerTerm } from '../model/regularizers.js';
import type { Architecture } from '../model/architecture.js';
import type { Checkpoint } from '../io/types.js';
import type { BatchNormStats, ChannelMoments } from './batch-norm-stats.js';
import type { EvalOptions, EvalResult, Objective, ParamLayout } from './types.js';
import { WeightPenalty } from './weight-penalty.js';

export class RegularizedObjective implements Objective {
  readonly layout: ParamLayout;
  readonly theta0: Float32Array;
  readonly n: number;
  readonly batchNormMoments?: (theta: Float32Array, layer: string, batchNorm: BatchNormStats) => Promise<ChannelMoments>;
  readonly ggnvp?: (theta: Float32Array, v: Float32Array) => Promise<Float32Array>;
  readonly fishervp?: (theta: Float32Array, v: Float32Array) => Promise<Float32Array>;
  private readonly weights: WeightPenalty;

  constructor(
    readonly inner: Objective,
    readonly terms: RegularizerTerm[],
  ) {
    this.layout = inner.layout;
    this.theta0 = inner.theta0;
    this.n = inner.n;
    this.weights = new WeightPenalty(terms, inner.layout);
    if (inner.batchNormMoments) this.batchNormMoments = inner.batchNormMoments.bind(inner);
    if (inner.ggnvp) {
      const g = inner.ggnvp.bind(inner);
      this.ggnvp = async (theta, v) => this.addL2(await g(theta, v), v);
    }
    if (inner.fishervp) this.fishervp = inner.fishervp.bind(inner);
    forwardOptionalMembers(this, inner);
  }

  /** The penalty at θ (float64 sums). */
  penalty(theta: ArrayLike<number>): number {
    return this.weights.value(theta);
  }

  async loss(theta: Float32Array): Promise<number> {
    return (await this.inner.loss(theta)) + this.penalty(theta);
  }

  async evaluate(theta: Float32Array, options?: EvalOptions): Promise<EvalResult> {
    const r = await this.inner.evaluate(theta, options);
    return { ...r, loss: r.loss + this.penalty(theta) };
  }

  async grad(theta: Float32Array): Promise<{ loss: number; grad: Float32Array }> {
    const r = await this.inner.grad(theta);
    const loss = r.loss + this.penalty(theta); // the total, as evaluate reports it
    return { loss, grad: this.weights.gradient(theta, r.grad), ...(r.metrics ? { metrics: { ...r.metrics, loss } } : {}) };
  }

  async hvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.addL2(await this.inner.hvp(theta, v), v);
  }

  /** hv + 2·l2·v on the regularised blocks. */
  private addL2(hv: Float32Array, v: Float32Array): Float32Array {
    return this.weights.product(hv, v);
  }

  /** Pools are closed (their workers stopped); in-process objectives are disposed. */
  async close(): Promise<void> {
    const c = (this.inner as Objective & { close?: () => Promise<void> }).close;
    if (c) await c.call(this.inner);
    else this.inner.dispose();
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/**
 * Members some objectives have beyond the interface's core (pass progress, batch size, backend
 * memory stats, a pool's backend and worker count): the wrapper shows the inner objective's own,
 * so whoever looks for them on an objective finds them whether it is wrapped or not.
 */
const FORWARDED = ['setProgressListener', 'stats', 'batchSize', 'backend', 'workers'] as const;

function forwardOptionalMembers(outer: object, inner: object): void {
  for (const name of FORWARDED) {
    if (!(name in inner) || name in outer) continue;
    const value = (inner as Record<string, unknown>)[name];
    Object.defineProperty(
      outer,
      name,
      typeof value === 'function'
        ? { value: value.bind(inner), enumerable: false }
        : { get: () => (inner as Record<string, unknown>)[name], enumerable: false },
    );
  }
}

/** What a model's regularizers are found from (a ModelBundle has these). */
export interface RegularizedModel {
  checkpoint: Checkpoint;
  arch: Architecture;
  layout: ParamLayout;
}

const cache = new WeakMap<object, Regularization>();

/** The model's regularizers (parsed once per architecture). */
export function regularizationOf(model: RegularizedModel): Regularization {
  let r = cache.get(model.arch);
  if (!r) cache.set(model.arch, (r = findRegularizers(model.arch, model.layout, model.checkpoint.path)));
  return r;
}

/**
 * `objective` with the model's weight penalties added (or as it is when there are none or
 * `enabled` is false). Activity regularizers and unreadable ones are refused by name here.
 */
export function regularize(objective: Objective, model: RegularizedModel, enabled = true): Objective {
  if (!enabled) return objective;
  const reg = regularizationOf(model);
  refuseUnsupported(reg, model.checkpoint.path); // callers that own heavy objectives check first (checkRegularizers)
  return reg.terms.length === 0 ? objective : new RegularizedObjective(objective, reg.terms);
}

/** Refuse, before any objective is built, what `regularize` could not include. */
export function checkRegularizers(model: RegularizedModel, enabled = true): void {
  if (enabled) refuseUnsupported(regularizationOf(model), model.checkpoint.path);
}

/** Throw for what the objective cannot include: an unreadable regularizer or an activity penalty. */
export function refuseUnsupported(reg: Regularization, file: string): void {
  if (reg.problems.length > 0) throw reg.problems[0];
  if (reg.activity.length > 0) {
    const a = reg.activity[0];
    throw unsupportedError(
      `layer "${a.layer}" has activity_regularizer (l1 ${a.l1}, l2 ${a.l2}): an activity penalty is not supported (tfjs-layers cannot run it either); pass --no-regularizers to analyse the data term without any penalty`,
      file,
    );
  }
}
