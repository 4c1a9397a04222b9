/** The pure parts of `saddles`: the correlation and its p-value, the finding, the start layout, the 10×10 area resize. */
import { describe, expect, it } from 'vitest';
import { saddlesSummary, spearmanTest, indexLossFinding } from '../src/saddles/analysis.js';
import { startOf } from '../src/pipelines/saddles.js';
import { areaResize } from '../src/saddles/area-resize.js';
import { averagePool } from '../src/double-descent/downsample.js';
import type { RunRecord } from '../src/studies/types.js';
import type { CriticalPointResult } from '../src/studies/tasks/critical-point.js';
import type { Dataset } from '../src/io/types.js';

const rec = (i: number, loss: number, count: number, converged = true): RunRecord<CriticalPointResult> => ({
  id: `start${i}`,
  kind: 'critical-point',
  config: {},
  elapsedMs: 1,
  finishedAt: '',
  result: {
    start: { seed: i, sgdSteps: i % 2 ? 10 : 0 },
    paramCount: 100,
    startLoss: 3,
    loss,
    gradNorm: converged ? 1e-6 : 0.1,
    gradNorm0: 1,
    gradNormRatio: converged ? 1e-6 : 0.1,
    converged,
    stop: converged ? 'converged' : 'max-iter',
    iterations: 5,
    hvps: 50,
    indexHvps: 100,
    method: 'dense',
    lambdaMax: 1,
    lambdaMin: -0.1,
    index: [{ tau: 1e-3, threshold: -1e-3, count: { lo: count, hi: count }, exact: true, fraction: count / 100 }],
    path: [],
  },
});

describe('spearmanTest', () => {
  it('a perfectly monotone sample: ρ = 1 and p near the permutation floor 2/n!·… (n = 8: |ρ| = 1 in 2 of 40 320 orders)', () => {
    const t = spearmanTest([1, 2, 3, 4, 5, 6, 7, 8], [0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.7, 0.9]);
    expect(t.rho).toBe(1);
    expect(t.n).toBe(8);
    expect(t.pValue).toBeLessThan(0.002);
  });

  it('a sample with no relation: p is large; the same data and seed give the same p', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const y = [5, 2, 9, 1, 7, 3, 10, 4, 8, 6];
    const a = spearmanTest(x, y),
      b = spearmanTest(x, y);
    expect(Math.abs(a.rho)).toBeLessThan(0.3);
    expect(a.pValue).toBeGreaterThan(0.3);
    expect(a).toEqual(b);
  });

  it('reversed order: ρ = −1, significant', () => {
    const t = spearmanTest([1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1]);
    expect(t.rho).toBe(-1);
    expect(t.pValue).toBeLessThan(0.01);
  });
});

describe('saddlesSummary', () => {
  it('keeps every start; ρ over the converged ones only; the finding says which way the data goes', () => {
    const recs = [rec(0, 0.5, 1), rec(1, 0.8, 3), rec(2, 1.1, 5), rec(3, 1.5, 9), rec(4, 2.0, 12), rec(5, 0.1, 50, false)];
    const s = saddlesSummary(recs, { tau: 1e-3, gradTol: 1e-4 });
    expect(s.criticalPoints).toHaveLength(6);
    expect(s.counts).toEqual({ starts: 6, converged: 5, unconverged: 1 });
    expect(s.unconverged).toEqual([{ id: 'start5', gradNormRatio: 0.1, stop: 'max-iter' }]);
    expect(s.spearman.n).toBe(5);
    expect(s.spearman.rho).toBe(1);
    // with the unconverged end point (lowest loss, highest index) the order breaks
    expect(s.spearmanAllStarts.n).toBe(6);
    expect(s.spearmanAllStarts.rho).toBeLessThan(1);
    expect(s.finding).toMatch(/^index grows with loss: ρ = 1\.00 \(n = 5/);
    expect(s.finding).toContain('5 of 5 converged critical points are saddles');
    expect(s.criticalPoints[1].start).toEqual({ seed: 1, sgdSteps: 10, kind: 'sgd' });
    expect(s.criticalPoints[0]).not.toHaveProperty('path');
    const down = saddlesSummary([rec(0, 2, 1), rec(1, 1.5, 3), rec(2, 1.1, 5), rec(3, 0.8, 9), rec(4, 0.5, 12), rec(6, 0.4, 20)], { tau: 1e-3, gradTol: 1e-4 });
    expect(down.finding).toMatch(/^the data disagrees/);
  });

  it('too few converged points: no correlation, said in words', () => {
    const s = saddlesSummary([rec(0, 1, 2), rec(1, 2, 0, false)], { tau: 1e-3, gradTol: 1e-4 });
    expect(Number.isNaN(s.spearman.rho)).toBe(true);
    expect(indexLossFinding(s.criticalPoints, s.spearman)).toMatch(/^too few converged critical points/);
  });
});

describe('startOf', () => {
  it('lays starts out as trajectories: the initialisation, then P points evenly up to the last step', () => {
    expect(Array.from({ length: 8 }, (_, i) => startOf(i, 3, 300))).toEqual([
      { seed: 0, sgdSteps: 0 },
      { seed: 0, sgdSteps: 100 },
      { seed: 0, sgdSteps: 200 },
      { seed: 0, sgdSteps: 300 },
      { seed: 1, sgdSteps: 0 },
      { seed: 1, sgdSteps: 100 },
      { seed: 1, sgdSteps: 200 },
      { seed: 1, sgdSteps: 300 },
    ]);
    expect(startOf(5, 0, 300)).toEqual({ seed: 5, sgdSteps: 0 });
  });
});

describe('areaResize', () => {
  const img = (h: number, w: number, f: (r: number, c: number) => number, n = 2): Dataset =>
    ({
      source: 'test',
      n,
      xShape: [h, w],
      x: Float32Array.from({ length: n * h * w }, (_, k) => f(Math.floor((k % (h * w)) / w), k % w) + Math.floor(k / (h * w))),
      xDivisor: 1,
      y: new Float32Array(n),
      yShape: [],
      labelKind: 'class-index',
    }) as unknown as Dataset;

  it('28×28 → 10×10 keeps each image’s mean and a constant image constant', () => {
    const ds = img(28, 28, (r, c) => Math.sin(r) * c);
    const out = areaResize(ds, 10);
    expect(out.xShape).toEqual([10, 10]);
    for (let n = 0; n < 2; n++) {
      const mean = (a: ArrayLike<number>, k: number, m: number) =>
        Array.from(a)
          .slice(n * m, n * m + m)
          .reduce((s, v) => s + v, 0) / k;
      expect(mean(out.x, 100, 100)).toBeCloseTo(mean(ds.x, 784, 784), 5);
    }
    areaResize(
      img(28, 28, () => 0.7),
      10,
    ).x.forEach((v, k) => expect(v).toBeCloseTo(0.7 + Math.floor(k / 100), 6));
  });

  it('an integer factor gives exactly the block average of averagePool', () => {
    const ds = img(12, 12, (r, c) => r * 12 + c);
    expect(Array.from(areaResize(ds, 4).x)).toEqual(Array.from(averagePool(ds, 3).x));
  });

  it('refuses a size larger than the images or colour images', () => {
    expect(() =>
      areaResize(
        img(8, 8, () => 0),
        9,
      ),
    ).toThrow(/resize/);
    expect(() => areaResize({ ...img(8, 8, () => 0), xShape: [8, 8, 3] } as Dataset, 4)).toThrow(/single-channel/);
  });
});
