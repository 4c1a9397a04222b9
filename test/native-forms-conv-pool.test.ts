/**
 * The direct convolution (native/conv_direct.c) and the pool kernels (native/pool.c) in every CPU
 * form this machine runs, against the AVX-512 form (or the best one) and a float64 reference:
 *   - pool share / route / max: the same operations on each value in every form: the same bits;
 *   - direct conv forward and filter gradient: the AVX2 form the same bits as the AVX-512 form (one
 *     FMA a tap, in the same order); every form within float32 rounding of the float64 sum,
 *     |Δ| ≤ (terms + 1)·2⁻²⁴·Σ|terms| per element (the bound of a sum rounded term by term).
 * Shapes: LeNet's first layer (5×5, 1 → 16, same), a 3×3 RGB one (3 → 24: a channel count that is
 * no multiple of 16), pools of 2×2 on 16 and 8 channels and 3×3 windows. Skipped without the addon.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CPU_FORMS, loadNativeAddon, type CpuForm } from '../src/kernels/native-addon.js';

const load = loadNativeAddon();
const addon = load.addon;
const best = addon?.info().cpuBest;
const runnable: CpuForm[] = best ? CPU_FORMS.slice(CPU_FORMS.indexOf(best)) : [];

function values(n: number, seed: number, ties = false): Float32Array {
  let s = seed >>> 0;
  // ties: a coarse grid, so pool windows hold equal maxima; a few NaN and negative windows come with it
  return Float32Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 31 - 1;
    return ties ? (i % 97 === 5 ? Number.NaN : Math.round(u * 3) / 3) : u;
  });
}

function inForm<T>(form: CpuForm, f: () => T): T {
  const was = addon!.setCpuForm(form);
  try {
    return f();
  } finally {
    addon!.setCpuForm(was);
  }
}

/** n, h, w, ci, kH, kW, sH, sW, dH, dW, top, left, outH, outW for a stride-1 conv, 'same' or 'valid'. */
function geometry(n: number, h: number, ci: number, k: number, same: boolean): Int32Array {
  const pad = same ? (k - 1) >> 1 : 0,
    out = same ? h : h - k + 1;
  return Int32Array.of(n, h, h, ci, k, k, 1, 1, 1, 1, pad, pad, out, out);
}

/** y and its rounding bound by float64: y[p, o] = Σ taps x·w (+ bias), bound (taps + 1)·2⁻²⁴·Σ|x·w|. */
function convReference(x: Float32Array, w: Float32Array, g: Int32Array, co: number): { y: Float64Array; tol: Float64Array } {
  const [n, h, wd, ci, kH, kW, , , , , top, left, oH, oW] = g as unknown as number[];
  const y = new Float64Array(n! * oH! * oW! * co),
    tol = new Float64Array(y.length),
    taps = kH! * kW! * ci!;
  for (let s = 0; s < n!; s++)
    for (let i = 0; i < oH!; i++)
      for (let j = 0; j < oW!; j++)
        for (let o = 0; o < co; o++) {
          let sum = 0,
            mag = 0;
          for (let a = 0; a < kH!; a++)
            for (let b = 0; b < kW!; b++)
              for (let c = 0; c < ci!; c++) {
                const r = i + a - top!,
                  q = j + b - left!;
                if (r < 0 || r >= h! || q < 0 || q >= wd!) continue;
                const p = x[((s * h! + r) * wd! + q) * ci! + c]! * w[((a * kW! + b) * ci! + c) * co + o]!;
                sum += p;
                mag += Math.abs(p);
              }
          const at = ((s * oH! + i) * oW! + j) * co + o;
          y[at] = sum;
          tol[at] = (taps + 1) * 2 ** -24 * mag + 1e-30;
        }
  return { y, tol };
}

function expectWithin(got: Float32Array, ref: { y: Float64Array; tol: Float64Array }, what: string): void {
  got.forEach((v, i) => {
    if (!(Math.abs(v - ref.y[i]!) <= ref.tol[i]!)) throw new Error(`${what}, element ${i}: ${v} vs ${ref.y[i]} (bound ${ref.tol[i]})`);
  });
}

const CONVS: Array<{ name: string; g: Int32Array; co: number }> = [
  { name: '5×5 1→16 same (LeNet)', g: geometry(6, 28, 1, 5, true), co: 16 },
  { name: '3×3 3→24 valid', g: geometry(5, 12, 3, 3, false), co: 24 },
];

