/**
 * Conv2D / MaxPool / AvgPool gradients re-registered as differentiable compositions:
 * first order against the cpu backend's stock backward kernels, second order against
 * central finite differences of the gradient, on cpu and wasm.
 *
 * Tolerances. First order: both sides are float32 sums of ≤ ~100 products of O(1) terms,
 * accumulated in different orders → |Δ| ≲ 100·ε·|terms| ≈ 1e-5; ATOL1 = 5e-5 guards that.
 * Second order (h = 1e-2): truncation h²/6·|∇⁴L| plus ulp(∇L)/2h roundoff — here the
 * gradients sum more terms (|∇L| ~ 10–50), so RTOL2 = 5e-3 of max(1, |Hv|∞).
 * Max pooling is piecewise linear: inputs are distinct values 0.07 apart, so no window's
 * argmax can change under an FD probe of ≤ 0.01 per entry (active set frozen).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { uniform, distinct, maxAbsDiff } from './helpers/seeded-values.js';

const H = 1e-2,
  ATOL1 = 5e-5,
  RTOL2 = 5e-3;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Run `fn` on the cpu backend (stock kernels as reference), then return to `back`. */
async function onCpu<T>(back: string, fn: () => T): Promise<T> {
  await tf.setBackend('cpu');
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
    await selectBackend(back);
  }
}
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

/** max|exact HVP − FD HVP| relative to max(1, |FD|), and tensors leaked by the exact HVP. */
function hvpVsFd(loss: (ps: tf.Tensor[]) => tf.Scalar, ps: tf.Tensor[], seed: number): { rel: number; leaked: number } {
  const vs = ps.map((p, i) => tf.tensor(uniform(p.size, seed + i), p.shape));
  const g = (qs: tf.Tensor[]) => tf.grads((...a: tf.Tensor[]) => loss(a))(qs);
  const before = tf.memory().numTensors;
  const hv = tf.tidy(() => tf.grads((...qs: tf.Tensor[]) => tf.addN(g(qs).map((gi, i) => tf.sum(tf.mul(gi, vs[i]!)))) as tf.Scalar)(ps));
  const leaked = tf.memory().numTensors - before - hv.length;
  const fd = tf.tidy(() => {
    const plus = g(ps.map((p, i) => tf.add(p, tf.mul(H, vs[i]!))));
    const minus = g(ps.map((p, i) => tf.sub(p, tf.mul(H, vs[i]!))));
    return plus.map((a, i) => tf.div(tf.sub(a, minus[i]!), 2 * H));
  });
  let err = 0,
    scale = 1;
  hv.forEach((h, i) => {
    const e = h.dataSync(),
      f = fd[i]!.dataSync();
    err = Math.max(err, maxAbsDiff(e, f));
    f.forEach((x) => (scale = Math.max(scale, Math.abs(x))));
  });
  tf.dispose([...vs, ...hv, ...fd]);
  return { rel: err / scale, leaked };
}

type Pad = 'same' | 'valid';
const CONV: Array<[h: number, w: number, k: number, stride: number, pad: Pad]> = [
  [7, 7, 3, 1, 'same'],
  [8, 6, 3, 1, 'valid'],
  [7, 9, 3, 2, 'same'],
  [8, 8, 3, 2, 'same'],
  [9, 7, 3, 2, 'valid'],
  [8, 8, 2, 2, 'valid'],
  [6, 7, 4, 3, 'same'],
  [6, 6, 5, 1, 'valid'], // output 2×2 < kernel 5×5: the input gradient takes the filter-as-input form
];

describe.each(['cpu', 'wasm'])('Conv2D gradients on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(CONV)('first order %ix%i k%i stride %i %s matches stock Conv2DBackpropInput/Filter (cpu)', async (h, w, k, s, pad) => {
    const x = tf.tensor4d(uniform(2 * h * w * 3, h * 7 + k), [2, h, w, 3]);
    const f = tf.tensor4d(uniform(k * k * 3 * 4, s * 13 + k), [k, k, 3, 4]);
    const yShape = tf.tidy(() => tf.conv2d(x, f, s, pad).shape);
    const dy = tf.tensor4d(uniform(size(yShape), 99), yShape as [number, number, number, number]);
    const before = tf.memory().numTensors;
    const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), dy)))([x, f]);
    expect(tf.memory().numTensors - before).toBe(2);
    const [rx, rf] = await onCpu(backend, () => {
      const cx = tf.tensor(x.dataSync(), x.shape),
        cf = tf.tensor(f.dataSync(), f.shape),
        cdy = tf.tensor(dy.dataSync(), dy.shape);
      const out = [
        run('Conv2DBackpropInput', { dy: cdy, filter: cf }, { inputShape: x.shape, strides: s, pad, dataFormat: 'NHWC' }),
        run('Conv2DBackpropFilter', { x: cx, dy: cdy }, { filterShape: f.shape, strides: s, pad, dataFormat: 'NHWC' }),
      ].map((t) => t.dataSync().slice());
      return out;
    });
    expect(maxAbsDiff(gx!.dataSync(), rx!)).toBeLessThan(ATOL1);
    expect(maxAbsDiff(gf!.dataSync(), rf!)).toBeLessThan(ATOL1);
    tf.dispose([x, f, dy, gx!, gf!]);
  });

  it.each([
    [7, 3, 1, 1, 'same'],
    [8, 3, 2, 1, 'same'],
    [9, 3, 2, 1, 'valid'],
    [8, 3, 1, 2, 'same'],
    [9, 2, 1, 2, 'valid'],
  ] as Array<[number, number, number, number, Pad]>)(
    'second order %i² k%i stride %i dilation %i %s: exact HVP = FD (x and filter), no leaks',
    (h, k, s, d, pad) => {
      const x = tf.tensor4d(uniform(2 * h * h * 2, h + k), [2, h, h, 2]);
      const f = tf.tensor4d(uniform(k * k * 2 * 3, 5 * k + s, -0.7, 0.7), [k, k, 2, 3]);
      // tanh makes the loss non-quadratic in (x, f) jointly; the mixed x–f terms test dx's graph in f.
      const loss = ([a, b]: tf.Tensor[]) => tf.sum(tf.tanh(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad, 'NHWC', d))) as tf.Scalar;
      const r = hvpVsFd(loss, [x, f], 17 * h + s);
      expect(r.leaked).toBe(0);
      expect(r.rel).toBeLessThan(RTOL2);
      tf.dispose([x, f]);
    },
  );
});

