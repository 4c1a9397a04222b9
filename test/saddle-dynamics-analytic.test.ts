/**
 * Saddle dynamics on f(x, y) = x² − y² + y⁴/4: a saddle at 0 (H = diag(2, −2), index 1) and minima
 * at (0, ±√2) (H = diag(2, 4), f = −1). Ground truths by analysis: Newton from near the saddle
 * converges to it; saddle-free Newton escapes to a minimum; gradient descent escapes after a plateau
 * whose length grows like log(1/ε) (y_{t+1} ≈ (1 + 2·lr)·y_t near 0); the SFN step with a full
 * Krylov space is the closed form −|H|⁻¹g.
 */
import { describe, expect, it } from 'vitest';
import { runDynamics, type DynamicsProblem } from '../src/saddles/dynamics-run.js';
import { saddleIndexProbe } from '../src/saddles/dynamics-index.js';
import { krylovModel, krylovStep } from '../src/saddles/sfn-krylov.js';
import { parseMethods, resolveDynamicsOptions } from '../src/saddles/dynamics-options.js';

const f = (x: number, y: number) => x * x - y * y + y ** 4 / 4;
const quartic: DynamicsProblem = {
  dim: 2,
  loss: async (t) => f(t[0], t[1]),
  lossGrad: async (t) => ({ loss: f(t[0], t[1]), grad: Float64Array.of(2 * t[0], -2 * t[1] + t[1] ** 3) }),
  hvp: async (t, v) => Float64Array.of(2 * v[0], (-2 + 3 * t[1] ** 2) * v[1]),
};
const probe = saddleIndexProbe(quartic, { taus: [1e-3], method: 'dense' });
const start = (eps: number) => Float64Array.of(0.5, eps);
const base = { steps: 40, krylovDim: 2, indexEvery: 5, maxStep: 1 };
const lastIndex = (r: Awaited<ReturnType<typeof runDynamics>>) => r.records.at(-1)!.index!.thresholds[0].count;

