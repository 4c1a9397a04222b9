/**
 * The im2col / col2im kernels (src/kernels/im2col.ts) and the Conv2D gradient built on them:
 * - im2col against the same gather written with tf.pad + strided tf.slice (cpu stock kernels);
 * - col2im is im2col's adjoint: <im2col(x), c> = <x, col2im(c)>;
 * - the gradient path: first order against the cpu backend's stock Conv2DBackpropInput /
 *   Conv2DBackpropFilter, second order against finite differences, on wasm and cpu, on odd
 *   shapes (stride 2, 'same', kernel larger than the output, batch 1, 3 channels, dilation 2);
 * - the path really runs (kernel names recorded by tf.profile) and agrees with the conv forms
 *   (LOSSLENS_CONV_GRAD=conv).
 * Tolerances as in conv-pool-gradients.test.ts (float32 sums of ≤ ~100 O(1) products).
 */
import { describe, it, expect, beforeAll, beforeEach, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { col2im, im2col, COL2IM, IM2COL, type Im2ColAttrs } from '../src/kernels/im2col.js';

const ATOL1 = 5e-5,
  H = 1e-2,
  RTOL2 = 5e-3;
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const uniform = (n: number, seed: number, lo = -1, hi = 1) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
};
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

type Pad = 'same' | 'valid';
// [n, h, w, ci, co, k, stride, dilation, pad]
type Case = [number, number, number, number, number, number, number, number, Pad];
const CASES: Case[] = [
  [1, 7, 7, 3, 4, 3, 1, 1, 'same'], // batch 1, 3 channels
  [2, 9, 8, 3, 2, 3, 2, 1, 'same'], // stride 2, 'same' with uneven padding
  [2, 8, 9, 1, 3, 4, 2, 1, 'valid'],
  [1, 6, 6, 3, 2, 5, 1, 1, 'valid'], // output 2×2 < kernel 5×5
  [2, 5, 5, 2, 3, 7, 1, 1, 'same'], // kernel 7 > input 5
  [2, 9, 9, 2, 3, 3, 1, 2, 'same'], // dilation 2
  [3, 10, 7, 16, 5, 2, 3, 1, 'valid'], // stride 3 > kernel 2 (gaps), runs of 32 floats
];

function geometry(c: Case): { attrs: Im2ColAttrs; fShape: [number, number, number, number] } {
  const [n, h, w, ci, co, k, s, d, pad] = c;
  const info = tf.backend_util.computeConv2DInfo([n, h, w, ci], [k, k, ci, co], s, d, pad, undefined, false, 'channelsLast');
  return {
    attrs: {
      xShape: [n, h, w, ci],
      kH: k,
      kW: k,
      sH: s,
      sW: s,
      dH: d,
      dW: d,
      top: info.padInfo.top,
      left: info.padInfo.left,
      outH: info.outHeight,
      outW: info.outWidth,
    },
    fShape: [k, k, ci, co],
  };
}

/** im2col by stock ops: pad, then for each (a, b) a strided slice, stacked on the last axis. */
function referenceIm2col(x: tf.Tensor4D, g: Im2ColAttrs): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, ci] = g.xShape;
    const ph = (g.outH - 1) * g.sH + (g.kH - 1) * g.dH + 1,
      pw = (g.outW - 1) * g.sW + (g.kW - 1) * g.dW + 1;
    const big = tf.pad(x, [
      [0, 0],
      [g.top, Math.max(0, ph - h - g.top) + g.sH],
      [g.left, Math.max(0, pw - w - g.left) + g.sW],
      [0, 0],
    ]);
    const parts: tf.Tensor[] = [];
    for (let a = 0; a < g.kH; a++)
      for (let b = 0; b < g.kW; b++) {
        parts.push(tf.stridedSlice(big, [0, a * g.dH, b * g.dW, 0], [n, a * g.dH + g.outH * g.sH, b * g.dW + g.outW * g.sW, ci], [1, g.sH, g.sW, 1]));
      }
    return tf.reshape(tf.stack(parts, 3), [n * g.outH * g.outW, g.kH * g.kW * ci]) as tf.Tensor2D;
  });
}

