/**
 * Every kernel with a second-order registration (and the stock ones we rely on): the exact
 * HVP by double backprop, ∇(∇L·v), against central differences of the first-order gradient,
 * (∇L(p+hv) − ∇L(p−hv)) / 2h, in float32, on cpu and wasm.
 *
 * Tolerance (float32, h = 1e-2, |v|∞ ≤ 1, derivatives O(1..10)):
 *   truncation  h²/6·|∇⁴L|      ≈ 2e-5 · 10      ≈ 2e-4
 *   roundoff    ulp(∇L)/2h      ≈ 6e-8·10 / 2e-2 ≈ 3e-5 per rounded gradient entry
 *   → |Hv_exact − Hv_fd|∞ ≤ RTOL·max(1, |Hv_fd|∞) with RTOL = 3e-3 guards both with ~10× room,
 *   and is 100× below the stock tanh error (36%).
 * Kinked ops (relu, abs, clip, max, …): inputs lie ≥ 0.1 from every kink and the FD probe
 * moves each entry by ≤ h = 0.01, so the active set is frozen across the stencil.
 * L(p) = Σ c⊙f(p) + ¼ Σ f(p)²: the first term probes f's own second derivative, the second
 * the differentiability of f's backward pass in dy.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { logSoftmaxComposite, softmaxComposite, SECOND_ORDER_KERNELS } from '../src/objective/second-order-gradients.js';
import { registerElementwiseGradients } from '../src/objective/gradients/elementwise.js';

const H = 1e-2;
const RTOL = 3e-3;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Values in ±[lo, hi], moved ≥ 0.1 away from every kink. */
function values(n: number, seed: number, lo = 0.3, hi = 1.2, kinks: number[] = [], signed = true): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => {
    let v = (lo + (hi - lo) * r()) * (signed && r() < 0.5 ? -1 : 1);
    for (const k of kinks) if (Math.abs(v - k) < 0.1) v = k + (v >= k ? 0.15 : -0.15);
    return v;
  });
}

/** Distinct values spaced 0.07 apart, shuffled: max/argmax ties are ≥ 3.5 FD steps away. */
export function distinct(n: number, seed: number, offset = 0): Float32Array {
  const r = rng(seed);
  const a = Array.from({ length: n }, (_, i) => offset + 0.07 * (i - n / 2));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return Float32Array.from(a);
}

interface HvpCheck {
  exact: Float32Array;
  fd: Float32Array;
  err: number;
  scale: number;
  leaked: number;
}

/** Exact HVP vs central FD of ∇L for L(p) = Σ c⊙f(p) + ¼Σ f(p)². */
export function checkHvp(f: (p: tf.Tensor) => tf.Tensor, p0: Float32Array, shape: number[], seed: number): HvpCheck {
  const p = tf.tensor(p0, shape);
  const v = tf.tensor(values(p0.length, seed + 7, 0, 1), shape);
  const outShape = tf.tidy(() => f(p).shape);
  const c = tf.tensor(
    values(
      outShape.reduce((a, b) => a * b, 1),
      seed + 11,
      0.2,
      1,
    ),
    outShape,
  );
  const loss = (q: tf.Tensor) => {
    const y = f(q);
    return tf.add(tf.sum(tf.mul(c, y)), tf.mul(0.25, tf.sum(tf.square(y))));
  };
  const before = tf.memory().numTensors;
  const hv = tf.tidy(() => tf.grad((q: tf.Tensor) => tf.sum(tf.mul(tf.grad(loss)(q), v)))(p));
  const leaked = tf.memory().numTensors - before - 1;
  const exact = hv.dataSync().slice() as Float32Array;
  const fd = tf.tidy(() => tf.div(tf.sub(tf.grad(loss)(tf.add(p, tf.mul(H, v))), tf.grad(loss)(tf.sub(p, tf.mul(H, v)))), 2 * H)).dataSync() as Float32Array;
  tf.dispose([p, v, c, hv]);
  let err = 0,
    scale = 1;
  fd.forEach((x, i) => {
    err = Math.max(err, Math.abs(x - exact[i]!));
    scale = Math.max(scale, Math.abs(x));
  });
  return { exact, fd: fd.slice() as Float32Array, err, scale, leaked };
}

