/**
 * Each optimizer's first steps on the quadratic f(θ) = ½ Σ aᵢθᵢ² (g = a ⊙ θ) equal an
 * independent Float64 re-derivation of its textbook formula, and step 1 equals a value worked
 * out by hand. Plus coupled L2 decay, state round-trip and the unknown-name error.
 */
import { describe, it, expect } from 'vitest';
import { createOptimizer, OPTIMIZER_NAMES, type OptimizerConfig } from '../src/train/optimizers.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';

const a = [1, 4, 0.25];
const theta0 = [1, -2, 0.5];
const grad = (th: number[]) => th.map((t, i) => a[i] * t);

/** Reference update rules, written from the papers' formulas in vector form (Float64). */
function reference(c: Required<Omit<OptimizerConfig, 'name'>> & { name: string }, steps: number): number[][] {
  const d = theta0.length;
  let th = theta0.slice();
  const z = () => new Array(d).fill(0);
  let m = z(),
    v = z(),
    u = z(),
    G = z(),
    Edx = z();
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = grad(th).map((gi, i) => gi + c.weightDecay * th[i]);
    const { lr: η, momentum: μ, beta1: b1, beta2: b2, rho: ρ, epsilon: ε } = c;
    switch (c.name) {
      case 'sgd':
        th = th.map((x, i) => x - η * g[i]);
        break;
      case 'momentum':
        v = v.map((vi, i) => μ * vi - η * g[i]);
        th = th.map((x, i) => x + v[i]);
        break;
      case 'nesterov':
        v = v.map((vi, i) => μ * vi - η * g[i]);
        th = th.map((x, i) => x + μ * v[i] - η * g[i]);
        break;
      case 'adagrad':
        G = G.map((Gi, i) => Gi + g[i] ** 2);
        th = th.map((x, i) => x - (η * g[i]) / (Math.sqrt(G[i]) + ε));
        break;
      case 'rmsprop':
        v = v.map((vi, i) => ρ * vi + (1 - ρ) * g[i] ** 2);
        th = th.map((x, i) => x - (η * g[i]) / (Math.sqrt(v[i]) + ε));
        break;
      case 'adadelta': {
        v = v.map((vi, i) => ρ * vi + (1 - ρ) * g[i] ** 2);
        const dx = g.map((gi, i) => -(Math.sqrt(Edx[i] + ε) / Math.sqrt(v[i] + ε)) * gi);
        Edx = Edx.map((e, i) => ρ * e + (1 - ρ) * dx[i] ** 2);
        th = th.map((x, i) => x + η * dx[i]);
        break;
      }
      case 'adam': {
        m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
        v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] ** 2);
        th = th.map((x, i) => x - (η * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + ε));
        break;
      }
      case 'adamax': {
        m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
        u = u.map((ui, i) => Math.max(b2 * ui, Math.abs(g[i])));
        th = th.map((x, i) => x - (η / (1 - b1 ** t)) * (m[i] / (u[i] + ε)));
        break;
      }
    }
    out.push(th.slice());
  }
  return out;
}

function run(cfg: OptimizerConfig, steps: number): number[][] {
  const opt = createOptimizer(cfg, theta0.length);
  const th = Float32Array.from(theta0);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    opt.step(th, Float32Array.from(grad(Array.from(th)).map(Number)), cfg.lr!);
    out.push(Array.from(th));
  }
  return out;
}

const HYPER = { lr: 0.1, momentum: 0.8, beta1: 0.9, beta2: 0.99, rho: 0.9, epsilon: 1e-6, weightDecay: 0 };