const POOL: Array<[h: number, k: number, stride: number, pad: Pad]> = [
  [8, 2, 2, 'valid'],
  [7, 2, 2, 'valid'],
  [7, 2, 2, 'same'],
  [9, 3, 3, 'same'],
  [7, 3, 2, 'same'],
  [8, 3, 2, 'valid'],
  [6, 2, 1, 'same'],
];
/** 'same' windows that run past the edge: stock AvgPoolGrad divides by k² there while the forward divides by the in-bounds count. */
const partial = (h: number, k: number, s: number, pad: Pad) => pad === 'same' && (Math.ceil(h / s) - 1) * s + k > h;

describe.each(['cpu', 'wasm'])('MaxPool / AvgPool gradients on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(POOL)('first order %i k%i stride %i %s: max and avg match cpu stock; max right on all-negative inputs', async (h, k, s, pad) => {
    for (const [kind, offset] of [
      ['max', 3],
      ['max', -10],
      ['avg', 3],
    ] as const) {
      const x = tf.tensor4d(distinct(2 * h * h * 3, h + k + s, offset), [2, h, h, 3]);
      const fn = kind === 'max' ? tf.maxPool : tf.avgPool;
      const yShape = tf.tidy(() => fn(x, k, s, pad).shape);
      const dy = tf.tensor4d(uniform(size(yShape), 5), yShape as [number, number, number, number]);
      const before = tf.memory().numTensors;
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(fn(a as tf.Tensor4D, k, s, pad), dy)))(x);
      expect(tf.memory().numTensors - before).toBe(1);
      if (kind === 'avg' && partial(h, k, s, pad)) {
        // the reference is the forward itself: the gradient of a linear map, by one FD probe per window pattern
        const e = tf.tidy(() => tf.sub(tf.sum(tf.mul(fn(tf.add(x, 1) as tf.Tensor4D, k, s, pad), dy)), tf.sum(tf.mul(fn(x, k, s, pad), dy))).dataSync()[0]!);
        expect(Math.abs(tf.sum(g).dataSync()[0]! - e)).toBeLessThan(1e-3);
      } else {
        const ref = await onCpu(backend, () => {
          const cx = tf.tensor(x.dataSync(), x.shape) as tf.Tensor4D,
            cdy = tf.tensor(dy.dataSync(), dy.shape);
          const inputs: Record<string, tf.Tensor> = kind === 'max' ? { dy: cdy, input: cx, output: tf.maxPool(cx, k, s, pad) } : { dy: cdy, input: cx };
          return run(kind === 'max' ? 'MaxPoolGrad' : 'AvgPoolGrad', inputs, { filterSize: k, strides: s, pad })
            .dataSync()
            .slice();
        });
        expect(maxAbsDiff(g.dataSync(), ref)).toBeLessThan(ATOL1);
      }
      tf.dispose([x, dy, g]);
    }
  });

  it.each(POOL)('second order %i k%i stride %i %s: exact HVP = FD through max and avg pooling, no leaks', (h, k, s, pad) => {
    const x = tf.tensor4d(distinct(h * h * 2, 3 * h + k, 0.5), [1, h, h, 2]);
    const loss = ([a]: tf.Tensor[]) =>
      tf.add(tf.sum(tf.square(tf.maxPool(a as tf.Tensor4D, k, s, pad))), tf.sum(tf.exp(tf.avgPool(a as tf.Tensor4D, k, s, pad)))) as tf.Scalar;
    const r = hvpVsFd(loss, [x], 31 * h + s);
    expect(r.leaked).toBe(0);
    expect(r.rel).toBeLessThan(RTOL2);
    x.dispose();
  });
});

describe('stock wasm MaxPoolGrad is wrong on negative windows; ours is not used', () => {
  it('all-negative input: stock wasm kernel disagrees with cpu, our wasm gradient agrees', async () => {
    await selectBackend('wasm');
    const x = tf.tensor4d(distinct(2 * 6 * 6 * 2, 3, -10), [2, 6, 6, 2]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.onesLike(y);
    const stockWasm = run('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }).dataSync().slice();
    const ours = tf
      .grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)
      .dataSync()
      .slice();
    const ref = await onCpu('wasm', () =>
      tf
        .grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor(x.dataSync(), x.shape))
        .dataSync()
        .slice(),
    );
    expect(maxAbsDiff(ours, ref)).toBe(0);
    expect(maxAbsDiff(stockWasm, ref)).toBeGreaterThan(0.5); // documents the stock bug this registration avoids
    tf.dispose([x, y, dy]);
  });
});
