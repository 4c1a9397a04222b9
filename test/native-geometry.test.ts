/**
 * Geometry that cannot drive a kernel out of bounds (issue 33). Property tests call the native
 * addon's conv and im2col entry points and our JS kernels (im2col / col2im, the pool-share kernels)
 * straight with random and extreme geometries (0, negative, 2^30 + 1, 2^31 − 1, NaN, dilation and
 * stride ≫ input): each call either throws an Error or returns the values of the definition
 *   y[s, i, j, o] = Σ_abc x[s, i·sH + a·dH − top, j·sW + b·dW − left, c] · w[a, b, c, o]   (0 outside x)
 * computed here in plain loops; tfjs convs through the native kernels on wasm, dilation ≫ input
 * included, equal tf.conv2d on the cpu backend. (The same checkpoints through the real CLI:
 * native-geometry-cli.test.ts.)
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { COL2IM, IM2COL, registerIm2Col } from '../src/kernels/im2col.js';
import { POOL_SHARE, registerPoolShare } from '../src/kernels/pool-share.js';
import { describeOnce, itOnce } from './helpers/kernel-variant.js';

const load = loadNativeAddon();
const G = ['n', 'h', 'w', 'ci', 'kH', 'kW', 'sH', 'sW', 'dH', 'dW', 'top', 'left', 'outH', 'outW'] as const;
type Geo = Record<(typeof G)[number], number>;
/** Arrays up to this many floats are allocated at their full shape; larger claims get a short array. */
const FULL = 20_000;

const EXTREMES = [0, -1, 2 ** 30, 2 ** 30 + 1, 2 ** 31 - 1, -(2 ** 31), 1000];
const field = (lo: number, hi: number) =>
  fc.oneof({ weight: 8, arbitrary: fc.integer({ min: lo, max: hi }) }, { weight: 1, arbitrary: fc.constantFrom(...EXTREMES) });
const geoArb = fc.record<Geo>({
  n: field(0, 2),
  h: field(1, 7),
  w: field(1, 7),
  ci: field(1, 3),
  kH: field(1, 4),
  kW: field(1, 4),
  sH: field(1, 3),
  sW: field(1, 3),
  dH: fc.oneof(field(1, 3), fc.constantFrom(50, 1000)),
  dW: fc.oneof(field(1, 3), fc.constantFrom(50, 1000)),
  top: fc.oneof(field(0, 3), fc.constantFrom(1000)),
  left: fc.oneof(field(0, 3), fc.constantFrom(1000)),
  outH: field(1, 7),
  outW: field(1, 7),
});

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
}
/** An array of `floats` (its full shape when small and well defined, else a short one the kernel must refuse). */
const arr = (floats: number, seed: number) => values(Number.isSafeInteger(floats) && floats >= 0 && floats <= FULL ? floats : 7, seed);

/** Every in-bounds tap of g: visit(row, tap, xBase) with row the output pixel, tap a·kW + b, xBase the pixel's offset in x. */
function taps(g: Geo, visit: (row: number, tap: number, xb: number) => void): void {
  for (let s = 0; s < g.n; s++)
    for (let i = 0; i < g.outH; i++)
      for (let j = 0; j < g.outW; j++)
        for (let a = 0; a < g.kH; a++)
          for (let b = 0; b < g.kW; b++) {
            const r = i * g.sH + a * g.dH - g.top,
              q = j * g.sW + b * g.dW - g.left;
            if (r >= 0 && r < g.h && q >= 0 && q < g.w) visit((s * g.outH + i) * g.outW + j, a * g.kW + b, ((s * g.h + r) * g.w + q) * g.ci);
          }
}

/** The five conv kernels' reference outputs for g, x / w / dy / cols given. */
function reference(g: Geo, channels: number, x: Float32Array, w: Float32Array, dy: Float32Array, cols: Float32Array) {
  const co = Math.max(channels, 0); // a kernel without channels (im2col, col2im) may run where co < 1 was refused
  const K = g.kH * g.kW * g.ci,
    rows = g.n * g.outH * g.outW;
  const y = new Float64Array(rows * co),
    dx = new Float64Array(x.length),
    dw = new Float64Array(w.length),
    im = new Float64Array(rows * K),
    ci = new Float64Array(x.length);
  taps(g, (row, tap, xb) => {
    for (let c = 0; c < g.ci; c++) {
      im[row * K + tap * g.ci + c] = x[xb + c]!;
      ci[xb + c] += cols[row * K + tap * g.ci + c]!;
      for (let o = 0; o < co; o++) {
        const wi = (tap * g.ci + c) * co + o;
        y[row * co + o] += x[xb + c]! * w[wi]!;
        dx[xb + c] += dy[row * co + o]! * w[wi]!;
        dw[wi] += x[xb + c]! * dy[row * co + o]!;
      }
    }
  });
  return { y, dx, dw, im, ci };
}

function expectClose(got: Float32Array, want: Float64Array, what: string): void {
  const scale = Math.max(1, ...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) if (Math.abs(got[i]! - want[i]!) > 1e-4 * scale) expect.fail(`${what}[${i}] = ${got[i]}, want ${want[i]}`);
}

