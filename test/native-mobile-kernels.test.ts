/**
 * The MobileNet-style block's fused kernels (native/conv_act.c, native/depthwise.c's epilogue):
 *   - relu6Backprop(z, dy) = mask(z) · dy with tfjs's mask 0 < z ≤ 6: bit for bit the two-kernel
 *     composite mul(relu6Mask(z), dy) and a float64 reference, on cpu, wasm and the native path (z at
 *     0, −0, 6 and the floats beside them, ±∞, NaN; dy negative, −0, ±∞, NaN), on an array past the
 *     native threads' threshold too; its gradient mask(z)·g for dy and zero for z; no tensor left;
 *   - FusedDepthwiseConv2D on the native path (bias, linear or relu, in each CPU form this machine
 *     runs): bit for bit relu?(depthwiseConv2d + bias) as separate kernels, and within float32
 *     rounding of a float64 reference; prelu falls back to wasm's kernel; the addon refuses a bias of
 *     the wrong length and an unknown activation with a RangeError.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { CPU_FORMS, loadNativeAddon, type CpuForm } from '../src/kernels/native-addon.js';
import { relu6Backprop, relu6Mask } from '../src/kernels/relu6-mask.js';
import { depthwiseReference, dwGeometry, type DwCase } from './helpers/depthwise-reference.js';

const f32 = Math.fround;
const Z_EDGES = [0, -0, 6, f32(6 + 2 ** -21), f32(6 - 2 ** -21), 1e-45, -1e-45, Infinity, -Infinity, Number.NaN, 3, -3, 7, 2, 5];
const DY_EDGES = [1, 2, -1.5, -2, 4, 0.5, -3, 2, 3, 1, -0, Infinity, -Infinity, Number.NaN, -1];

function seeded(n: number, seed: number, scale: number, shift: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * scale + shift);
}
/** Each value's float32 bits, NaN as one token (its payload is not specified). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer), (b, i) => (a[i] !== a[i] ? 'NaN' : b));
/** How many entries of a and b differ in their float32 bits (NaN equal to NaN). */
function bitMismatches(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(Float32Array.from(a).buffer),
    y = new Uint32Array(Float32Array.from(b).buffer);
  let bad = a.length === b.length ? 0 : 1;
  for (let i = 0; i < a.length; i++) if (x[i] !== y[i] && !(a[i] !== a[i] && b[i] !== b[i])) bad++;
  return bad;
}
/** mask(z)·dy in float64, rounded to float32: the reference of the rule. */
const reference = (z: Float32Array, dy: Float32Array) => Float32Array.from(z, (v, i) => (v > 0 && v <= 6 ? 1 : v === v ? 0 : Number.NaN) * dy[i]!);

/** mask(z)·dy at the edges above: −0 where a zero mask meets a negative dy, NaN where it meets ±∞ or NaN. */
const EDGE_PRODUCTS = [0, 0, -1.5, -0, 4, 0.5, -0, 0, 0, Number.NaN, -0, Number.NaN, Number.NaN, Number.NaN, -1];

/** relu6Backprop over 2^21 + 48 seeded values (the native kernel's threads) against the float64 reference: mismatching bits. */
function largeMismatches(): number {
  const n = 2_097_200,
    z = seeded(n, 21, 16, -4),
    dy = seeded(n, 22, 8, -4);
  const got = tf.tidy(() => relu6Backprop(tf.tensor(z), tf.tensor(dy)).dataSync() as Float32Array);
  return bitMismatches(got, reference(z, dy));
}

