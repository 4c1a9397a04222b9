/**
 * First-order optimizers in plain JS over a flat Float32Array θ, with exact, documented update
 * rules and inspectable state (not tf.train: we test the formulas and serialise the state).
 * All state and arithmetic are Float64; θ is rounded to float32 when written back.
 * t counts the steps taken, starting at 1 on the first step; g is the gradient after clipping.
 *
 * Coupled L2 weight decay (λ = weightDecay): g ← g + λθ inside step(), before the rule below,
 * i.e. the gradient of L(θ) + (λ/2)‖θ‖² (PyTorch's `weight_decay`; NOT decoupled AdamW).
 *
 *   sgd       θ ← θ − η g
 *   momentum  v ← μ v − η g;  θ ← θ + v                      (heavy ball, η inside v as in Keras)
 *   nesterov  v ← μ v − η g;  θ ← θ + μ v − η g              (Sutskever et al. 2013 NAG, written in
 *             the look-ahead variable θ' = θ + μv as in Bengio et al. 2012 / Keras nesterov=True)
 *   adagrad   G ← G + g²;  θ ← θ − η g / (√G + ε)            (G₀ = 0)
 *   adadelta  E[g²] ← ρ E[g²] + (1−ρ) g²;  Δ = −(√(E[Δ²] + ε) / √(E[g²] + ε)) g;
 *             E[Δ²] ← ρ E[Δ²] + (1−ρ) Δ²;  θ ← θ + η Δ      (Zeiler 2012; η is a multiplier, 1 in the paper)
 *   rmsprop   E[g²] ← ρ E[g²] + (1−ρ) g²;  θ ← θ − η g / (√E[g²] + ε)
 *   adam      m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);
 *             θ ← θ − η m̂ / (√v̂ + ε)                        (Kingma & Ba 2015, Algorithm 1)
 *   adamax    m ← β₁ m + (1−β₁) g;  u ← max(β₂ u, |g|);  θ ← θ − η/(1−β₁ᵗ) · m/(u + ε)
 *
 * Adam runs in the native addon where it is built (native/optim.c: the same float64 operations in
 * the same order, no fused multiply-adds, so the same bits; ~10× faster than this JS loop, which
 * took ~1 ms of a LeNet training step's ~12); every other rule, and Adam without the addon, here.
 */
import { optionError } from '../errors.js';
import { loadNativeAddon } from '../kernels/native-addon.js';

/** The optimizers a run can use. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'adadelta', 'rmsprop', 'adam', 'adamax'] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** An optimizer and its hyperparameters (learning rate, momentum, β₁, β₂, ρ, ε, weight decay); unset ones take the optimizer's defaults. */
export interface OptimizerConfig {
  name: OptimizerName | string;
  /** Learning rate η (the schedule's base rate; step() receives the current one). Default 0.01 (adadelta: 1). */
  lr?: number;
  /** μ for momentum/nesterov. Default 0.9. */
  momentum?: number;
  /** Default 0.9 (adam, adamax). */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Decay of the squared-gradient average (rmsprop 0.9, adadelta 0.95). */
  rho?: number;
  /** Default 1e-7 (adadelta 1e-6). */
  epsilon?: number;
  /** Coupled L2 coefficient λ. Default 0. */
  weightDecay?: number;
}

/** {@link OptimizerConfig} with every default filled in. */
export type ResolvedOptimizerConfig = Required<OptimizerConfig> & { name: OptimizerName };

/** JSON-ready optimizer state: the step count and each state vector as a plain number array. */
export interface OptimizerState {
  name: OptimizerName;
  t: number;
  slots: Record<string, number[]>;
}

/** An optimizer over the flat θ: `step()` updates θ in place from a gradient, and its state can be saved and restored. */
export interface Optimizer {
  readonly config: ResolvedOptimizerConfig;
  /** Where step() runs: the native addon (Adam, where built) or JS. The values are the same. */
  readonly kernel: 'native' | 'js';
  /** One update of θ in place with gradient g (g is not modified) at learning rate lr. */
  step(theta: Float32Array, grad: Float32Array, lr: number): void;
  state(): OptimizerState;
  /** Continue from a saved state (same name and dimension). */
  restore(state: OptimizerState): void;
}

const SLOTS: Record<OptimizerName, string[]> = {
  sgd: [],
  momentum: ['v'],
  nesterov: ['v'],
  adagrad: ['G'],
  adadelta: ['Eg2', 'Edx2'],
  rmsprop: ['Eg2'],
  adam: ['m', 'v'],
  adamax: ['m', 'u'],
};

