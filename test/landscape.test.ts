/** Landscape ground truths: a quadratic bowl's slices are exact parabolas/paraboloids; filter normalisation; interpolation ends; PCA. */
import { describe, it, expect } from 'vitest';
import { computeSlice } from '../src/landscape/slice.js';
import { randomDirection, orthogonalizeTo, dot, norm } from '../src/landscape/directions.js';
import { interpolate, assertSameLayout } from '../src/landscape/interpolate.js';
import { pcaDirections } from '../src/landscape/pca-directions.js';
import type { ParamLayout } from '../src/objective/types.js';
import { quadraticObjective } from './helpers/quadratic-objective.js';

const A = [
  [3, 1, 0],
  [1, 2, 0],
  [0, 0, 1],
];

describe('slices of a quadratic bowl', () => {
  it('1-D slice is the exact parabola L0 + ½α²dᵀAd', async () => {
    const obj = quadraticObjective(A, [0.5, -1, 2], { L0: 0.25 });
    const d = Float64Array.from([1, -0.5, 0.25]);
    const s = await computeSlice(obj, undefined, obj.theta0, d, undefined, { dims: 1, points: 21 });
    const dAd = d.reduce((acc, di, i) => acc + di * A[i].reduce((t, a, j) => t + a * d[j], 0), 0);
    // float32 θ: the point θ+αd is rounded to ~1e-7 relative, so 1e-5 absolute guards only that
    s.alphas.forEach((a, i) => expect((s.train.loss as number[])[i]).toBeCloseTo(0.25 + 0.5 * a * a * dAd, 5));
    expect(s.baseLoss).toBeCloseTo(0.25, 6);
  });

  it('2-D grid has its minimum at the centre, equal to the base loss', async () => {
    const obj = quadraticObjective(A, [0.1, 0.2, 0.3], { L0: 1 });
    const s = await computeSlice(obj, undefined, obj.theta0, Float64Array.from([1, 0, 0]), Float64Array.from([0, 1, 0]), { dims: 2, points: 11 });
    const grid = s.train.loss;
    // the result is discriminated by dims and says how it was made
    expect(s.dims).toBe(2);
    expect(s.meta.options).toEqual({ dims: 2, range: [-1, 1], points: 11 });
    expect(s.meta.elapsedMs).toBeGreaterThanOrEqual(0);
    let best = [0, 0];
    grid.forEach((row, j) => row.forEach((v, i) => v < grid[best[0]][best[1]] && (best = [j, i])));
    expect(best).toEqual([5, 5]);
    expect(grid[5][5]).toBeCloseTo(s.baseLoss, 6);
  });
});

const layout: ParamLayout = {
  dim: 2 * 3 + 3 + 3 * 2 * 2 * 4 + 4,
  blocks: [
    { layer: 'dense', name: 'dense/kernel', shape: [2, 3], offset: 0, size: 6, role: 'kernel', filterAxis: 1 },
    { layer: 'dense', name: 'dense/bias', shape: [3], offset: 6, size: 3, role: 'bias', filterAxis: null },
    { layer: 'conv', name: 'conv/kernel', shape: [3, 2, 2, 4], offset: 9, size: 48, role: 'kernel', filterAxis: 3 },
    { layer: 'conv', name: 'conv/bias', shape: [4], offset: 57, size: 4, role: 'bias', filterAxis: null },
  ],
};

