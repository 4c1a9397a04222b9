/**
 * The max-pool gradient kernels of src/kernels/pool-share.ts (pool size == stride), on cpu and wasm:
 * - first order = the cpu backend's stock MaxPoolGrad (distinct inputs, all-negative windows too),
 *   and = the composed form (LOSSLENS_POOL_GRAD=ops) including ties, which both split evenly;
 * - spread and gather are adjoint: <spread(dy), t> = <dy, gather(t)>;
 * - second order: exact HVP = central finite differences (active set frozen: inputs 0.07 apart);
 * - a NaN in a window gives NaN in its gradient, as the composed form does; no tensor leaks;
 * - the kernels really run (tf.profile kernel names);
 * - route(x, dy) = spread(dy, share(x)) bit for bit (2×2 unrolled and general windows, relu-output
 *   shares, ties, −0, ±∞, NaN windows, negative dy).
 * Odd shapes: batch 1, 3 channels, 'same' windows past the edge (−∞ padding), crops (7 with pool 2).
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { maxPoolShare, poolGather, poolRoute, poolSpread, POOL_SHARE, POOL_SPREAD } from '../src/kernels/pool-share.js';
import { uniform, distinct, maxAbsDiff } from './helpers/seeded-values.js';

const ATOL1 = 5e-5,
  H = 1e-2,
  RTOL2 = 5e-3;

type Pad = 'same' | 'valid';
// [n, h, w, c, k, pad]
const CASES: Array<[number, number, number, number, number, Pad]> = [
  [1, 8, 8, 3, 2, 'valid'],
  [2, 7, 7, 3, 2, 'valid'],
  [2, 7, 9, 2, 2, 'same'],
  [1, 9, 9, 3, 3, 'same'],
  [2, 5, 5, 1, 5, 'valid'],
  [1, 4, 4, 2, 3, 'same'],
];

describe.each(['cpu', 'wasm'])('max-pool share/spread kernels on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });
  afterEach(() => {
    delete process.env.LOSSLENS_POOL_GRAD;
  });
  const grad = (x: tf.Tensor4D, dy: tf.Tensor, k: number, pad: Pad) =>
    tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, k, pad), dy)))(x);

  it.each(CASES)('first order n%i %ix%i c%i pool %i %s = stock cpu MaxPoolGrad and the composed form; kernels ran; no leaks', async (n, h, w, c, k, pad) => {
    for (const offset of [3, -10]) {
      const x = tf.tensor4d(distinct(n * h * w * c, h * 5 + k + c, offset), [n, h, w, c]);
      const y = tf.maxPool(x, k, k, pad);
      const dy = tf.tensor(uniform(y.size, 7), y.shape);
      const before = tf.memory().numTensors;
      let g!: tf.Tensor;
      const prof = await tf.profile(() => (g = grad(x, dy, k, pad)));
      expect(tf.memory().numTensors - before).toBe(1);
      const names = new Set(prof.kernels.map((q) => q.name));
      expect(names.has(POOL_SPREAD)).toBe(true); // share is made off the tape, by its kernel function
      process.env.LOSSLENS_POOL_GRAD = 'ops';
      const composed = grad(x, dy, k, pad);
      delete process.env.LOSSLENS_POOL_GRAD;
      expect(maxAbsDiff(g.dataSync(), composed.dataSync())).toBeLessThan(ATOL1);
      const ours = g.dataSync().slice(),
        xs = x.dataSync().slice(),
        ys = dy.dataSync().slice();
      await tf.setBackend('cpu');
      const ref = tf.tidy(() => {
        const cx = tf.tensor4d(xs, [n, h, w, c]);
        return (
          tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor(ys, y.shape), input: cx, output: tf.maxPool(cx, k, k, pad) }, {
            filterSize: k,
            strides: k,
            pad,
          } as unknown as tf.NamedAttrMap) as tf.Tensor
        )
          .dataSync()
          .slice();
      });
      await selectBackend(backend);
      expect(maxAbsDiff(ours, ref)).toBeLessThan(ATOL1);
      tf.dispose([x, y, dy, g, composed]);
    }
  });

  it('ties split dy evenly, like the composed form; a NaN window gives NaN', () => {
    const x = tf.tensor4d([1, 1, 0, 2, 1, 1, 2, 2, 5, 5, 5, 5, 0, NaN, 3, 3], [1, 4, 4, 1]);
    const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const g = grad(x, dy, 2, 'valid').dataSync().slice();
    process.env.LOSSLENS_POOL_GRAD = 'ops';
    const composed = grad(x, dy, 2, 'valid').dataSync().slice();
    // window (0,0) = [1,1;1,1]: four ties, 1/4 each; window (0,1) = [0,2;2,2]: three ties, 2/3 each
    expect(Array.from(g.slice(0, 4))).toEqual([0.25, 0.25, 0, 2 / 3].map(Math.fround));
    expect(Number.isNaN(g[13]!) && Number.isNaN(g[12]!)).toBe(true);
    const finite = (a: ArrayLike<number>) => Array.from(a).map((v, i) => (Number.isNaN(v) ? `nan${i}` : v));
    expect(finite(g).filter((v) => typeof v === 'string')).toEqual(finite(composed).filter((v) => typeof v === 'string'));
    expect(
      maxAbsDiff(
        g.map((v) => (Number.isNaN(v) ? 0 : v)),
        composed.map((v) => (Number.isNaN(v) ? 0 : v)),
      ),
    ).toBeLessThan(1e-6);
    tf.dispose([x, dy]);
  });

  it.each([
    [2, 3],
    [3, 1],
  ])('spread and gather (pool %i, %i channels) are adjoint, and each is the gradient of the other', (k, c) => {
    const xt = tf.tensor4d(uniform(2 * 3 * k * 2 * k * c, 3), [2, 3 * k, 2 * k, c]);
    const attrs = { kH: k, kW: k };
    const share = maxPoolShare(xt, attrs);
    const dy = tf.tensor4d(uniform(2 * 3 * 2 * c, 4), [2, 3, 2, c]),
      t = tf.tensor4d(uniform(xt.size, 5), xt.shape);
    const lhs = tf.sum(tf.mul(poolSpread(dy, share, attrs), t)).dataSync()[0]!,
      rhs = tf.sum(tf.mul(dy, poolGather(t, share, attrs))).dataSync()[0]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5);
    const gDy = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(poolSpread(a, share, attrs), t)))(dy);
    expect(maxAbsDiff(gDy.dataSync(), poolGather(t, share, attrs).dataSync())).toBeLessThan(1e-6);
    const gT = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(poolGather(a, share, attrs), dy)))(t);
    expect(maxAbsDiff(gT.dataSync(), poolSpread(dy, share, attrs).dataSync())).toBeLessThan(1e-6);
    expect(tf.getKernel(POOL_SHARE, backend)).toBeDefined();
  });

  it.each([
    [2, 2, 5],
    [3, 3, 2],
    [3, 2, 4],
  ])('route (pool %i×%i, %i channels) equals spread(dy, share(x)) bit for bit, plain and over a relu output', (kH, kW, c) => {
    const shape = [2, 3 * kH, 4 * kW, c],
      n = shape.reduce((a, b) => a * b, 1);
    // coarse values: ties; relu-like zeros and whole zero windows; −0, ±∞, a NaN window
    const xs = uniform(n, 11).map((v) => Math.round(v * 3) / 3);
    xs[2] = NaN;
    xs[5] = -0;
    xs[n - 1] = -Infinity;
    xs[n - 3] = Infinity;
    const dys = uniform(n / (kH * kW), 12).map((v, i) => (i % 7 === 0 ? -0 : v));
    for (const positive of [false, true]) {
      const x = tf.tensor4d(positive ? xs.map((v) => (v < 0 ? 0 : v)) : xs, shape as [number, number, number, number]);
      const dy = tf.tensor4d(dys, [2, 3, 4, c]);
      const attrs = { kH, kW, positive };
      const before = tf.memory().numTensors;
      const want = tf.tidy(() => poolSpread(dy, maxPoolShare(x, attrs), attrs).dataSync().slice());
      const got = tf.tidy(() => poolRoute(x, dy, attrs).dataSync().slice());
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(got, (v, i) => Object.is(v, want[i]))).toEqual(Array.from(want, () => true));
      expect(want.some(Number.isNaN) && want.some((v) => Object.is(v, -0)) && want.some((v) => v !== 0 && !Number.isNaN(v))).toBe(true);
      tf.dispose([x, dy]);
    }
  });

  it.each(CASES)('second order n%i %ix%i c%i pool %i %s: exact HVP = FD, no leaks', (n, h, w, c, k, pad) => {
    const x = tf.tensor4d(distinct(n * h * w * c, 3 * h + k, 0.5), [n, h, w, c]);
    const loss = (a: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.tanh(a) as tf.Tensor4D, k, k, pad))) as tf.Scalar;
    const v = tf.tensor(uniform(x.size, 9), x.shape);
    const g = (q: tf.Tensor) => tf.grad(loss)(q);
    const before = tf.memory().numTensors;
    const hv = tf.tidy(() => tf.grad((q: tf.Tensor) => tf.sum(tf.mul(g(q), v)))(x));
    expect(tf.memory().numTensors - before).toBe(1);
    const fd = tf.tidy(() => tf.div(tf.sub(g(tf.add(x, tf.mul(H, v))), g(tf.sub(x, tf.mul(H, v)))), 2 * H));
    const f = fd.dataSync();
    const scale = Math.max(1, ...Array.from(f, Math.abs));
    expect(maxAbsDiff(hv.dataSync(), f) / scale).toBeLessThan(RTOL2);
    tf.dispose([x, v, hv, fd]);
  });
});