/**
 * An optimizer config with its defaults filled in (Keras's), each field checked and refused naming it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveOptimizerConfig } from 'losslens/train';
 *
 * const adam = resolveOptimizerConfig({ name: 'Adam' });
 * assert.deepEqual([adam.name, adam.lr, adam.beta1, adam.beta2, adam.epsilon], ['adam', 0.01, 0.9, 0.999, 1e-7]); // β₁, β₂, ε: Keras's
 * assert.throws(() => resolveOptimizerConfig({ name: 'lbfgs' }), /option optimizer: unknown optimizer "lbfgs"/);
 * ```
 */
export function resolveOptimizerConfig(c: OptimizerConfig): ResolvedOptimizerConfig {
  const name = String(c.name).toLowerCase() as OptimizerName;
  if (!OPTIMIZER_NAMES.includes(name)) throw optionError('optimizer', `unknown optimizer "${c.name}"; valid: ${OPTIMIZER_NAMES.join(', ')}`);
  const r: ResolvedOptimizerConfig = {
    name,
    lr: c.lr ?? (name === 'adadelta' ? 1 : 0.01),
    momentum: c.momentum ?? 0.9,
    beta1: c.beta1 ?? 0.9,
    beta2: c.beta2 ?? 0.999,
    rho: c.rho ?? (name === 'adadelta' ? 0.95 : 0.9),
    epsilon: c.epsilon ?? (name === 'adadelta' ? 1e-6 : 1e-7),
    weightDecay: c.weightDecay ?? 0,
  };
  const check = (field: string, ok: boolean, want: string, v: number) => {
    if (!ok) throw optionError(field, `must be ${want}, got ${v}`);
  };
  check('lr', r.lr > 0 && Number.isFinite(r.lr), '> 0', r.lr);
  check('momentum', r.momentum >= 0 && r.momentum < 1, 'in [0, 1)', r.momentum);
  check('beta1', r.beta1 >= 0 && r.beta1 < 1, 'in [0, 1)', r.beta1);
  check('beta2', r.beta2 >= 0 && r.beta2 < 1, 'in [0, 1)', r.beta2);
  check('rho', r.rho >= 0 && r.rho < 1, 'in [0, 1)', r.rho);
  check('epsilon', r.epsilon >= 0 && Number.isFinite(r.epsilon), '≥ 0', r.epsilon);
  check('weightDecay', r.weightDecay >= 0 && Number.isFinite(r.weightDecay), '≥ 0', r.weightDecay);
  return r;
}

/**
 * options.native false: the JS rule even where the addon would run it (tests comparing the two).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { createOptimizer } from 'losslens/train';
 *
 * // plain SGD: θ ← θ − η·g, in place
 * const sgd = createOptimizer({ name: 'sgd', lr: 0.1 }, 2);
 * const theta = Float32Array.of(1, 1);
 * sgd.step(theta, Float32Array.of(2, -4), 0.1);
 * assert.deepEqual([...theta], [Math.fround(0.8), Math.fround(1.4)]);
 * // Adam's first step moves each coordinate by η·sign(g), whatever g's size (bias-corrected m̂/√v̂ = ±1)
 * const adam = createOptimizer({ name: 'adam', lr: 0.01 }, 2);
 * const t2 = Float32Array.of(0, 0);
 * adam.step(t2, Float32Array.of(1e-3, -50), 0.01);
 * assert.ok(Math.abs(t2[0] + 0.01) < 1e-6 && Math.abs(t2[1] - 0.01) < 1e-6);
 * ```
 */