describe.skipIf(!addon)(`direct conv and pool kernels in each CPU form (${addon ? runnable.join(', ') : `skipped: ${load.reason}`})`, () => {
  afterAll(() => {
    addon?.setCpuForm('auto');
  });

  it('pool share, route and max: every form gives the bits of the best one (ties, NaN windows, windows ≤ 0)', () => {
    for (const t of [Int32Array.of(3, 7, 6, 16, 2, 2), Int32Array.of(2, 5, 9, 8, 2, 2), Int32Array.of(2, 4, 3, 24, 3, 3)]) {
      const [n, ho, wo, c, kh, kw] = t as unknown as number[];
      const tile = n! * ho! * kh! * wo! * kw! * c!,
        pooled = n! * ho! * wo! * c!;
      const x = values(tile, 7, true),
        dy = values(pooled, 8);
      const run = (form: CpuForm) =>
        inForm(form, () => {
          const share = new Float32Array(tile),
            route = new Float32Array(tile),
            relu = new Float32Array(tile),
            y = new Float32Array(pooled);
          addon!.poolShare(x, share, t, 0);
          addon!.poolRoute(x, dy, route, t, 0);
          addon!.poolRoute(x, dy, relu, t, 1);
          addon!.maxPool(x, y, t);
          return { share, route, relu, y };
        });
      const want = run(best!);
      expect(want.y.some(Number.isNaN) && want.share.some((v) => v > 0 && v < 1)).toBe(true); // NaN windows and ties both present
      for (const form of runnable) expect(run(form), `${form}, tiles ${[...t]}`).toEqual(want);
    }
  });

  it('direct conv forward: AVX2 the bits of AVX-512, every form within float32 rounding of float64', () => {
    for (const { name, g, co } of CONVS) {
      const [n, h, , ci, k] = g as unknown as number[];
      const x = values(n! * h! * h! * ci!, 1),
        w = values(k! * k! * ci! * co, 2),
        ref = convReference(x, w, g, co);
      const run = (form: CpuForm) =>
        inForm(form, () => {
          const y = new Float32Array(ref.y.length);
          addon!.conv2d(x, w, y, g, co);
          return y;
        });
      for (const form of runnable) expectWithin(run(form), ref, `${name}, ${form}`);
      if (runnable.includes('avx512')) expect(run('avx2'), name).toEqual(run('avx512'));
    }
  });

  it('direct conv filter gradient: AVX2 the bits of AVX-512, every form within float32 rounding of float64', () => {
    for (const { name, g, co } of CONVS) {
      const [n, h, , ci, k, , , , , , top, , oH, oW] = g as unknown as number[];
      const x = values(n! * h! * h! * ci!, 3),
        dy = values(n! * oH! * oW! * co, 4);
      const run = (form: CpuForm) =>
        inForm(form, () => {
          const dw = new Float32Array(k! * k! * ci! * co);
          addon!.conv2dBackpropFilter(x, dy, dw, g, co);
          return dw;
        });
      // dw[a, b, c, o] = Σ_{s,i,j} x[s, i + a − top, j + b − left, c] · dy[s, i, j, o]: a conv of x with dy as the filter
      const dw64 = new Float64Array(k! * k! * ci! * co),
        tol = new Float64Array(dw64.length),
        terms = n! * oH! * oW!;
      for (let a = 0; a < k!; a++)
        for (let b = 0; b < k!; b++)
          for (let c = 0; c < ci!; c++)
            for (let o = 0; o < co; o++) {
              let sum = 0,
                mag = 0;
              for (let s = 0; s < n!; s++)
                for (let i = 0; i < oH!; i++)
                  for (let j = 0; j < oW!; j++) {
                    const r = i + a - top!,
                      q = j + b - top!;
                    if (r < 0 || r >= h! || q < 0 || q >= h!) continue;
                    const p = x[((s * h! + r) * h! + q) * ci! + c]! * dy[((s * oH! + i) * oW! + j) * co + o]!;
                    sum += p;
                    mag += Math.abs(p);
                  }
              const at = ((a * k! + b) * ci! + c) * co + o;
              dw64[at] = sum;
              tol[at] = (terms + 1) * 2 ** -24 * mag + 1e-30;
            }
      for (const form of runnable) expectWithin(run(form), { y: dw64, tol }, `${name} filter gradient, ${form}`);
      if (runnable.includes('avx512')) expect(run('avx2'), name).toEqual(run('avx512'));
    }
  });
});