describe.each(['cpu', 'wasm'])('im2col / col2im kernels on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(CASES)('n%i %ix%i ci%i co%i k%i stride %i dilation %i %s: im2col = pad+slice gather; col2im is its adjoint', (...c) => {
    const { attrs } = geometry(c);
    const x = tf.tensor4d(uniform(size(attrs.xShape), c[1] * 7 + c[5]), attrs.xShape);
    const before = tf.memory().numTensors;
    const cols = im2col(x, attrs);
    const ref = referenceIm2col(x, attrs);
    expect(cols.shape).toEqual(ref.shape);
    expect(maxAbsDiff(cols.dataSync(), ref.dataSync())).toBe(0);
    const probe = tf.tensor2d(uniform(cols.size, 5), cols.shape);
    const back = col2im(probe, attrs);
    expect(back.shape).toEqual(attrs.xShape);
    const lhs = tf.tidy(() => tf.sum(tf.mul(cols, probe)).dataSync()[0]!),
      rhs = tf.tidy(() => tf.sum(tf.mul(x, back)).dataSync()[0]!);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    tf.dispose([cols, ref, probe, back]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

// hybrid (plain wasm's default): dx by col2im, dW the conv form; im2col: both by im2col/col2im;
// kernels (the native kernels' default): the Conv2DBackpropInput / Conv2DBackpropFilter kernels,
// differentiated by their registered gradients (dilation 2 takes hybrid)
const MODES = [
  ['cpu', 'hybrid'],
  ['cpu', 'im2col'],
  ['cpu', 'kernels'],
  ['wasm', 'hybrid'],
  ['wasm', 'im2col'],
  ['wasm', 'kernels'],
] as const;
describe.each(MODES)('Conv2D gradients through im2col or the backward kernels on %s, mode %s', (backend, mode) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });
  const useMode = () => {
    process.env.LOSSLENS_CONV_GRAD = mode;
  }; // explicit: unset, the installed kernels decide
  beforeEach(useMode);
  afterEach(() => {
    delete process.env.LOSSLENS_CONV_GRAD;
    delete process.env.LOSSLENS_IM2COL_MAX_VALUES;
  });

  it('a column matrix over the size cap falls back to the conv forms (same values)', async () => {
    const x = tf.tensor4d(uniform(2 * 6 * 6 * 3, 8), [2, 6, 6, 3]),
      f = tf.tensor4d(uniform(3 * 3 * 3 * 2, 9), [3, 3, 3, 2]);
    const gradsOf = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, f]);
    const names = async () => {
      const info = await tf.profile(() => gradsOf());
      tf.dispose(info.result as tf.Tensor[]);
      return new Set(info.kernels.map((k) => k.name));
    };
    const small = gradsOf();
    // the backward kernels materialize no column matrix here: no cap, the same kernels either side of it
    const marker = mode === 'kernels' ? 'Conv2DBackpropFilter' : COL2IM;
    expect((await names()).has(marker)).toBe(true);
    process.env.LOSSLENS_IM2COL_MAX_VALUES = String(2 * 6 * 6 * 27 - 1); // one value under this conv's column matrix
    expect((await names()).has(marker)).toBe(mode === 'kernels');
    const capped = gradsOf();
    small.forEach((g, i) => expect(maxAbsDiff(g.dataSync(), capped[i]!.dataSync())).toBeLessThan(ATOL1));
    tf.dispose([x, f, ...small, ...capped]);
  });

  it.each(CASES)(
    'first order n%i %ix%i ci%i co%i k%i stride %i dilation %i %s = stock cpu Conv2DBackpropInput/Filter and the conv forms; the kernels ran',
    async (...c) => {
      const [, , , , , , s, d, pad] = c;
      const { attrs, fShape } = geometry(c);
      const x = tf.tensor4d(uniform(size(attrs.xShape), 3 * c[1] + c[4]), attrs.xShape);
      const f = tf.tensor4d(uniform(size(fShape), 11 * c[5] + s), fShape);
      const yShape = [attrs.xShape[0], attrs.outH, attrs.outW, fShape[3]] as [number, number, number, number];
      const dy = tf.tensor4d(uniform(size(yShape), 99), yShape);
      const grads = () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad, 'NHWC', d), dy)))([x, f]);
      let gx!: tf.Tensor, gf!: tf.Tensor;
      const prof = await tf.profile(() => {
        [gx, gf] = grads();
        return [gx, gf];
      });
      const names = new Set(prof.kernels.map((k) => k.name));
      const kernels = mode === 'kernels' && d === 1;
      expect(names.has(COL2IM)).toBe(!kernels);
      expect(names.has(IM2COL)).toBe(mode === 'im2col');
      expect(names.has('Conv2DBackpropInput') && names.has('Conv2DBackpropFilter')).toBe(kernels);
      process.env.LOSSLENS_CONV_GRAD = 'conv';
      const [cx, cf] = grads();
      expect(maxAbsDiff(gx.dataSync(), cx!.dataSync())).toBeLessThan(ATOL1);
      expect(maxAbsDiff(gf.dataSync(), cf!.dataSync())).toBeLessThan(ATOL1);
      const ex = gx.dataSync().slice(),
        ef = gf.dataSync().slice();
      await tf.setBackend('cpu');
      // the stock backprop kernels have no dilations: dilation 2 is covered by the conv forms above and by FD below
      const [rx, rf] =
        d > 1
          ? [ex, ef]
          : tf.tidy(() => {
              const tx = tf.tensor(x.dataSync(), x.shape),
                tfl = tf.tensor(f.dataSync(), f.shape),
                tdy = tf.tensor(dy.dataSync(), dy.shape);
              return [
                run('Conv2DBackpropInput', { dy: tdy, filter: tfl }, { inputShape: x.shape, strides: s, pad, dataFormat: 'NHWC' }).dataSync().slice(),
                run('Conv2DBackpropFilter', { x: tx, dy: tdy }, { filterShape: fShape, strides: s, pad, dataFormat: 'NHWC' }).dataSync().slice(),
              ];
            });
      await selectBackend(backend);
      expect(maxAbsDiff(ex, rx)).toBeLessThan(ATOL1);
      expect(maxAbsDiff(ef, rf)).toBeLessThan(ATOL1);
      tf.dispose([x, f, dy, gx, gf, cx!, cf!]);
    },
  );

  it.each(CASES)('second order n%i %ix%i ci%i co%i k%i stride %i dilation %i %s: exact HVP = FD (x and filter), no leaks', (...c) => {
    const [, , , , , , s, d, pad] = c;
    const { attrs, fShape } = geometry(c);
    const x = tf.tensor4d(uniform(size(attrs.xShape), c[1] + c[5]), attrs.xShape);
    const f = tf.tensor4d(uniform(size(fShape), 5 * c[5] + s, -0.7, 0.7), fShape);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.tanh(tf.mul(0.3, tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad, 'NHWC', d)))) as tf.Scalar;
    const ps = [x, f];
    const vs = ps.map((p, i) => tf.tensor(uniform(p.size, 17 + i), p.shape));
    const g = (qs: tf.Tensor[]) => tf.grads(loss)(qs);
    const before = tf.memory().numTensors;
    const hv = tf.tidy(() => tf.grads((...qs: tf.Tensor[]) => tf.addN(g(qs).map((gi, i) => tf.sum(tf.mul(gi, vs[i]!)))) as tf.Scalar)(ps));
    expect(tf.memory().numTensors - before - hv.length).toBe(0);
    const fd = tf.tidy(() => {
      const plus = g(ps.map((p, i) => tf.add(p, tf.mul(H, vs[i]!)))),
        minus = g(ps.map((p, i) => tf.sub(p, tf.mul(H, vs[i]!))));
      return plus.map((a, i) => tf.div(tf.sub(a, minus[i]!), 2 * H));
    });
    let err = 0,
      scale = 1;
    hv.forEach((h, i) => {
      const e = h.dataSync(),
        q = fd[i]!.dataSync();
      err = Math.max(err, maxAbsDiff(e, q));
      q.forEach((v) => (scale = Math.max(scale, Math.abs(v))));
    });
    expect(err / scale).toBeLessThan(RTOL2);
    tf.dispose([...vs, ...hv, ...fd, x, f]);
  });
});