export function createOptimizer(config: OptimizerConfig, dim: number, options: { native?: boolean } = {}): Optimizer {
  const c = resolveOptimizerConfig(config);
  const slots: Record<string, Float64Array> = Object.fromEntries(SLOTS[c.name].map((s) => [s, new Float64Array(dim)]));
  let t = 0;
  const rule = RULES[c.name];
  const addon = c.name === 'adam' && options.native !== false ? loadNativeAddon().addon : undefined;
  const g = addon ? new Float64Array(0) : new Float64Array(dim);
  const k = new Float64Array(9);
  return {
    config: c,
    kernel: addon ? 'native' : 'js',
    step(theta, grad, lr) {
      if (theta.length !== dim || grad.length !== dim) throw optionError('theta', `length ${theta.length}/${grad.length} ≠ optimizer dimension ${dim}`);
      t++;
      if (addon) {
        const { beta1: b1, beta2: b2 } = c; // the JS rule's invariants, computed as it computes them
        k.set([lr, b1, b2, 1 - b1, 1 - b2, 1 - b1 ** t, 1 - b2 ** t, c.epsilon, c.weightDecay]);
        addon.adam(theta, grad, slots.m!, slots.v!, k);
        return;
      }
      const wd = c.weightDecay;
      if (wd === 0) g.set(grad);
      else for (let i = 0; i < dim; i++) g[i] = grad[i] + wd * theta[i];
      rule(theta, g, { lr, t, c, s: slots });
    },
    state: () => ({ name: c.name, t, slots: Object.fromEntries(Object.entries(slots).map(([k, v]) => [k, Array.from(v)])) }),
    restore(st) {
      if (st.name !== c.name) throw optionError('optimizer state', `saved for ${st.name}, not ${c.name}`);
      for (const s of SLOTS[c.name]) {
        if (st.slots[s]?.length !== dim) throw optionError('optimizer state', `slot ${s} has length ${st.slots[s]?.length}, want ${dim}`);
        slots[s].set(st.slots[s]);
      }
      t = st.t;
    },
  };
}

interface StepCtx {
  lr: number;
  t: number;
  c: ResolvedOptimizerConfig;
  s: Record<string, Float64Array>;
}
/** One update of θ in place from the decayed gradient g (Float64), updating the state slots. */
type Rule = (theta: Float32Array, g: Float64Array, k: StepCtx) => void;

const RULES: Record<OptimizerName, Rule> = {
  sgd: (th, g, { lr }) => {
    for (let i = 0; i < th.length; i++) th[i] -= lr * g[i];
  },
  momentum: (th, g, { lr, c, s: { v } }) => {
    for (let i = 0; i < th.length; i++) {
      v[i] = c.momentum * v[i] - lr * g[i];
      th[i] += v[i];
    }
  },
  nesterov: (th, g, { lr, c, s: { v } }) => {
    for (let i = 0; i < th.length; i++) {
      v[i] = c.momentum * v[i] - lr * g[i];
      th[i] += c.momentum * v[i] - lr * g[i];
    }
  },
  adagrad: (th, g, { lr, c, s: { G } }) => {
    for (let i = 0; i < th.length; i++) {
      G[i] += g[i] * g[i];
      th[i] -= (lr * g[i]) / (Math.sqrt(G[i]) + c.epsilon);
    }
  },
  adadelta: (th, g, { lr, c, s: { Eg2, Edx2 } }) => {
    const { rho, epsilon: eps } = c;
    for (let i = 0; i < th.length; i++) {
      Eg2[i] = rho * Eg2[i] + (1 - rho) * g[i] * g[i];
      const dx = -(Math.sqrt(Edx2[i] + eps) / Math.sqrt(Eg2[i] + eps)) * g[i];
      Edx2[i] = rho * Edx2[i] + (1 - rho) * dx * dx;
      th[i] += lr * dx;
    }
  },
  rmsprop: (th, g, { lr, c, s: { Eg2 } }) => {
    for (let i = 0; i < th.length; i++) {
      Eg2[i] = c.rho * Eg2[i] + (1 - c.rho) * g[i] * g[i];
      th[i] -= (lr * g[i]) / (Math.sqrt(Eg2[i]) + c.epsilon);
    }
  },
  adam: (th, g, { lr, t, c, s: { m, v } }) => {
    const { beta1: b1, beta2: b2, epsilon: eps } = c;
    const bc1 = 1 - b1 ** t,
      bc2 = 1 - b2 ** t,
      o1 = 1 - b1,
      o2 = 1 - b2; // invariants out of the loop: the same operations
    for (let i = 0; i < th.length; i++) {
      const gi = g[i],
        mi = b1 * m[i] + o1 * gi,
        vi = b2 * v[i] + o2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      th[i] -= (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
    }
  },
  adamax: (th, g, { lr, t, c, s: { m, u } }) => {
    const { beta1: b1, beta2: b2, epsilon: eps } = c;
    const step = lr / (1 - b1 ** t);
    for (let i = 0; i < th.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
      th[i] -= step * (m[i] / (u[i] + eps));
    }
  },
};
