import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { randomFeaturesSweep, resolveRandomFeaturesOptions, geometricWidths } from '../src/double-descent/random-features.js';
import { analyzeSweep, aggregateByWidth, epochCurves } from '../src/double-descent/analysis.js';
import { modelwiseSpec, epochwiseSpec, pickCurves } from '../src/figures/double-descent.js';
import { renderSpec } from '../src/render/render-png.js';
import type { SweepRun } from '../src/double-descent/types.js';

const n = 100;
const sweep = randomFeaturesSweep({ nTrain: n, nTest: 500, noise: 0.5, seeds: 5, widths: [10, 25, 50, 80, 100, 125, 200, 400, 1000] });
const points = aggregateByWidth(sweep.runs);
const at = (p: number) => points.find((q) => q.width === p)!;

describe('random-features regression (Belkin et al. 2019)', () => {
  it('peaks at p = n: test error there exceeds p = n/4 and p = 4n', () => {
    expect(at(n).testError.median).toBeGreaterThan(3 * at(n / 4).testError.median);
    expect(at(n).testError.median).toBeGreaterThan(3 * at(4 * n).testError.median);
  });

  it('interpolates for p ≥ n (train MSE ~0) and not below', () => {
    for (const p of [100, 125, 200, 400, 1000]) expect(at(p).trainError.hi).toBeLessThan(1e-12);
    for (const p of [10, 25, 50, 80]) expect(at(p).trainError.median).toBeGreaterThan(1e-3);
  });

  it('is deterministic in its seeds', () => {
    const again = randomFeaturesSweep({ nTrain: n, nTest: 500, noise: 0.5, seeds: 5, widths: [100] });
    expect(again.runs.map((r) => r.testError)).toEqual(sweep.runs.filter((r) => r.width === 100).map((r) => r.testError));
    expect(sweep.meta.elapsedMs).toBeGreaterThan(0); // timed, not bounded: speed belongs in npm run bench
  });

  it('the analysis finds the threshold at n, the peak at n, and a second descent', () => {
    const a = analyzeSweep(sweep.runs, { nTrain: n, outputs: 1, interpolationTol: 1e-6 });
    expect(a.threshold).toMatchObject({ params: n, width: n, expectedParams: n });
    expect(a.peak?.width).toBe(n);
    expect(a.secondDescent.observed).toBe(true);
    expect(a.observed).toBe(true);
    expect(a.secondDescent.widthOfMin).toBeGreaterThan(n);
  });

  it('names the bad option', () => {
    expect(() => resolveRandomFeaturesOptions({ nTrain: 1 })).toThrow(/nTrain/);
    expect(() => resolveRandomFeaturesOptions({ widths: [3, 0] })).toThrow(/widths/);
    expect(geometricWidths(10, 1000, 5, [100])).toEqual([10, 32, 100, 316, 1000]);
  });
});

const run = (width: number, seed: number, testError: number, trainError: number): SweepRun => ({
  width,
  seed,
  params: width * 10,
  testError,
  trainError,
  testLoss: testError,
  trainLoss: trainError,
});

describe('double-descent analysis on hand-made curves', () => {
  it('a classical U (no rise after the minimum falls again) has no second descent', () => {
    const runs = [
      [1, 0.5],
      [2, 0.3],
      [4, 0.2],
      [8, 0.25],
      [16, 0.4],
    ].flatMap(([w, e]) => [run(w, 0, e, 0), run(w, 1, e + 0.01, 0)]);
    const a = analyzeSweep(runs, { nTrain: 4, outputs: 10 });
    expect(a.peak?.width).toBe(16);
    expect(a.secondDescent.observed).toBe(false);
    expect(a.observed).toBe(false);
  });

  it('a monotone fall has no peak; medians and bands over seeds', () => {
    const runs = [1, 2, 4].flatMap((w) => [run(w, 0, 1 / w, 0.5 / w), run(w, 1, 2 / w, 0.5 / w), run(w, 2, 3 / w, 0.5 / w)]);
    const a = analyzeSweep(runs, { nTrain: 100, outputs: 1 });
    expect(a.peak).toBeNull();
    expect(a.points[0].testError).toEqual({ median: 2, lo: 1, hi: 3 });
    expect(a.threshold.params).toBeNull();
  });

  it('the threshold is where train error reaches ~0; the underfitting start is not the peak', () => {
    const curve = [
      [1, 0.9, 0.6],
      [2, 0.4, 0.3],
      [4, 0.6, 0.005],
      [8, 0.5, 0],
      [16, 0.3, 0],
      [32, 0.25, 0],
      [64, 0.2, 0],
    ];
    const a = analyzeSweep(
      curve.map(([w, te, tr]) => run(w, 0, te, tr)),
      { nTrain: 4, outputs: 10, margin: 0.2 },
    );
    expect(a.threshold.params).toBe(40);
    expect(a.peak?.width).toBe(4);
    expect(a.firstDescentMin?.width).toBe(2);
    expect(a.secondDescent).toMatchObject({ observed: true, widthOfMin: 64, margin: 0.2 });
    expect(a.secondDescent.relativeDrop).toBeCloseTo(1 - 0.2 / 0.6, 12);
    expect(a.observed).toBe(true);
  });
});

describe('double-descent figures', () => {
  it('model-wise figure decodes at 800×600 with the log-scale test error and threshold', async () => {
    const a = analyzeSweep(sweep.runs, { nTrain: n, outputs: 1, interpolationTol: 1e-6 });
    const fig = await renderSpec(modelwiseSpec(a, { family: 'ReLU features, n = 100', noiseLabel: 'target noise σ 0.5', errorName: 'MSE' }) as never);
    const img = PNG.sync.read(fig.png);
    expect([img.width, img.height]).toEqual([800, 600]);
    expect(fig.svg).toContain('target noise σ 0.5');
    expect(fig.svg).toContain('train err ≈ 0 = n·K');
  });

  it('epoch-wise figure draws one line per chosen width, keeping the peak width', async () => {
    const runs: SweepRun[] = [2, 4, 8, 16, 32, 64, 128, 256, 512].map((w) => ({
      ...run(w, 0, 0.3, 0),
      epochs: [0, 1, 2].map((e) => ({ epoch: e, trainLoss: 1 / (e + 1), trainError: 0.5 / (e + 1), testLoss: 1, testError: 0.5 - 0.1 * e + w / 5000 })),
    }));
    const curves = epochCurves(runs);
    expect(pickCurves(curves, 4, 32).map((c) => c.width)).toContain(32);
    expect(pickCurves(curves, 4, 32)).toHaveLength(4);
    const fig = await renderSpec(epochwiseSpec(curves, { family: 'MLP', noiseLabel: 'label noise 20%', highlight: 32, maxLines: 4 }) as never);
    expect(PNG.sync.read(fig.png).width).toBe(800);
    expect(fig.svg).toContain('width 32');
  });
});
