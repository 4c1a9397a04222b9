/**
 * DepthwiseConv2dNative gradients re-registered as depthwise convs (src/objective/gradients/depthwise.ts):
 * first order against the cpu backend's stock backward kernels (dilation 1, which is all they take
 * through tfjs' own gradient) and against central differences (dilation > 1), second order — the
 * exact HVP by double backprop — against central differences of the gradient, on cpu and wasm
 * (wasm has no depthwise backward kernels at all: stock double backprop cannot run there). The
 * backward kernels' own gradients (cpu, where they exist) the same way.
 *
 * Tolerances as in conv-pool-gradients.test.ts: first order ATOL1 = 5e-5 (float32 sums of ≤ ~100
 * O(1) products in different orders); FD with h = 1e-2, RTOL2 = 5e-3 of max(1, |FD|∞) (truncation
 * h²/6·|∇⁴L| plus ulp(∇L)/2h roundoff, with ~10× room).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { SECOND_ORDER_KERNELS } from '../src/objective/second-order-gradients.js';
import { uniform, maxAbsDiff } from './helpers/seeded-values.js';

const H = 1e-2,
  ATOL1 = 5e-5,
  RTOL2 = 5e-3;
type Pad = 'same' | 'valid';
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

/** max|exact HVP − FD HVP| relative to max(1, |FD|∞) over all arguments, and tensors the exact HVP leaked. */
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
    const f = fd[i]!.dataSync();
    err = Math.max(err, maxAbsDiff(h.dataSync(), f));
    f.forEach((x) => (scale = Math.max(scale, Math.abs(x))));
  });
  tf.dispose([...vs, ...hv, ...fd]);
  return { rel: err / scale, leaked };
}

/** Central differences of L(x, f) = Σ dy ⊙ depthwise(x, f) along each coordinate: the first-order oracle for dilation > 1. */
function fdFirstOrder(x: tf.Tensor4D, f: tf.Tensor4D, dy: tf.Tensor, s: number, pad: Pad, d: number): [Float32Array, Float32Array] {
  const L = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.tidy(() => tf.sum(tf.mul(tf.depthwiseConv2d(a, b, s, pad, 'NHWC', d), dy)).dataSync()[0]!);
  const along = (t: tf.Tensor4D, which: 0 | 1) =>
    Float32Array.from({ length: t.size }, (_, i) => {
      const unit = new Float32Array(t.size);
      unit[i] = 1;
      const e = tf.tensor4d(unit, t.shape);
      const [p, m] = [tf.add(t, tf.mul(e, 0.5)) as tf.Tensor4D, tf.sub(t, tf.mul(e, 0.5)) as tf.Tensor4D];
      const r = which === 0 ? L(p, f) - L(m, f) : L(x, p) - L(x, m); // L is linear in each argument: exact up to rounding
      tf.dispose([e, p, m]);
      return r;
    });
  return [along(x, 0), along(f, 1)];
}

// [h, w, k, multiplier, stride, dilation, pad]
const GEOMS: Array<[number, number, number, number, number, number, Pad]> = [
  [7, 7, 3, 1, 1, 1, 'same'],
  [8, 6, 3, 2, 1, 1, 'valid'],
  [7, 9, 3, 1, 2, 1, 'same'],
  [8, 8, 3, 2, 2, 1, 'same'],
  [9, 7, 2, 1, 2, 1, 'valid'],
  [6, 7, 4, 1, 3, 1, 'same'],
  [8, 8, 3, 1, 1, 2, 'same'],
  [9, 8, 2, 2, 1, 3, 'valid'],
];

