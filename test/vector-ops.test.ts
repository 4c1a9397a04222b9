/**
 * The Krylov routines' float64 vector kernels. orthogonalize sweeps four basis vectors at a time
 * for speed; it must compute exactly what the plain form computes (a dot, then an axpy, per basis
 * vector, twice), bit for bit, for every basis size (the blocked body and its remainder), and leave
 * v orthogonal to the basis to working precision. Where the native addon loaded, large bases run its
 * kernels (native/basis.c; threaded past 2¹⁶ multiply-adds): the same bits are asked of them.
 */
import { describe, it, expect } from 'vitest';
import { axpy, combine, dot, norm, normalize, orthogonalize } from '../src/curvature/vector-ops.js';
import { gaussianVector } from '../src/random.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';

/** Classical Gram-Schmidt twice, one basis vector at a time: the definition. */
function plainCgs2(v: Float64Array, basis: Float64Array[]): Float64Array {
  const c = new Float64Array(basis.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < basis.length; j++) c[j] = dot(basis[j]!, v);
    for (let j = 0; j < basis.length; j++) axpy(-c[j]!, basis[j]!, v);
  }
  return v;
}

describe('orthogonalize', () => {
  const dim = 1013;
  const basis: Float64Array[] = [];
  for (let j = 0; j < 11; j++) {
    const q = orthogonalize(gaussianVector(dim, 100 + j), basis);
    normalize(q);
    basis.push(q);
  }

  it('equals plain CGS2 bit for bit for 0–11 basis vectors (four-vector sweeps and the remainder)', () => {
    for (let m = 0; m <= basis.length; m++) {
      const v0 = gaussianVector(dim, m);
      for (let i = 0; i < dim; i += 97) v0[i]! *= 1e6; // mixed magnitudes, so a reordered sum would show
      const got = orthogonalize(Float64Array.from(v0), basis.slice(0, m));
      const want = plainCgs2(Float64Array.from(v0), basis.slice(0, m));
      expect(
        got.every((x, i) => Object.is(x, want[i])),
        `m = ${m}`,
      ).toBe(true);
    }
  });

  it('leaves v orthogonal to the basis to working precision and keeps its component outside it', () => {
    const v = gaussianVector(dim, 7),
      n0 = norm(v);
    orthogonalize(v, basis);
    for (const q of basis) expect(Math.abs(dot(q, v))).toBeLessThan(1e-14 * n0);
    expect(norm(v)).toBeGreaterThan(0.9 * n0); // 11 of 1013 directions removed: most of a random v stays
  });
});

describe("at a Lanczos basis's size (the native kernels, threaded, where the addon loaded)", () => {
  const dim = 30011; // not a multiple of the kernels' 1 024-entry blocks
  const basis = Array.from({ length: 21 }, (_, j) => gaussianVector(dim, 500 + j));

  it('orthogonalize equals plain CGS2 and combine successive axpys, bit for bit (eight-vector sweeps and the remainder)', () => {
    for (const m of [1, 7, 8, 13, 16, 21]) {
      const v0 = gaussianVector(dim, m);
      for (let i = 0; i < dim; i += 97) v0[i]! *= 1e6;
      const got = orthogonalize(Float64Array.from(v0), basis.slice(0, m));
      const want = plainCgs2(Float64Array.from(v0), basis.slice(0, m));
      expect(
        got.every((x, i) => Object.is(x, want[i])),
        `orthogonalize, m = ${m}`,
      ).toBe(true);
      const c = Array.from({ length: m }, (_, j) => Math.cos(j + 1) * 10 ** (j % 5));
      const sum = new Float64Array(dim);
      for (let j = 0; j < m; j++) axpy(c[j]!, basis[j]!, sum);
      const comb = combine(basis.slice(0, m), c, dim);
      expect(
        comb.every((x, i) => Object.is(x, sum[i])),
        `combine, m = ${m}`,
      ).toBe(true);
    }
  });

  it('the addon refuses a basis vector of another length and too few coefficients', () => {
    const addon = loadNativeAddon().addon;
    if (!addon) return; // the wasm-only path has nothing to refuse
    expect(() => addon.basisDots([new Float64Array(3), new Float64Array(4)], new Float64Array(3), new Float64Array(2))).toThrow(/length/);
    expect(() => addon.basisCombine(new Float64Array(3), [new Float64Array(3), new Float64Array(3)], new Float64Array(1))).toThrow(/fewer coefficients/);
  });
});

describe('combine', () => {
  it('equals successive axpys (zero coefficients skipped) bit for bit for 0–20 vectors', () => {
    const dim = 517,
      basis = Array.from({ length: 20 }, (_, j) => gaussianVector(dim, 300 + j));
    for (let m = 0; m <= basis.length; m++) {
      const c = Array.from({ length: m }, (_, j) => (j % 3 === 1 ? 0 : Math.sin(j + 1) * 10 ** (j % 4)));
      const want = new Float64Array(dim);
      for (let j = 0; j < m; j++) if (c[j] !== 0) axpy(c[j]!, basis[j]!, want);
      const got = combine(basis.slice(0, m), c, dim);
      expect(
        got.every((x, i) => Object.is(x, want[i])),
        `m = ${m}`,
      ).toBe(true);
    }
  });
});