describe('saddle dynamics on x² − y² + y⁴/4', () => {
  it('Newton from near the saddle converges to it: index 1 at the end, loss 0, ‖g‖ → 0', async () => {
    const r = await runDynamics(quartic, 'newton', start(1e-2), base, probe);
    expect(Math.abs(r.theta[0])).toBeLessThan(1e-10);
    expect(Math.abs(r.theta[1])).toBeLessThan(1e-10);
    expect(lastIndex(r)).toEqual({ lo: 1, hi: 1 });
    expect(r.records.at(-1)!.gradNorm).toBeLessThan(1e-9);
    expect(r.hvps.steps).toBeGreaterThan(0);
  });

  it.each([
    ['the damping search', undefined],
    ['no damping', [0]],
  ])('saddle-free Newton (%s) escapes to a minimum (0, ±√2): index 0, loss −1', async (_, sfnDampings) => {
    const r = await runDynamics(quartic, 'sfn', start(1e-2), { ...base, sfnDampings }, probe);
    expect(Math.abs(r.theta[1])).toBeCloseTo(Math.SQRT2, 6);
    expect(r.records.at(-1)!.loss).toBeCloseTo(-1, 8);
    expect(lastIndex(r)).toEqual({ lo: 0, hi: 0 });
    expect(r.records[0].index!.thresholds[0].count).toEqual({ lo: 1, hi: 1 });
  });

  it('the SFN step with a full Krylov space equals −|H|⁻¹g and Newton −H⁻¹g (closed forms on a rotated saddle)', async () => {
    // H = R diag(3, −0.5, 1) Rᵀ with a rotation R: |H| = R diag(3, 0.5, 1) Rᵀ.
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    const R = [
      [c, -s, 0],
      [s * 0.6, c * 0.6, 0.8],
      [-s * 0.8, -c * 0.8, 0.6],
    ];
    const mat = (d: number[]) => R.map((ri) => R.map((rj) => ri.reduce((a, _, k) => a + ri[k] * d[k] * rj[k], 0)));
    const H = mat([3, -0.5, 1]);
    const absHinv = mat([1 / 3, 1 / 0.5, 1]);
    const Hinv = mat([1 / 3, -1 / 0.5, 1]);
    const g = Float64Array.of(0.3, -1.1, 0.7);
    const m = await krylovModel((v) => Float64Array.from(H.map((row) => row.reduce((a, h, k) => a + h * v[k], 0))), g, 3);
    const want = (M: number[][]) => M.map((row) => -row.reduce((a, h, k) => a + h * g[k], 0));
    krylovStep(m, 'saddle-free', 0).forEach((v, i) => expect(v).toBeCloseTo(want(absHinv)[i], 12));
    krylovStep(m, 'newton', 0).forEach((v, i) => expect(v).toBeCloseTo(want(Hinv)[i], 12));
    // with damping δ: −(|H| + δ)⁻¹g and −(H + δ)⁻¹g
    const d = 0.3;
    krylovStep(m, 'saddle-free', d).forEach((v, i) => expect(v).toBeCloseTo(want(mat([1 / 3.3, 1 / 0.8, 1 / 1.3]))[i], 12));
    krylovStep(m, 'newton', d).forEach((v, i) => expect(v).toBeCloseTo(want(mat([1 / 3.3, -1 / 0.2, 1 / 1.3]))[i], 12));
    // the negative-curvature direction is followed with the opposite sign by the two rules
    const u = R.map((r) => r[1]);
    const along = (x: Float64Array) => x.reduce((a, v, i) => a + v * u[i], 0);
    expect(Math.sign(along(krylovStep(m, 'saddle-free', 0)))).toBe(-Math.sign(along(krylovStep(m, 'newton', 0))));
  });

  it("sfn's damping search takes the candidate of least loss, one loss per candidate", async () => {
    const one = (sfnDampings: number[]) => runDynamics(quartic, 'sfn', start(1e-2), { steps: 1, krylovDim: 2, sfnDampings });
    const [both, undamped, heavy] = [await one([1e6, 0]), await one([0]), await one([1e6])];
    expect(Array.from(both.theta)).toEqual(Array.from(undamped.theta));
    expect(both.lossEvals).toBe(2);
    expect(f(heavy.theta[0], heavy.theta[1])).toBeGreaterThan(f(both.theta[0], both.theta[1]));
  });

  it('gradient descent plateaus for ≈ log(1/ε)/log(1 + 2·lr) steps before it escapes', async () => {
    const lr = 0.05;
    const escape = async (eps: number) => {
      const r = await runDynamics(quartic, 'gd', start(eps), { steps: 400, lr, indexEvery: 1000 });
      return r.records.findIndex((q) => q.loss < -0.5);
    };
    const [a, b] = [await escape(1e-3), await escape(1e-6)];
    const predicted = Math.log(1e3) / Math.log(1 + 2 * lr);
    expect(b - a).toBeGreaterThan(predicted - 2);
    expect(b - a).toBeLessThan(predicted + 2);
    expect(a).toBeGreaterThan(40); // a plateau, not an immediate descent
  });

  it('momentum escapes too, in fewer steps than gd at the same lr', async () => {
    const esc = async (m: 'gd' | 'momentum') =>
      (await runDynamics(quartic, m, start(1e-6), { steps: 600, lr: 0.05, momentum: 0.9, indexEvery: 1000 })).records.findIndex((q) => q.loss < -0.5);
    const [gd, mom] = [await esc('gd'), await esc('momentum')];
    expect(mom).toBeGreaterThan(0);
    expect(mom).toBeLessThan(gd);
  });

  it('refuses bad options with the field named', () => {
    expect(() => resolveDynamicsOptions({ krylovDim: 0 })).toThrow(/krylovDim/);
    expect(() => resolveDynamicsOptions({ momentum: 1 })).toThrow(/momentum/);
    expect(() => parseMethods('gd,adam')).toThrow(/unknown method "adam"/);
    expect(() => parseMethods('gd,gd')).toThrow(/at most once/);
    // a wider options object (a pipeline's) contributes only the dynamics' fields
    expect(Object.keys(resolveDynamicsOptions({ steps: 5, model: 'm.json' } as never)).sort()).toEqual(
      ['indexEvery', 'krylovDim', 'lr', 'maxStep', 'momentum', 'newtonDamping', 'sfnDampings', 'steps'].sort(),
    );
  });
});