describe('optimizers on a quadratic', () => {
  it.each(OPTIMIZER_NAMES.map((n) => [n]))('%s: first 3 steps equal the formula (Float64 reference)', (name) => {
    for (const wd of [0, 0.3]) {
      const c = { ...HYPER, name, weightDecay: wd };
      const got = run(c, 3);
      const want = reference(c, 3);
      for (let t = 0; t < 3; t++) for (let i = 0; i < 3; i++) expect(got[t][i]).toBeCloseTo(want[t][i], 5);
    }
  });

  it('step 1 by hand: sgd, momentum, nesterov, adagrad, adam bias correction, adamax', () => {
    // g₀ = a ⊙ θ₀ = [1, −8, 0.125]
    expect(run({ ...HYPER, name: 'sgd' }, 1)[0]).toEqual([0.9, -1.2, 0.4875].map(Math.fround));
    // v₁ = −ηg; θ₁ = θ₀ + v₁ → same as SGD on step 1; step 2 differs by μv₁
    expect(run({ ...HYPER, name: 'momentum' }, 1)[0][1]).toBeCloseTo(-1.2, 6);
    // nesterov: θ₁ = θ₀ + μ(−ηg) − ηg = θ₀ − η(1+μ)g
    expect(run({ ...HYPER, name: 'nesterov' }, 1)[0][0]).toBeCloseTo(1 - 0.1 * 1.8 * 1, 6);
    // adagrad: G = g², θ₁ = θ₀ − η g/(|g|+ε) ≈ θ₀ − η sign(g)
    expect(run({ ...HYPER, name: 'adagrad' }, 1)[0][1]).toBeCloseTo(-2 + (0.1 * 8) / (8 + 1e-6), 6);
    // adam: m̂₁ = g, v̂₁ = g² exactly after bias correction → θ₁ = θ₀ − η g/(|g|+ε)
    const adam = run({ ...HYPER, name: 'adam' }, 1)[0];
    expect(adam[0]).toBeCloseTo(1 - 0.1 / (1 + 1e-6), 6);
    expect(adam[2]).toBeCloseTo(0.5 - (0.1 * 0.125) / (0.125 + 1e-6), 6);
    // adamax: m₁ = (1−β₁)g, u₁ = |g|, θ₁ = θ₀ − η/(1−β₁)·(1−β₁)g/(|g|+ε)
    expect(run({ ...HYPER, name: 'adamax' }, 1)[0][1]).toBeCloseTo(-2 + (0.1 * 8) / (8 + 1e-6), 6);
  });

  it('adam without bias correction would differ: the correction matters at t = 1', () => {
    // β₂ = 0.999: raw m₁/√v₁ = 0.1g/(√0.001|g|) ≈ 3.16·sign(g); corrected m̂/√v̂ = sign(g)
    const uncorrected = 1 - (0.1 * 0.1) / (Math.sqrt(0.001) + 1e-6);
    const got = run({ ...HYPER, beta2: 0.999, name: 'adam' }, 1)[0][0];
    expect(got).toBeCloseTo(1 - 0.1 / (1 + 1e-6), 6);
    expect(got).not.toBeCloseTo(uncorrected, 2);
  });

  it('adam on 10 000 float32 parameters equals Algorithm 1 written out per element, bit for bit over 5 steps', () => {
    // the update loop keeps the formula's operations in their order (invariants hoisted only): the
    // float64 moments must be equal to the bit (a reassociated (1−β₂)·g·g differs in the last bits)
    const n = 10_000,
      b1 = 0.9,
      b2 = 0.999,
      eps = 1e-7,
      lr = 3e-3;
    const th = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const want = th.slice(),
      m = new Float64Array(n),
      v = new Float64Array(n);
    const opt = createOptimizer({ name: 'adam', lr, beta1: b1, beta2: b2, epsilon: eps }, n);
    for (let t = 1; t <= 5; t++) {
      const g = Float32Array.from(th, (x, i) => x * Math.cos(i) + 1e-3 * t);
      const gw = Float32Array.from(want, (x, i) => x * Math.cos(i) + 1e-3 * t);
      opt.step(th, g, lr);
      for (let i = 0; i < n; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * gw[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * gw[i]! * gw[i]!;
        want[i] = want[i]! - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps);
      }
    }
    expect(Array.from(th)).toEqual(Array.from(want));
    const { slots } = opt.state();
    expect(slots.m!.every((x, i) => Object.is(x, m[i]))).toBe(true);
    expect(slots.v!.every((x, i) => Object.is(x, v[i]))).toBe(true);
  });

  it.skipIf(!loadNativeAddon().addon)('native Adam (native/optim.c) equals the JS rule bit for bit: θ, m and v, with and without decay', () => {
    // 100 003 parameters: the threaded blocks and a ragged tail; gradients of every magnitude, zeros,
    // subnormals, ±∞ and NaN; the learning rate changing every step as a schedule changes it
    const n = 100_003;
    const special = [0, -0, 1e-42, -3e-39, 1e30, -1e30, Infinity, -Infinity, NaN, 1e-20];
    for (const weightDecay of [0, 0.01]) {
      const cfg = { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay };
      const native = createOptimizer(cfg, n),
        js = createOptimizer(cfg, n, { native: false });
      expect([native.kernel, js.kernel]).toEqual(['native', 'js']);
      const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 3),
        b = a.slice();
      for (let t = 1; t <= 7; t++) {
        const g = Float32Array.from(a, (x, i) => (i % 997 < special.length ? special[i % 997]! : x * Math.cos(i * t) * 10 ** ((i % 13) - 6)));
        const lr = 1e-3 * (1 + 0.5 * Math.sin(t));
        native.step(a, g, lr);
        js.step(b, g, lr);
      }
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      const [sn, sj] = [native.state(), js.state()];
      for (const slot of ['m', 'v']) expect(sn.slots[slot]!.every((x, i) => Object.is(x, sj.slots[slot]![i]))).toBe(true);
      expect(sn.t).toBe(7);
      expect(a.some(Number.isNaN)).toBe(true); // the NaN gradients reached θ, as they do in JS
    }
    expect(createOptimizer({ name: 'sgd' }, 3).kernel).toBe('js');
  });

  it('state() round-trips through JSON and restore() continues identically', () => {
    const opt = createOptimizer({ ...HYPER, name: 'adam' }, 3);
    const th = Float32Array.from(theta0);
    opt.step(th, Float32Array.from(grad(Array.from(th))), 0.1);
    const saved = JSON.parse(JSON.stringify(opt.state()));
    const twin = createOptimizer({ ...HYPER, name: 'adam' }, 3);
    twin.restore(saved);
    const th2 = th.slice();
    opt.step(th, Float32Array.from(grad(Array.from(th))), 0.1);
    twin.step(th2, Float32Array.from(grad(Array.from(th2))), 0.1);
    expect(Array.from(th2)).toEqual(Array.from(th));
    expect(saved.t).toBe(1);
  });

  it('an unknown optimizer names the valid ones', () => {
    expect(() => createOptimizer({ name: 'lbfgs' }, 3)).toThrow(/optimizer.*valid: sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, adamax/);
    expect(() => createOptimizer({ name: 'adam', beta1: 1 }, 3)).toThrow(/beta1/);
  });
});