describe.each(['cpu', 'wasm'])('DepthwiseConv2dNative gradients on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(GEOMS)(
    'first order %ix%i k%i ×%i stride %i dilation %i %s: the stock backward kernels (dilation 1) or central differences',
    async (h, w, k, m, s, d, pad) => {
      const x = tf.tensor4d(uniform(2 * h * w * 3, h * 7 + k), [2, h, w, 3]);
      const f = tf.tensor4d(uniform(k * k * 3 * m, s * 13 + k + d), [k, k, 3, m]);
      const yShape = tf.tidy(() => tf.depthwiseConv2d(x, f, s, pad, 'NHWC', d).shape);
      const dy = tf.tensor(
        uniform(
          yShape.reduce((a, b) => a * b, 1),
          99,
        ),
        yShape,
      );
      const before = tf.memory().numTensors;
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad, 'NHWC', d), dy)))([
        x,
        f,
      ]);
      expect(tf.memory().numTensors - before).toBe(2);
      let ref: [ArrayLike<number>, ArrayLike<number>];
      if (d === 1) {
        await tf.setBackend('cpu');
        ref = ((): [ArrayLike<number>, ArrayLike<number>] => {
          const [cx, cf, cdy] = [x, f, dy].map((t) => tf.tensor(t.dataSync(), t.shape));
          const attrs = { strides: s, pad, dilations: 1 };
          const ts = [
            run('DepthwiseConv2dNativeBackpropInput', { dy: cdy!, filter: cf! }, { ...attrs, inputShape: x.shape }),
            run('DepthwiseConv2dNativeBackpropFilter', { x: cx!, dy: cdy! }, { ...attrs, filterShape: f.shape }),
          ];
          const out: [ArrayLike<number>, ArrayLike<number>] = [ts[0]!.dataSync().slice(), ts[1]!.dataSync().slice()];
          tf.dispose([cx!, cf!, cdy!, ...ts]);
          return out;
        })();
        await selectBackend(backend);
      } else {
        ref = fdFirstOrder(x, f, dy, s, pad, d);
      }
      const tol = d === 1 ? ATOL1 : 2e-3; // FD of a bilinear form: only float32 rounding of Σ over ~250 terms / 0.5
      expect(maxAbsDiff(gx!.dataSync(), ref[0])).toBeLessThan(tol);
      expect(maxAbsDiff(gf!.dataSync(), ref[1])).toBeLessThan(tol);
      tf.dispose([x, f, dy, gx!, gf!]);
    },
  );

  it.each(GEOMS)('second order %ix%i k%i ×%i stride %i dilation %i %s: exact HVP = FD (x and filter jointly), no leaks', (h, w, k, m, s, d, pad) => {
    const x = tf.tensor4d(uniform(2 * h * w * 2, h + k + d), [2, h, w, 2]);
    const f = tf.tensor4d(uniform(k * k * 2 * m, 5 * k + s, -0.7, 0.7), [k, k, 2, m]);
    // tanh makes the loss non-quadratic in (x, f) jointly; its mixed x–f terms test each gradient's graph in the other argument
    const loss = ([a, b]: tf.Tensor[]) => tf.sum(tf.tanh(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad, 'NHWC', d))) as tf.Scalar;
    const r = hvpVsFd(loss, [x, f], 17 * h + k);
    expect(r.rel).toBeLessThan(RTOL2);
    expect(r.leaked).toBe(0);
    tf.dispose([x, f]);
  });

  it('lists the three kernels as re-registered', () => {
    for (const k of ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'])
      expect(SECOND_ORDER_KERNELS).toContain(k);
  });
});

describe("the depthwise backward kernels' own gradients (cpu, the backend that has the kernels)", () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each([
    [7, 3, 1, 1, 'same'],
    [8, 3, 2, 2, 'valid'],
    [9, 2, 1, 2, 'same'],
  ] as Array<[number, number, number, number, Pad]>)('%i² k%i ×%i stride %i %s: HVPs through BackpropInput and BackpropFilter = FD', (h, k, m, s, pad) => {
    const x = tf.tensor4d(uniform(2 * h * h * 2, h + 3), [2, h, h, 2]);
    const f = tf.tensor4d(uniform(k * k * 2 * m, k + 5, -0.7, 0.7), [k, k, 2, m]);
    const yShape = tf.tidy(() => tf.depthwiseConv2d(x, f, s, pad).shape);
    const dy = tf.tensor(
      uniform(
        yShape.reduce((a, b) => a * b, 1),
        7,
      ),
      yShape,
    );
    const attrs = { strides: s, pad, dilations: 1 };
    const viaInput = ([a, b]: tf.Tensor[]) =>
      tf.sum(tf.tanh(run('DepthwiseConv2dNativeBackpropInput', { dy: a!, filter: b! }, { ...attrs, inputShape: x.shape }))) as tf.Scalar;
    const viaFilter = ([a, b]: tf.Tensor[]) =>
      tf.sum(tf.tanh(run('DepthwiseConv2dNativeBackpropFilter', { x: a!, dy: b! }, { ...attrs, filterShape: f.shape }))) as tf.Scalar;
    for (const r of [hvpVsFd(viaInput, [dy, f], 3), hvpVsFd(viaFilter, [x, dy], 5)]) {
      expect(r.rel).toBeLessThan(RTOL2);
      expect(r.leaked).toBe(0);
    }
    tf.dispose([x, f, dy]);
  });
});
