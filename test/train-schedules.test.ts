/** Learning-rate schedules give their documented rates; clipping bounds the norm. */
import { describe, it, expect } from 'vitest';
import { createSchedule } from '../src/train/schedules.js';
import { clipByGlobalNorm, clipByValue, globalNorm } from '../src/train/clipping.js';
import fc from 'fast-check';
import { createRng } from '../src/random.js';

describe('learning-rate schedules', () => {
  it('constant', () => {
    const s = createSchedule(0.1);
    expect([0, 5, 99].map((e) => s.lr(e, e * 10))).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: η₀·γ^⌊epoch/k⌋', () => {
    const s = createSchedule(0.1, { name: 'step', decayRate: 0.5, decaySteps: 3 });
    expect([0, 2, 3, 5, 6, 9].map((e) => s.lr(e, 0))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });

  it('exponential: η₀·γ^epoch, or per step with unit step', () => {
    const s = createSchedule(1, { name: 'exponential', decayRate: 0.9 });
    expect(s.lr(3, 0)).toBeCloseTo(0.729, 12);
    const perStep = createSchedule(1, { name: 'exponential', decayRate: 0.5, decaySteps: 100, unit: 'step' });
    expect(perStep.lr(0, 50)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('inverse-time: η₀/(1 + γ·t/k)', () => {
    const s = createSchedule(0.2, { name: 'inverse-time', decayRate: 0.5 });
    expect([0, 1, 2, 10].map((e) => s.lr(e, 0))).toEqual([0.2, 0.2 / 1.5, 0.1, 0.2 / 6]);
  });

  it('plateau: drops by γ after `patience` epochs without improvement, floors at minLr', () => {
    const s = createSchedule(1, { name: 'plateau', decayRate: 0.1, patience: 2, minLr: 0.005 });
    const lrs: number[] = [];
    for (const loss of [1, 0.9, 0.9, 0.95, /* drop */ 0.8, 0.85, 0.81, /* drop */ 0.9, 0.9, /* drop, floor */ 0.9, 0.9]) {
      s.endEpoch(loss);
      lrs.push(s.lr(0, 0));
    }
    [1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.005, 0.005, 0.005].forEach((want, i) => expect(lrs[i]).toBeCloseTo(want, 12));
  });

  it('bad schedule names and rates are option errors', () => {
    expect(() => createSchedule(1, { name: 'cosine' })).toThrow(/option schedule:.*valid: constant, step, exponential, inverse-time, plateau/);
    expect(() => createSchedule(1, { name: 'step', decayRate: 2 })).toThrow(/option decayRate:/);
  });
});

describe('gradient clipping', () => {
  const g0 = () => {
    const r = createRng(5);
    return Float32Array.from({ length: 50 }, () => 10 * r.normal());
  };

  it('by global norm: ‖g‖ ≤ c afterwards, direction unchanged, returns the norm before', () => {
    const g = g0();
    const before = globalNorm(g);
    const reported = clipByGlobalNorm(g, 1.5);
    expect(reported).toBeCloseTo(before, 4);
    expect(globalNorm(g)).toBeLessThanOrEqual(1.5 * (1 + 1e-6));
    expect(globalNorm(g)).toBeCloseTo(1.5, 5);
    const orig = g0();
    let dot = 0;
    for (let i = 0; i < g.length; i++) dot += g[i] * orig[i];
    expect(dot / (globalNorm(g) * before)).toBeCloseTo(1, 6);
  });

  it('the global norm equals an exact sum of squares for every length mod 4 (four partial sums and the tail)', () => {
    // reference: Neumaier's compensated sum of the (exact, float32·float32) squares, good to ~1 ulp;
    // a plain float64 sum errs by up to ~√n ulp, hence the bound
    const exact = (g: Float32Array) => {
      let s = 0,
        c = 0;
      for (const x of g) {
        const y = x * x,
          t = s + y;
        c += Math.abs(s) >= Math.abs(y) ? s - t + y : y - t + s;
        s = t;
      }
      return Math.sqrt(s + c);
    };
    for (const n of [0, 1, 2, 3, 4, 5, 7, 1001, 117_066]) {
      const r = createRng(n + 1);
      const g = Float32Array.from({ length: n }, () => r.normal() * 10 ** r.normal());
      g[n - 1] = n ? 7 : 0; // a tail element that matters
      expect(Math.abs(globalNorm(g) - exact(g))).toBeLessThanOrEqual(4e-16 * Math.sqrt(n) * exact(g) + 1e-300);
    }
  });

  it('by global norm leaves a small gradient untouched', () => {
    const g = Float32Array.from([0.3, -0.4]);
    clipByGlobalNorm(g, 1);
    expect(Array.from(g)).toEqual([0.3, -0.4].map(Math.fround));
  });

  it('by value: every component in [−c, c], the others untouched', () => {
    const g = Float32Array.from([-3, -0.5, 0, 0.7, 2]);
    expect(clipByValue(g, 1)).toBe(2);
    expect(Array.from(g)).toEqual([-1, -0.5, 0, 0.7, 1].map(Math.fround));
  });

  it('property: for any gradient and bound, ‖clip(g)‖ ≤ c and the direction is kept', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (xs, c) => {
          const g = Float32Array.from(xs);
          const orig = g.slice();
          const n0 = clipByGlobalNorm(g, c);
          expect(globalNorm(g)).toBeLessThanOrEqual(c * (1 + 1e-6));
          if (n0 > 0) {
            let dot = 0;
            for (let i = 0; i < g.length; i++) dot += g[i] * orig[i];
            expect(dot / (globalNorm(g) * n0)).toBeCloseTo(1, 5);
          }
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });
});
