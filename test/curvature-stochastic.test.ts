/**
 * Stochastic estimators against exact answers: Hutchinson/Hutch++ against tr(A), SLQ against
 * a diagonal operator with a known fraction of negative eigenvalues.
 */
import { describe, it, expect } from 'vitest';
import { hutchinsonTrace } from '../src/curvature/hutchinson-trace.js';
import { slqDensity, spectralFraction, negativeSpectralMass } from '../src/curvature/slq-density.js';
import { rotatedSpectrumOperator, diagonalOperator } from '../src/curvature/known-spectrum.js';
import { createRng } from '../src/random.js';

function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}
const sum = (x: number[]) => x.reduce((a, b) => a + b, 0);

describe('hutchinsonTrace', () => {
  const lams = uniform(150, -1, 3, 21);
  const op = rotatedSpectrumOperator(lams, 22);
  const trace = sum(lams);

  it('is within 3 standard errors of tr(A), and stderr shrinks like 1/√probes', async () => {
    const small = await hutchinsonTrace(op.matvec, op.dim, { probes: 25, seed: 1 });
    const large = await hutchinsonTrace(op.matvec, op.dim, { probes: 400, seed: 1 });
    for (const r of [small, large]) {
      expect(r.matvecs).toBe(r.probes);
      // 3σ: a seeded, deterministic draw; a 3σ miss would be a bias, not bad luck
      expect(Math.abs(r.estimate - trace)).toBeLessThan(3 * r.stderr!);
    }
    // 16× the probes → stderr / 4; the sample std itself fluctuates, so allow [2.5, 6]
    const ratio = small.stderr! / large.stderr!;
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6);
  });

  it('Hutch++ beats Hutchinson at equal matvecs on a low-rank-dominated spectrum', async () => {
    const spiky = [...Array(10).fill(100), ...uniform(190, 0, 0.5, 5)];
    const sop = rotatedSpectrumOperator(spiky, 8);
    const tr = sum(spiky);
    let errH = 0,
      errPP = 0;
    for (let seed = 0; seed < 8; seed++) {
      const h = await hutchinsonTrace(sop.matvec, sop.dim, { probes: 36, seed });
      const pp = await hutchinsonTrace(sop.matvec, sop.dim, { probes: 36, seed, method: 'hutch++' });
      expect(pp.matvecs).toBeLessThanOrEqual(36);
      errH += Math.abs(h.estimate - tr);
      errPP += Math.abs(pp.estimate - tr);
    }
    // the sketch captures the 10 spikes: Hutch++'s error should be many times smaller
    expect(errPP).toBeLessThan(errH / 5);
  });

  it('is deterministic, keeps samples on request, and validates options', async () => {
    const a = await hutchinsonTrace(op.matvec, op.dim, { probes: 5, seed: 3, keepSamples: true });
    const b = await hutchinsonTrace(op.matvec, op.dim, { probes: 5, seed: 3, keepSamples: true });
    const c = await hutchinsonTrace(op.matvec, op.dim, { probes: 5, seed: 4 });
    expect(b).toEqual(a);
    expect(a.samples).toHaveLength(5);
    expect(c.estimate).not.toBe(a.estimate);
    await expect(hutchinsonTrace(op.matvec, op.dim, { probes: 2, method: 'hutch++' })).rejects.toThrow(/option probes/);
    await expect(hutchinsonTrace(op.matvec, op.dim, { method: 'bogus' as never })).rejects.toThrow(/option method/);
  });
});

describe('slqDensity', () => {
  // 30% of 1000 eigenvalues negative, the rest positive, away from 0 so the count is sharp
  const lams = [...uniform(300, -2, -0.2, 31), ...uniform(700, 0.2, 5, 32)];
  const op = diagonalOperator(lams);

  it('weights sum to 1 per probe; negative fraction matches within 3 stderr; density integrates to 1', async () => {
    const r = await slqDensity(op.matvec, op.dim, { order: 40, probes: 20, seed: 1 });
    expect(r.matvecs).toBe(op.calls());
    expect(r.matvecs).toBe(40 * 20);
    r.weights.forEach((w) => expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12)); // orthogonal S
    const neg = negativeSpectralMass(r);
    // 3σ plus a 0.01 floor for quadrature bias (nodes within σ-widths of 0 are few here)
    expect(Math.abs(neg.fraction - 0.3)).toBeLessThan(3 * neg.stderr! + 0.01);
    const big = spectralFraction(r, (x) => x > 10);
    expect(big.fraction).toBe(0); // Ritz values stay inside [λmin, λmax]
    const { x, density } = r.grid;
    const dx = x[1] - x[0];
    // trapezoid rule on 1000 points; kernel tails are inside the padded grid: 1e-3
    expect(Math.abs(dx * (sum(density) - (density[0] + density[density.length - 1]) / 2) - 1)).toBeLessThan(1e-3);
    expect(r.sigma).toBeCloseTo(Math.sqrt(1e-5) * (Math.max(...r.nodes.flat()) - Math.min(...r.nodes.flat())), 12);
  });

  it('stops a probe early on an invariant subspace (exact quadrature)', async () => {
    const few = diagonalOperator([...Array(50).fill(-1), ...Array(150).fill(2)]);
    const r = await slqDensity(few.matvec, few.dim, { order: 30, probes: 4, seed: 2 });
    r.nodes.forEach((n) => expect(n).toHaveLength(2)); // two distinct eigenvalues → 2 nodes
    expect(r.matvecs).toBe(8);
    expect(negativeSpectralMass(r).fraction).toBeGreaterThan(0.1);
  });

  it('is deterministic in its seed', async () => {
    const a = await slqDensity(op.matvec, op.dim, { order: 10, probes: 2, seed: 5, gridPoints: 50 });
    const b = await slqDensity(op.matvec, op.dim, { order: 10, probes: 2, seed: 5, gridPoints: 50 });
    const c = await slqDensity(op.matvec, op.dim, { order: 10, probes: 2, seed: 6, gridPoints: 50 });
    expect(b).toEqual(a);
    expect(c.nodes[0]).not.toEqual(a.nodes[0]);
  });
});