describe.each(['cpu', 'wasm', 'native'] as const)('relu6Backprop on %s', (path) => {
  it('= mask(z)·dy bit for bit (composite and float64 reference); gradient mask·g for dy, zero for z; no tensor left', async () => {
    await selectBackend(path === 'native' ? 'wasm' : path);
    if (path === 'native') installNativeKernels();
    for (const n of path === 'native' ? [300, 2_097_200] : [300]) {
      if (n > 300) {
        expect(largeMismatches()).toBe(0); // the threaded native path (2^21 elements and more): the product alone
        continue;
      }
      const z = seeded(n, 7 + n, 16, -4),
        dy = seeded(n, 11 + n, 8, -4),
        c = seeded(n, 3, 2, -1);
      z.set(Z_EDGES);
      dy.set(DY_EDGES);
      const before = tf.memory().numTensors;
      const [got, composite, gz, gdy] = tf.tidy(() => {
        const [zt, dyt, ct] = [z, dy, c].map((a) => tf.tensor(a, [n / 100, 100]));
        const [gZ, gDy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(relu6Backprop(a, b), ct!)))([zt!, dyt!]);
        return [relu6Backprop(zt!, dyt!), tf.mul(relu6Mask(zt!), dyt!), gZ!, gDy!].map((t) => t.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(bitMismatches(got, composite)).toBe(0);
      expect(bitMismatches(got, reference(z, dy))).toBe(0);
      expect(bits(got.slice(0, EDGE_PRODUCTS.length))).toEqual(bits(Float32Array.from(EDGE_PRODUCTS)));
      expect(Array.from(gz).every((v) => v === 0)).toBe(true);
      expect(bitMismatches(gdy, reference(z, c))).toBe(0);
    }
  });
});

const addon = loadNativeAddon().addon;
const best = addon?.info().cpuBest;
const runnable: CpuForm[] = best ? CPU_FORMS.slice(CPU_FORMS.indexOf(best)) : [];
const DW_CASES: DwCase[] = [
  { n: 2, h: 9, w: 9, c: 16, kh: 3, kw: 3, s: 1, d: 1, same: true, m: 1 },
  { n: 3, h: 8, w: 10, c: 32, kh: 3, kw: 3, s: 2, d: 1, same: true, m: 1 },
  { n: 1, h: 7, w: 6, c: 5, kh: 3, kw: 3, s: 1, d: 1, same: false, m: 2 },
];

/** Whether the native kernels run on wasm here (not in the wasm-kernels project, LOSSLENS_NATIVE=0). */
async function nativeOn(): Promise<boolean> {
  await selectBackend('wasm');
  return installNativeKernels().loaded;
}

describe.skipIf(!addon)('FusedDepthwiseConv2D on the native path', () => {
  it.each(DW_CASES.flatMap((q) => runnable.map((form) => [q, form] as const)))(
    '%j in %s: = the separate kernels bit for bit, within rounding of float64',
    async (q, form) => {
      await selectBackend('wasm');
      installNativeKernels();
      const was = addon!.setCpuForm(form);
      try {
        const x = seeded(q.n * q.h * q.w * q.c, 5, 2, -1),
          w = seeded(q.kh * q.kw * q.c * q.m, 9, 2, -1),
          b = seeded(q.c * q.m, 13, 1, -0.5);
        const pad = q.same ? 'same' : 'valid';
        const before = tf.memory().numTensors;
        for (const activation of ['linear', 'relu'] as const) {
          const [fused, separate] = tf.tidy(() => {
            const xt = tf.tensor4d(x, [q.n, q.h, q.w, q.c]),
              wt = tf.tensor4d(w, [q.kh, q.kw, q.c, q.m]),
              bt = tf.tensor1d(b);
            const f = tf.fused.depthwiseConv2d({ x: xt, filter: wt, strides: q.s, pad, bias: bt, activation });
            const sum = tf.add(tf.depthwiseConv2d(xt, wt, q.s, pad), bt);
            return [f, activation === 'relu' ? tf.relu(sum) : sum].map((t) => t.dataSync() as Float32Array);
          });
          expect(bitMismatches(fused!, separate!)).toBe(0);
          const ref = depthwiseReference(x, w, new Float32Array(fused!.length), q, dwGeometry(q));
          const cm = q.c * q.m;
          let worst = 0;
          for (let i = 0; i < fused!.length; i++) {
            const want = ref.y[i]! + b[i % cm]!;
            const bound = ref.yTol[i]! + 2 ** -23 * (Math.abs(ref.y[i]!) + Math.abs(b[i % cm]!));
            worst = Math.max(worst, Math.abs(fused![i]! - (activation === 'relu' ? Math.max(0, want) : want)) / (bound + 1e-30));
          }
          expect(worst).toBeLessThanOrEqual(1);
        }
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        addon!.setCpuForm(was);
      }
    },
  );

  it('prelu falls back to wasm (the same values as the composite); a wrong bias or activation is refused', async () => {
    await nativeOn();
    const got = tf.tidy(() => {
      const xt = tf.tensor4d(seeded(2 * 5 * 5 * 4, 1, 2, -1), [2, 5, 5, 4]),
        wt = tf.tensor4d(seeded(36, 2, 2, -1), [3, 3, 4, 1]),
        bt = tf.tensor1d(seeded(4, 3, 1, 0));
      const alpha = tf.scalar(0.25);
      const f = tf.fused.depthwiseConv2d({ x: xt, filter: wt, strides: 1, pad: 'same', bias: bt, activation: 'prelu', preluActivationWeights: alpha });
      const sum = tf.add(tf.depthwiseConv2d(xt, wt, 1, 'same'), bt);
      return [f, tf.prelu(sum, alpha)].map((t) => t.dataSync() as Float32Array);
    });
    for (let i = 0; i < got[0]!.length; i++) expect(got[0]![i]).toBeCloseTo(got[1]![i]!, 5);
    const q = DW_CASES[0]!,
      g = dwGeometry(q);
    const x = new Float32Array(q.n * q.h * q.w * q.c),
      w = new Float32Array(9 * q.c),
      y = new Float32Array(x.length);
    expect(() => addon!.depthwise(x, w, y, g, 1, new Float32Array(q.c - 1), 0)).toThrow(RangeError);
    expect(() => addon!.depthwise(x, w, y, g, 1, new Float32Array(q.c), 2)).toThrow(RangeError);
    expect(() => addon!.relu6Grad(x, new Float32Array(3), y)).toThrow(RangeError);
  });
});