describe('filter-normalised directions (Li et al. 2018)', () => {
  const theta = Float32Array.from({ length: layout.dim }, (_, i) => Math.sin(i + 1) * (1 + (i % 5)));
  const filterNorm = (v: ArrayLike<number>, off: number, size: number, axisLen: number, f: number) => {
    let s = 0;
    for (let i = f; i < size; i += axisLen) s += v[off + i] ** 2;
    return Math.sqrt(s);
  };

  it('each filter block of d has the norm of the same block of θ; biases are zero', () => {
    const d = randomDirection(theta, layout, 42, { norm: 'filter', includeBias: false });
    for (let f = 0; f < 3; f++) expect(filterNorm(d, 0, 6, 3, f)).toBeCloseTo(filterNorm(theta, 0, 6, 3, f), 10);
    for (let f = 0; f < 4; f++) expect(filterNorm(d, 9, 48, 4, f)).toBeCloseTo(filterNorm(theta, 9, 48, 4, f), 10);
    expect(Array.from(d.subarray(6, 9))).toEqual([0, 0, 0]);
    expect(Array.from(d.subarray(57, 61))).toEqual([0, 0, 0, 0]);
  });

  it('--include-bias keeps biases (scaled to the bias norm); --norm none keeps raw Gaussians', () => {
    const d = randomDirection(theta, layout, 42, { norm: 'filter', includeBias: true });
    expect(norm(d.subarray(6, 9))).toBeCloseTo(norm(Float64Array.from(theta.subarray(6, 9))), 10);
    const raw = randomDirection(theta, layout, 42, { norm: 'none', includeBias: true });
    expect(norm(raw)).toBeGreaterThan(0);
    expect(randomDirection(theta, layout, 42, { norm: 'none', includeBias: true })).toEqual(raw); // seeded
    expect(randomDirection(theta, layout, 43, { norm: 'none', includeBias: true })).not.toEqual(raw);
  });

  it('orthogonalised second direction is orthogonal and keeps its norm', () => {
    const d1 = randomDirection(theta, layout, 1, { norm: 'filter', includeBias: false });
    const d2 = randomDirection(theta, layout, 2, { norm: 'filter', includeBias: false });
    const o = orthogonalizeTo(d2, d1);
    expect(Math.abs(dot(o, d1))).toBeLessThan(1e-9 * norm(d1) * norm(o));
    expect(norm(o)).toBeCloseTo(norm(d2), 10);
  });
});

describe('interpolation', () => {
  it("ends equal the two checkpoints' losses; the barrier of a convex bowl is ≤ 0", async () => {
    const obj = quadraticObjective(A, [0, 0, 0]);
    const a = Float32Array.from([1, 0, 0]);
    const b = Float32Array.from([0, 1, 1]);
    const r = await interpolate(obj, undefined, a, b, { range: [-0.5, 1.5], points: 9 });
    expect(r.ends.lossA).toBeCloseTo(await obj.loss(a), 6);
    expect(r.ends.lossB).toBeCloseTo(await obj.loss(b), 6);
    expect(r.train.loss[r.alphas.indexOf(0)]).toBeCloseTo(await obj.loss(a), 6);
    expect(r.barrier).toBeLessThanOrEqual(1e-6);
  });

  it('a double well has a positive barrier at the midpoint', async () => {
    const wells = quadraticObjective([[1]], [0]);
    const dw = {
      ...wells,
      evaluate: async (t: Float32Array) => ({ loss: (t[0] * t[0] - 1) ** 2, n: 1 }),
      loss: async (t: Float32Array) => (t[0] * t[0] - 1) ** 2,
    };
    const r = await interpolate(dw, undefined, Float32Array.from([-1]), Float32Array.from([1]), { range: [0, 1], points: 11 });
    expect(r.barrier).toBeCloseTo(1, 6);
    expect(r.barrierAlpha).toBeCloseTo(0.5, 10);
  });

  it('refuses checkpoints of different architectures, naming the weight', () => {
    const other = { dim: 6, blocks: [{ ...layout.blocks[0], shape: [3, 2] }] };
    expect(() => assertSameLayout(layout, other, 'a/model.json', 'b/model.json')).toThrow(/b\/model.json.*architecture differs/);
  });
});

describe('PCA directions of a trajectory', () => {
  it('recovers a path that lies in a plane, with explained variance summing to 1', () => {
    const final = Float32Array.from([1, 2, 3, 4]);
    const u = Float64Array.from([1, 0, 1, 0], (x) => x / Math.SQRT2);
    const v = Float64Array.of(0, 1, 0, 0);
    const traj = [
      [3, 1],
      [2, -1],
      [1, 0.5],
      [0.5, 0.2],
    ].map(([a, b]) => Float32Array.from(final, (f, i) => f + a * u[i] + b * v[i]));
    const p = pcaDirections(traj, final);
    expect(p.explainedVariance[0] + p.explainedVariance[1]).toBeCloseTo(1, 6);
    for (const d of p.directions) {
      expect(norm(d)).toBeCloseTo(1, 6);
      // lies in span{u, v}: the residual after projecting onto u and v is ~0
      const cu = dot(d, u),
        cv = dot(d, v);
      expect(norm(Float64Array.from(d, (x, i) => x - cu * u[i] - cv * v[i]))).toBeLessThan(1e-5);
    }
  });
});