describe.skipIf(!load.addon)('native addon entry points under random and extreme geometry', () => {
  const addon = load.addon!;
  /** Runs one geometry through the five kernels; returns how many computed (the rest threw). */
  function drive(g: Geo, co: number): number {
    const geo = Int32Array.from(G.map((k) => g[k]));
    const K = g.kH * g.kW * g.ci,
      rows = g.n * g.outH * g.outW,
      xl = g.n * g.h * g.w * g.ci;
    const x = arr(xl, 1),
      w = arr(K * co, 2),
      dy = arr(rows * co, 3),
      cols = arr(rows * K, 4);
    const out = { y: arr(rows * co, 5), dx: arr(xl, 6), dw: arr(K * co, 7), im: arr(rows * K, 8), ci: arr(xl, 9) };
    const runs: [keyof typeof out, () => void][] = [
      ['y', () => addon.conv2d(x, w, out.y, geo, co)],
      ['dx', () => addon.conv2dBackpropInput(dy, w, out.dx, geo, co)],
      ['dw', () => addon.conv2dBackpropFilter(x, dy, out.dw, geo, co)],
      ['im', () => addon.im2col(x, out.im, geo)],
      ['ci', () => addon.col2im(cols, out.ci, geo)],
    ];
    let ok = 0,
      ref: ReturnType<typeof reference> | undefined;
    for (const [k, run] of runs) {
      try {
        run();
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        continue;
      }
      ref ??= reference(g, co, x, w, dy, cols);
      expectClose(out[k].subarray(0, ref[k].length), ref[k], `${k} of ${JSON.stringify(g)} co ${co}`);
      ok++;
    }
    return ok;
  }

  it("a geometry either throws or gives the definition's values; dilation and padding ≫ input run in bounds", () => {
    let computed = 0;
    fc.assert(
      fc.property(geoArb, fc.constantFrom(1, 8, 16, -1, 0), (g, co) => {
        computed += drive(g, co);
      }),
      {
        numRuns: 400,
        seed: 33,
        examples: [
          // the checkpoint of issue 33 on the direct form (1 → 8 channels, 3×3, "same": padding 1000 a side)
          [{ n: 1, h: 12, w: 12, ci: 1, kH: 3, kW: 3, sH: 1, sW: 1, dH: 1000, dW: 1000, top: 1000, left: 1000, outH: 12, outW: 12 }, 8],
          [{ n: 2, h: 5, w: 5, ci: 1, kH: 3, kW: 3, sH: 1, sW: 1, dH: 1, dW: 1000, top: 1, left: 1000, outH: 5, outW: 5 }, 16],
        ],
      },
    );
    expect(computed).toBeGreaterThan(300); // most geometries are runnable: the property is not all refusals
  });

  itOnce("geometries beyond the kernels' int arithmetic are refused, with arrays long enough for what the product wraps to", () => {
    const base: Geo = { n: 1, h: 4, w: 4, ci: 1, kH: 2, kW: 2, sH: 1, sW: 1, dH: 1, dW: 1, top: 0, left: 0, outH: 3, outW: 3 };
    const bad: Partial<Geo>[] = [
      { dH: 2 ** 31 - 1 },
      { dW: 2 ** 30 + 1 },
      { top: 2 ** 31 - 1 },
      { sH: 2 ** 31 - 1, outH: 2 },
      { h: 0 },
      { outW: 0 },
      { n: -1 },
      { kH: 0 },
      { left: -1 },
    ];
    const big = new Float32Array(64);
    for (const b of bad) {
      const geo = Int32Array.from(G.map((k) => ({ ...base, ...b })[k]));
      expect(() => addon.conv2d(big, big, big, geo, 1), JSON.stringify(b)).toThrow(/geometry/);
      expect(() => addon.im2col(big, big, geo), JSON.stringify(b)).toThrow(/geometry/);
    }
    // n·outH·outW·kH·kW·ci wraps 2^64 to a small number: refused, not accepted as short
    const wrap = Int32Array.from(G.map((k) => ({ ...base, n: 2 ** 31 - 1, h: 1, w: 1, ci: 2 ** 15, kH: 2 ** 8, kW: 2 ** 7, outH: 2 ** 10, outW: 2 ** 10 })[k]));
    expect(() => addon.im2col(big, big, wrap)).toThrow(RangeError);
    expect(() => addon.maxPool(big, big, Int32Array.of(2 ** 31 - 1, 2 ** 15, 2 ** 15, 2 ** 15, 2, 2))).toThrow(RangeError);
    expect(() => addon.gemm(big, big, big, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 0, 0, 0, 0, 0)).toThrow(RangeError);
  });
});