type Case = [name: string, shape: number[], f: (p: tf.Tensor) => tf.Tensor, input?: (n: number, seed: number) => Float32Array];
// Log/Sqrt/Rsqrt/Reciprocal: x ≥ 0.6 keeps the truncation term h²/6·|f''''| ≲ 1e-3·scale
// (rsqrt'''' ∝ x^−4.5 is 1500 at x = 0.3, which would need h ≈ 3e-3 and more roundoff).
const pos = (n: number, s: number) => values(n, s, 0.6, 1.5, [], false);
const S = [3, 4];
const CASES: Case[] = [
  ['Tanh', S, (p) => tf.tanh(p)],
  ['Sigmoid', S, (p) => tf.sigmoid(tf.mul(2, p))],
  ['Exp', S, (p) => tf.exp(p)],
  ['Elu', S, (p) => tf.elu(p), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['Selu', S, (p) => tf.selu(p), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['Softplus', S, (p) => tf.softplus(p)],
  ['Softmax', S, (p) => tf.softmax(tf.mul(2, p))],
  ['Pow (base)', S, (p) => tf.pow(p, tf.scalar(2.5)), pos],
  ['Pow (exponent)', S, (p) => tf.pow(tf.fill(S, 1.7), p)],
  ['Log', S, (p) => tf.log(p), pos],
  ['Log1p', S, (p) => tf.log1p(p), pos],
  ['Sqrt', S, (p) => tf.sqrt(p), pos],
  ['Rsqrt', S, (p) => tf.rsqrt(p), pos],
  ['Reciprocal', S, (p) => tf.reciprocal(p), pos],
  ['Square', S, (p) => tf.square(p)],
  ['SquaredDifference', S, (p) => tf.squaredDifference(p, tf.tanh(tf.sum(p, 0)))],
  ['Neg, Abs', S, (p) => tf.mul(tf.neg(tf.abs(p)), p), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['Add, Sub (broadcast)', S, (p) => tf.square(tf.sub(tf.add(p, tf.sum(p, 0)), tf.mean(p, 1, true)))],
  ['Mul, RealDiv (broadcast)', S, (p) => tf.div(tf.mul(p, tf.sum(p, 0)), tf.add(1.5, tf.mean(tf.square(p), 0)))],
  ['Sum, Mean', S, (p) => tf.mul(tf.sum(tf.square(p), 1), tf.mean(p, 0).sum())],
  ['Max (reduce)', S, (p) => tf.square(tf.max(p, 1)), (n, s) => distinct(n, s, 0.2)],
  ['Max (reduce, keepDims, axes 0 and 2)', [2, 3, 2], (p) => tf.mul(tf.max(p, [0, 2], true), tf.sum(p, [0, 2], true)), (n, s) => distinct(n, s, 0.2)],
  ['Maximum, Minimum', S, (p) => tf.mul(tf.maximum(p, 0.5), tf.minimum(p, -0.2)), (n, s) => values(n, s, 0.3, 1.2, [0.5, -0.2])],
  ['ClipByValue', S, (p) => tf.square(tf.clipByValue(p, -0.8, 0.8)), (n, s) => values(n, s, 0.3, 1.2, [-0.8, 0.8])],
  ['Relu', S, (p) => tf.mul(tf.relu(p), p), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['Relu6', S, (p) => tf.mul(tf.relu6(tf.mul(8, p)), p), (n, s) => values(n, s, 0.3, 1.2, [0, 0.75])],
  ['LeakyRelu', S, (p) => tf.mul(tf.leakyRelu(p, 0.2), p), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['Prelu', S, (p) => tf.prelu(tf.mul(p, p.sum()), tf.tanh(tf.mean(p, 0))), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['BatchMatMul', S, (p) => tf.matMul(tf.tanh(p), p, false, true)],
  ['BatchMatMul (transposed)', S, (p) => tf.matMul(p, tf.sigmoid(p), true, false)],
  ['Reshape, Transpose', S, (p) => tf.mul(tf.reshape(tf.transpose(p), [2, 6]), tf.reshape(p, [2, 6]))],
  ['Concat, Slice', S, (p) => tf.mul(tf.concat([tf.slice(p, [0, 0], [3, 2]), tf.tanh(p)], 1), tf.concat([p, tf.slice(p, [0, 1], [3, 2])], 1))],
  [
    'PadV2, Tile, BroadcastTo',
    S,
    (p) =>
      tf.mul(
        tf.pad(tf.tile(tf.tanh(p), [2, 1]), [
          [1, 0],
          [0, 2],
        ]),
        tf.pad(tf.broadcastTo(tf.sum(p, 0), [6, 4]), [
          [1, 0],
          [0, 2],
        ]),
      ),
  ],
  ['Cast, Identity', S, (p) => tf.mul(tf.cast(p, 'float32'), tf.clone(tf.sin(p)))],
  ['Select (where)', S, (p) => tf.where(tf.greater(p, 0), tf.tanh(p), tf.square(p)), (n, s) => values(n, s, 0.3, 1.2, [0])],
  ['logSoftmaxComposite', S, (p) => logSoftmaxComposite(tf.mul(3, p))],
  ['softmaxComposite', S, (p) => softmaxComposite(tf.mul(3, p))],
];

describe.each(['cpu', 'wasm'])('second-order gradients on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(CASES.map((c, i) => [c[0], i] as const))('%s: exact HVP = central FD of the gradient, no leaks', (_name, i) => {
    const [, shape, f, input] = CASES[i]!;
    const n = shape.reduce((a, b) => a * b, 1);
    const r = checkHvp(f, (input ?? ((m, s) => values(m, s)))(n, 100 + i), shape, 200 + i);
    if (process.env.HVP_REPORT) console.log(`HVPREPORT ${backend} ${_name} ${(r.err / r.scale).toExponential(2)}`);
    expect(r.leaked).toBe(0);
    expect(r.exact.every(Number.isFinite)).toBe(true);
    expect(r.err).toBeLessThanOrEqual(RTOL * r.scale);
  });

  it('tanh→MSE tiny net: the exact HVP differs from stock tfjs (saved-output) answer, which FD rejects', () => {
    const x = tf.tensor2d([
      [0.5, -1.2, 0.3],
      [1.1, 0.4, -0.7],
      [-0.3, 0.9, 1.5],
      [0.2, -0.5, -1.0],
    ]);
    const y = tf.tensor2d([[0.3], [-0.6], [0.8], [0.1]]);
    const w1 = values(12, 5),
      shape = [3, 4];
    const net = (p: tf.Tensor) => tf.matMul(tf.tanh(tf.matMul(x, p)), tf.ones([4, 1]));
    const mse = (p: tf.Tensor) => tf.squaredDifference(net(p), y);
    const ours = checkHvp(mse, w1, shape, 9);
    tf.registerGradient({ kernelName: 'Tanh', outputsToSave: [true], gradFunc: (dy, [t]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(t!))) }) });
    const stock = checkHvp(mse, w1, shape, 9);
    registerElementwiseGradients();
    expect(ours.err).toBeLessThanOrEqual(RTOL * ours.scale);
    const gap = Math.max(...ours.exact.map((v, k) => Math.abs(v - stock.exact[k]!)));
    expect(gap).toBeGreaterThan(0.05 * ours.scale); // stock drops the tanh'' term
    tf.dispose([x, y]);
  });

  it('Max (reduce): every tied maximum receives the full dy, as stock tfjs gives', () => {
    const x = tf.tensor2d([
      [1, 1, 0],
      [-2, -3, -2],
    ]);
    const g = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.max(p, 1), tf.tensor1d([2, 3]))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 2, 0, 3, 0, 3]);
    tf.dispose([x, g]);
  });

  it('exports the re-registered kernel list', () => {
    for (const k of ['Tanh', 'Sigmoid', 'Softmax', 'Elu', 'Exp', 'Conv2D', 'MaxPool', 'AvgPool', 'Max', 'Greater', 'LogicalAnd', 'Step'])
      expect(SECOND_ORDER_KERNELS).toContain(k);
  });
});
