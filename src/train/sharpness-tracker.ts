/**
 * Sharpness along training (Cohen et al. 2021, "Gradient descent on neural networks typically
 * occurs at the edge of stability"; Cohen et al. 2022, "Adaptive gradient methods at the edge of
 * stability"). Every `every` steps, λmax of the training loss's Hessian at the current θ from a
 * few Lanczos steps warm-started at the previous top eigenvector, with its residual ‖Hv − λv‖,
 * and the step's stability threshold:
 *
 *   sgd                 λmax(H)        vs 2/η                     (GD on a quadratic diverges past it)
 *   momentum, nesterov  λmax(H)        vs (2 + 2μ)/η              (heavy ball's threshold; 2/η also recorded)
 *   adam, adamax        λmax(P⁻¹H)     vs (2 + 2β₁)/((1 − β₁)η)    P = (1 − β₁ᵗ)·diag(√v̂ + ε)   (adamax: u + ε)
 *   rmsprop, adagrad    λmax(P⁻¹H)     vs 2/η                     P = diag(√E[g²] + ε), diag(√G + ε)
 *   adadelta            λmax(P⁻¹H)     vs 2/η                     P = diag(√(E[g²]+ε) / √(E[Δ²]+ε))
 *
 * P⁻¹H is similar to the symmetric P^{-1/2} H P^{-1/2}, whose top eigenvalue Lanczos finds; P is
 * the optimizer's state after the updates so far (none at step 0: no preconditioned value there).
 * Pure: the caller supplies the Hessian-vector product at the current θ.
 */
import { optionError } from '../errors.js';
import { lanczos } from '../curvature/lanczos.js';
import type { OptimizerState, ResolvedOptimizerConfig } from './optimizers.js';
import { preconditioner, stabilityRule, type StabilityRule } from './stability-threshold.js';

export { preconditioner, stabilityRule, type StabilityRule } from './stability-threshold.js';

/** When and how {@link SharpnessTracker} measures λmax during training: every how many steps, the Lanczos steps, the samples. */
export interface SharpnessOptions {
  /** Measure at step 0 and every `every` steps (≥ 1). */
  every: number;
  /** Lanczos steps (Hessian-vector products) per measurement; default 20. */
  iterations: number;
  /** Relative residual at which a measurement stops early; default 1e-3. */
  tol: number;
  /** Samples the Hessian is taken over when training is not full batch; default 1024. */
  samples: number;
  /** Seeds the evaluation subset and the first Lanczos start; default 0. */
  seed: number;
}

/** The sharpness tracker's defaults (Lanczos iterations, tolerance, samples, seed). */
export const SHARPNESS_DEFAULTS: Omit<SharpnessOptions, 'every'> = { iterations: 20, tol: 1e-3, samples: 1024, seed: 0 };

