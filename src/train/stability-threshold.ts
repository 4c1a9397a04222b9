/**
 * Which sharpness governs an optimizer's stability, its threshold at rate η, and the diagonal
 * preconditioner P of an adaptive optimizer's state (the table in sharpness-tracker.ts):
 * GD's 2/η, heavy ball's (2 + 2μ)/η, Adam's (2 + 2β₁)/((1 − β₁)η) on λmax(P⁻¹H) (Cohen et al. 2022).
 */
import type { OptimizerState, ResolvedOptimizerConfig } from './optimizers.js';

/** Which sharpness an optimizer's stability is governed by, and its threshold at rate η. */
export interface StabilityRule {
  kind: 'hessian' | 'preconditioned';
  /** The threshold as a formula, e.g. "(2 + 2β₁)/((1 − β₁)η)". */
  formula: string;
  threshold: (lr: number) => number;
}

export function stabilityRule(c: ResolvedOptimizerConfig): StabilityRule {
  switch (c.name) {
    case 'sgd':
      return { kind: 'hessian', formula: '2/η', threshold: (lr) => 2 / lr };
    case 'momentum':
    case 'nesterov':
      return { kind: 'hessian', formula: `(2 + 2μ)/η, μ = ${c.momentum}`, threshold: (lr) => (2 + 2 * c.momentum) / lr };
    case 'adam':
    case 'adamax':
      return { kind: 'preconditioned', formula: `(2 + 2β₁)/((1 − β₁)η), β₁ = ${c.beta1}`, threshold: (lr) => (2 + 2 * c.beta1) / ((1 - c.beta1) * lr) };
    default:
      return { kind: 'preconditioned', formula: '2/η', threshold: (lr) => 2 / lr };
  }
}

/** The diagonal preconditioner P of an adaptive optimizer's state (null for sgd/momentum, or before the first step). */
export function preconditioner(c: ResolvedOptimizerConfig, s: OptimizerState): Float64Array | null {
  if (s.t === 0) return null;
  const eps = c.epsilon;
  const map = (a: number[], f: (x: number, i: number) => number) => Float64Array.from(a, f);
  switch (c.name) {
    case 'adam': {
      const bc1 = 1 - c.beta1 ** s.t,
        bc2 = 1 - c.beta2 ** s.t;
      return map(s.slots.v, (v) => bc1 * (Math.sqrt(v / bc2) + eps));
    }
    case 'adamax':
      return map(s.slots.u, (u) => (1 - c.beta1 ** s.t) * (u + eps));
    case 'rmsprop':
      return map(s.slots.Eg2, (v) => Math.sqrt(v) + eps);
    case 'adagrad':
      return map(s.slots.G, (v) => Math.sqrt(v) + eps);
    case 'adadelta':
      return map(s.slots.Eg2, (v, i) => Math.sqrt(v + eps) / Math.sqrt(s.slots.Edx2[i] + eps));
    default:
      return null;
  }
}