describe('wasm Conv2DBackpropFilter kernel (im2col + matmul) = the cpu stock kernel', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  it.each(CASES.filter((c) => c[7] === 1))('n%i %ix%i ci%i co%i k%i stride %i dilation %i %s; frees its column matrix', async (...c) => {
    const [, , , , , , s, , pad] = c;
    const { attrs, fShape } = geometry(c);
    const xs = uniform(size(attrs.xShape), 5 * c[1] + c[3]);
    const yShape = [attrs.xShape[0], attrs.outH, attrs.outW, fShape[3]];
    const dys = uniform(size(yShape), 23);
    const before = tf.memory() as tf.MemoryInfo,
      ids = tf.backend().numDataIds();
    const ours = tf.tidy(() =>
      run('Conv2DBackpropFilter', { x: tf.tensor(xs, attrs.xShape), dy: tf.tensor(dys, yShape) }, { filterShape: fShape, strides: s, pad, dataFormat: 'NHWC' })
        .dataSync()
        .slice(),
    );
    const after = tf.memory() as tf.MemoryInfo;
    expect([after.numTensors, after.numDataBuffers, tf.backend().numDataIds()]).toEqual([before.numTensors, before.numDataBuffers, ids]);
    await tf.setBackend('cpu');
    const ref = tf.tidy(() =>
      run('Conv2DBackpropFilter', { x: tf.tensor(xs, attrs.xShape), dy: tf.tensor(dys, yShape) }, { filterShape: fShape, strides: s, pad, dataFormat: 'NHWC' })
        .dataSync()
        .slice(),
    );
    await selectBackend('wasm');
    expect(ours.length).toBe(size(fShape));
    expect(maxAbsDiff(ours, ref)).toBeLessThan(ATOL1);
  });
});