describeOnce('JS kernel entry points (im2col, col2im, the pool share) under random and extreme attrs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerIm2Col();
    registerPoolShare();
  });
  const odd = fc.constantFrom(NaN, -1, 0, 0.5, 2 ** 31, 1e300, Infinity);
  const num = (lo: number, hi: number) => fc.oneof({ weight: 6, arbitrary: fc.integer({ min: lo, max: hi }) }, { weight: 1, arbitrary: odd });

  it("im2col and col2im throw or give the definition's values", () => {
    let computed = 0;
    const attrs = fc.record({
      kH: num(1, 3),
      kW: num(1, 3),
      sH: num(1, 3),
      sW: num(1, 3),
      dH: num(1, 1000),
      dW: num(1, 1000),
      top: num(0, 3),
      left: num(0, 1000),
      outH: num(0, 4),
      outW: num(0, 4),
    });
    fc.assert(
      fc.property(attrs, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), (a, hw, ci, lie) => {
        const g = { n: 2, h: hw, w: hw + 1, ci, ...a } as Geo;
        const xShape: [number, number, number, number] = [2, hw, hw + 1, ci];
        const x = tf.tensor(values(2 * hw * (hw + 1) * ci, 11), lie ? [2, hw + 1, hw, ci] : xShape); // lie: x not of the geometry's shape
        const before = tf.memory().numTensors;
        try {
          const cols = tf.engine().runKernel(IM2COL, { x }, { xShape, ...a }) as tf.Tensor;
          const back = tf.engine().runKernel(COL2IM, { cols }, { xShape, ...a }) as tf.Tensor;
          const colsIn = cols.dataSync() as Float32Array;
          const ref = reference(g, 1, x.dataSync() as Float32Array, new Float32Array(g.kH * g.kW * ci), new Float32Array(cols.shape[0]!), colsIn);
          expectClose(colsIn, ref.im, 'im2col');
          expectClose(back.dataSync() as Float32Array, ref.ci, 'col2im');
          expect(lie).toBe(false);
          tf.dispose([cols, back]);
          computed++;
        } catch (e) {
          if (!(e instanceof Error) || /^(AssertionError|expected)/.test(e.message)) throw e;
          expect(e.message).toMatch(/^Losslens(Im2Col|Col2Im): /);
        } finally {
          x.dispose();
        }
        expect(tf.memory().numTensors).toBe(before - 1);
      }),
      { numRuns: 300, seed: 33 },
    );
    expect(computed).toBeGreaterThan(20); // about 1 in 8 draws is a runnable geometry of x's shape
  });

  it('the pool share refuses windows that are not positive integers tiling the frame', () => {
    const x = tf.tensor(values(2 * 4 * 6 * 3, 5), [2, 4, 6, 3]);
    for (const [kH, kW] of [
      [0, 2],
      [2, 0],
      [NaN, 2],
      [-2, -3],
      [2 ** 31, 2],
      [3, 2],
      [0.5, 2],
      [Infinity, 1],
    ]) {
      expect(() => tf.engine().runKernel(POOL_SHARE, { x }, { kH, kW }), `${kH}×${kW}`).toThrow(/LosslensMaxPoolShare: /);
    }
    const share = tf.engine().runKernel(POOL_SHARE, { x }, { kH: 2, kW: 3 }) as tf.Tensor;
    expect(share.shape).toEqual([2, 4, 6, 3]);
    tf.dispose([x, share]);
  });
});

describe.skipIf(!load.addon)('tfjs convs through the native kernels on wasm, dilation ≫ input included', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('equal tf.conv2d on the cpu backend (forward, and both gradients)', async () => {
    const cases = fc
      .sample(
        fc.record({
          hw: fc.integer({ min: 1, max: 9 }),
          ci: fc.integer({ min: 1, max: 3 }),
          co: fc.constantFrom(1, 8, 16),
          k: fc.integer({ min: 1, max: 3 }),
          d: fc.constantFrom(1, 2, 5, 40, 1000),
          s: fc.integer({ min: 1, max: 3 }),
          pad: fc.constantFrom('same' as const, 'valid' as const),
        }),
        { numRuns: 40, seed: 33 },
      )
      .filter((c) => c.pad === 'same' || (c.k - 1) * c.d + 1 <= c.hw);
    cases.push({ hw: 12, ci: 1, co: 8, k: 3, d: 1000, s: 1, pad: 'same' });
    const run = (c: (typeof cases)[number]) => {
      const s = c.d > 1 ? 1 : c.s;
      const x = tf.tensor4d(values(2 * c.hw * c.hw * c.ci, 1), [2, c.hw, c.hw, c.ci]),
        w = tf.tensor4d(values(c.k * c.k * c.ci * c.co, 2), [c.k, c.k, c.ci, c.co]);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, c.pad, 'NHWC', c.d)));
      const [y, [gx, gw]] = tf.tidy(() => [tf.conv2d(x, w, s, c.pad, 'NHWC', c.d), tf.grads(f)([x, w])] as const);
      const out = [y, gx!, gw!].map((t) => t.dataSync().slice());
      tf.dispose([x, w, y, gx!, gw!]);
      return out;
    };
    const native = cases.map(run);
    await tf.setBackend('cpu');
    const cpu = cases.map(run);
    await selectBackend('wasm');
    cases.forEach((c, i) =>
      native[i]!.forEach((got, k) => expectClose(got as Float32Array, Float64Array.from(cpu[i]![k]!), `${JSON.stringify(c)} output ${k}`)),
    );
  });
});