export function resolveSharpnessOptions(o: Partial<SharpnessOptions> & { every: number }): SharpnessOptions {
  const r = { ...SHARPNESS_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as SharpnessOptions;
  const int = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw optionError(field, `must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('trackSharpness', r.every, 1, 1e9);
  int('sharpnessIterations', r.iterations, 2, 1000);
  int('sharpnessSamples', r.samples, 1, 1e7);
  int('seed', r.seed, 0, 2 ** 32 - 1);
  if (!(r.tol > 0 && r.tol < 1)) throw optionError('sharpnessTol', `must lie in (0, 1), got ${r.tol}`);
  return r;
}

/** One Lanczos estimate of λmax of `matvec`: value, residual ‖Av − λv‖, its vector and cost (NaN and no vector when a product is non-finite). */
export interface TopEigen {
  value: number;
  residual: number;
  converged: boolean;
  matvecs: number;
  vector?: Float64Array;
}

class NonFiniteProduct extends Error {}

export async function topEigen(
  matvec: (v: Float64Array) => Promise<Float64Array>,
  dim: number,
  o: { iterations: number; tol: number; seed: number; start?: Float64Array },
): Promise<TopEigen> {
  let count = 0;
  const checked = async (v: Float64Array) => {
    count++;
    const w = await matvec(v);
    if (!w.every(Number.isFinite)) throw new NonFiniteProduct();
    return w;
  };
  try {
    const r = await lanczos(checked, dim, { which: 'largest', k: 1, maxIter: o.iterations, tol: o.tol, seed: o.seed, start: o.start, keepBasis: true });
    const i = r.wanted[0];
    return { value: r.ritzValues[i], residual: r.residuals[i], converged: r.converged, matvecs: r.matvecs, vector: r.ritzVectors![0] };
  } catch (err) {
    if (err instanceof NonFiniteProduct) return { value: NaN, residual: NaN, converged: false, matvecs: count };
    throw err;
  }
}

/** The sharpness columns written into history.json (one entry per measurement). */
export interface SharpnessHistory {
  definition: string;
  /** What the Hessian is taken over. */
  objective: { kind: 'full-batch' | 'subset'; samples: number; mode: string };
  options: SharpnessOptions;
  /** The stability rule of the run's optimizer. */
  rule: { kind: StabilityRule['kind']; formula: string };
  /** Updates taken before the measurement (0 = at initialisation). */
  step: number[];
  /** Learning rate of the next update (the schedule's, at that step). */
  lr: number[];
  lambdaMax: number[];
  residual: number[];
  converged: boolean[];
  matvecs: number[];
  /** 2/η at that step (plain GD's threshold, whatever the optimizer). */
  twoOverLr: number[];
  /** λmax(P⁻¹H) of adaptive optimizers (null at step 0); absent otherwise. */
  preconditioned?: { lambdaMax: (number | null)[]; residual: (number | null)[] };
  /** The optimizer's own threshold (the rule's formula) at that step. */
  threshold: number[];
}

/**
 * Measures and records; holds the warm-start vectors between measurements.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveOptimizerConfig, SharpnessTracker } from 'losslens/train';
 * import { diagonalOperator } from 'losslens/curvature';
 *
 * // a quadratic with λmax = 5: plain SGD is stable while lr < 2/λmax = 0.4
 * const op = diagonalOperator([5, 2, 1, 0.5]);
 * const tracker = new SharpnessTracker({ every: 10, iterations: 4, tol: 1e-8, samples: 0, seed: 0 }, resolveOptimizerConfig({ name: 'sgd', lr: 0.1 }), {
 *   kind: 'full-batch',
 *   samples: 4,
 *   mode: 'exact',
 * });
 * assert.equal(tracker.due(10), true);
 * await tracker.measure(0, 0.1, 4, async (v) => op.matvec(v));
 * assert.ok(Math.abs(tracker.history.lambdaMax[0] - 5) < 1e-8);
 * assert.equal(tracker.history.twoOverLr[0], 20);
 * ```
 */
export class SharpnessTracker {
  readonly history: SharpnessHistory;
  private readonly rule: StabilityRule;
  private start?: Float64Array;
  private startP?: Float64Array;

  constructor(
    readonly options: SharpnessOptions,
    private readonly optimizer: ResolvedOptimizerConfig,
    objective: SharpnessHistory['objective'],
  ) {
    this.rule = stabilityRule(optimizer);
    const pre = this.rule.kind === 'preconditioned';
    this.history = {
      definition:
        `λmax of the Hessian of the training loss at the current θ (${options.iterations} Lanczos steps at most, warm-started from the previous top eigenvector, stopped at relative residual ${options.tol})` +
        (pre ? "; λmax(P⁻¹H) is the preconditioned sharpness of Cohen et al. 2022, P the optimizer's diagonal preconditioner" : ''),
      objective,
      options,
      rule: { kind: this.rule.kind, formula: this.rule.formula },
      step: [],
      lr: [],
      lambdaMax: [],
      residual: [],
      converged: [],
      matvecs: [],
      twoOverLr: [],
      threshold: [],
      ...(pre ? { preconditioned: { lambdaMax: [], residual: [] } } : {}),
    };
  }

  due(step: number): boolean {
    return step % this.options.every === 0;
  }

  /** Measure at `step` (updates taken) with the Hessian-vector product `hvp` at the current θ. */
  async measure(step: number, lr: number, dim: number, hvp: (v: Float64Array) => Promise<Float64Array>, state?: OptimizerState): Promise<void> {
    const o = this.options,
      h = this.history;
    const top = await topEigen(hvp, dim, { ...o, start: this.start });
    this.start = top.vector ?? this.start;
    let matvecs = top.matvecs;
    h.step.push(step);
    h.lr.push(lr);
    h.lambdaMax.push(top.value);
    h.residual.push(top.residual);
    h.converged.push(top.converged);
    h.twoOverLr.push(2 / lr);
    h.threshold.push(this.rule.threshold(lr));
    if (h.preconditioned) {
      const P = state ? preconditioner(this.optimizer, state) : null;
      if (P) {
        const d = P.map((p) => 1 / Math.sqrt(p));
        const mv = async (v: Float64Array) => (await hvp(v.map((x, i) => x * d[i]))).map((x, i) => x * d[i]);
        const pre = await topEigen(mv, dim, { ...o, seed: o.seed + 1, start: this.startP });
        this.startP = pre.vector ?? this.startP;
        matvecs += pre.matvecs;
        h.preconditioned.lambdaMax.push(pre.value);
        h.preconditioned.residual.push(pre.residual);
      } else {
        h.preconditioned.lambdaMax.push(null);
        h.preconditioned.residual.push(null);
      }
    }
    h.matvecs.push(matvecs);
  }
}
