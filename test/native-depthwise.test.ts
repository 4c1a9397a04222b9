/**
 * The native depthwise kernels (native/depthwise.c, src/kernels/native-depthwise.ts):
 *   - the addon's forward, input gradient and filter gradient in every CPU form this machine runs,
 *     against a float64 reference on geometries with strides 1 and 2, 'same' and 'valid', dilation
 *     2 (with stride 2 too, which the addon allows though tfjs's op does not), multipliers 1–3,
 *     odd and non-square sizes, channel counts on and off the vector widths; each element within
 *     the bound of a float32 sum rounded term by term, |Δ| ≤ (terms + 1)·2⁻²⁴·Σ|terms| (any order);
 *   - as tfjs kernels on wasm: the values of tfjs's cpu kernels, the gradients (run by the two
 *     backward kernels, which tf.profile sees) those of the cpu backend's, no tensor left;
 *   - hostile geometries refused with a RangeError before any memory is touched.
 * Skipped where the addon is not built.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { CPU_FORMS, loadNativeAddon, type CpuForm } from '../src/kernels/native-addon.js';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { DEPTHWISE_FILTER, DEPTHWISE_INPUT, depthwiseGradKernelsActive } from '../src/kernels/native-depthwise.js';
import { depthwiseReference, dwGeometry, type DwCase } from './helpers/depthwise-reference.js';

const addon = loadNativeAddon().addon;
const best = addon?.info().cpuBest;
const runnable: CpuForm[] = best ? CPU_FORMS.slice(CPU_FORMS.indexOf(best)) : [];

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
}

const CASES: DwCase[] = [
  { n: 2, h: 7, w: 7, c: 16, kh: 3, kw: 3, s: 1, d: 1, same: true, m: 1 },
  { n: 2, h: 8, w: 8, c: 32, kh: 3, kw: 3, s: 2, d: 1, same: true, m: 1 },
  { n: 1, h: 9, w: 7, c: 5, kh: 3, kw: 3, s: 2, d: 1, same: false, m: 2 },
  { n: 3, h: 11, w: 10, c: 24, kh: 3, kw: 3, s: 2, d: 1, same: false, m: 1 },
  { n: 2, h: 6, w: 6, c: 3, kh: 3, kw: 3, s: 1, d: 2, same: true, m: 1 },
  { n: 1, h: 5, w: 6, c: 16, kh: 5, kw: 3, s: 1, d: 1, same: true, m: 3 },
  { n: 2, h: 4, w: 4, c: 128, kh: 1, kw: 1, s: 1, d: 1, same: false, m: 1 },
  { n: 1, h: 12, w: 12, c: 4, kh: 3, kw: 3, s: 2, d: 2, same: true, m: 1 },
  { n: 4, h: 16, w: 16, c: 64, kh: 3, kw: 3, s: 1, d: 1, same: true, m: 1 },
];
/** 19M multiply-adds, past the kernels' threshold for threads (2^24): the best form only (its float64 reference takes seconds). */
const THREADED: DwCase = { n: 16, h: 32, w: 32, c: 128, kh: 3, kw: 3, s: 1, d: 1, same: true, m: 1 };
const label = (q: DwCase) => `${q.n}×${q.h}×${q.w}×${q.c} k${q.kh}×${q.kw} s${q.s} d${q.d} ${q.same ? 'same' : 'valid'} m${q.m}`;

function inForm<T>(form: CpuForm, f: () => T): T {
  const was = addon!.setCpuForm(form);
  try {
    return f();
  } finally {
    addon!.setCpuForm(was);
  }
}

/** Worst |got − ref| / bound over the elements (≤ 1: within float32 rounding of the sum). */
function worst(got: Float32Array, ref: Float64Array, tol: Float64Array): number {
  let r = 0;
  for (let i = 0; i < ref.length; i++) r = Math.max(r, Math.abs(got[i]! - ref[i]!) / (tol[i]! + 1e-30));
  return r;
}

describe.skipIf(!addon)('native depthwise kernels vs a float64 reference, every CPU form', () => {
  const all = runnable.flatMap((form) => CASES.map((q) => [form, label(q), q] as const));
  it.each(best ? [...all, [best, label(THREADED), THREADED] as const] : all)('%s: %s', (form, _name, q) => {
    const g = dwGeometry(q);
    const [, , , , , , , , , , , , oh, ow] = g as unknown as number[];
    const x = values(q.n * q.h * q.w * q.c, 1),
      w = values(q.kh * q.kw * q.c * q.m, 2),
      dy = values(q.n * oh! * ow! * q.c * q.m, 3);
    const ref = depthwiseReference(x, w, dy, q, g);
    // outputs start as garbage: every kernel must write every element
    const y = new Float32Array(ref.y.length).fill(Number.NaN),
      dx = new Float32Array(x.length).fill(Number.NaN),
      dw = new Float32Array(w.length).fill(Number.NaN);
    inForm(form, () => {
      addon!.depthwise(x, w, y, g, q.m);
      addon!.depthwiseBackpropInput(dy, w, dx, g, q.m);
      addon!.depthwiseBackpropFilter(x, dy, dw, g, q.m);
    });
    expect(worst(y, ref.y, ref.yTol)).toBeLessThanOrEqual(1);
    expect(worst(dx, ref.dx, ref.dxTol)).toBeLessThanOrEqual(1);
    expect(worst(dw, ref.dw, ref.dwTol)).toBeLessThanOrEqual(1);
  });

  it('refuses hostile geometries and short arrays with a RangeError', () => {
    const q = CASES[0]!,
      g = dwGeometry(q);
    const x = new Float32Array(q.n * q.h * q.w * q.c),
      w = new Float32Array(9 * q.c),
      y = new Float32Array(x.length);
    expect(() => addon!.depthwise(x, w, y, g, 0)).toThrow(RangeError); // multiplier 0
    expect(() => addon!.depthwise(x, w, y, g, 2)).toThrow(/shorter/); // w and y too short for m = 2
    expect(() => addon!.depthwise(x.subarray(1), w, y, g, 1)).toThrow(/shorter/);
    expect(() => addon!.depthwiseBackpropFilter(x, y, w.subarray(1), g, 1)).toThrow(/shorter/);
    const bad = Int32Array.from(g);
    bad[10] = -1; // negative padding
    expect(() => addon!.depthwiseBackpropInput(y, w, x, bad, 1)).toThrow(RangeError);
    bad[10] = 1;
    bad[3] = 2 ** 30; // channels · multiplier · width beyond int
    expect(() => addon!.depthwise(x, w, y, bad, 4)).toThrow(RangeError);
  });
});

/** tfjs-level cases (tfjs refuses stride > 1 with dilation > 1). */
const TF_CASES = CASES.filter((q) => q.s === 1 || q.d === 1);

describe.skipIf(!addon)('native depthwise as tfjs kernels on wasm = the cpu backend', () => {
  async function run(q: DwCase): Promise<{ y: Float32Array; dx: Float32Array; dw: Float32Array; kernels: string[] }> {
    const x = tf.tensor4d(values(q.n * q.h * q.w * q.c, 4), [q.n, q.h, q.w, q.c]);
    const w = tf.tensor4d(values(q.kh * q.kw * q.c * q.m, 5), [q.kh, q.kw, q.c, q.m]);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.depthwiseConv2d(a, b, q.s, q.same ? 'same' : 'valid', 'NHWC', q.d);
    const r = tf.tidy(() => tf.randomNormal(f(x, w).shape, 0, 1, 'float32', 7));
    const before = tf.memory().numTensors;
    let out: { y: Float32Array; dx: Float32Array; dw: Float32Array } | undefined;
    const prof = await tf.profile(() => {
      out = tf.tidy(() => {
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
        return { y: f(x, w).dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
      });
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, r]);
    return { ...out!, kernels: prof.kernelNames };
  }
  const close = (a: Float32Array, b: Float32Array) => {
    const scale = Math.max(1, ...Array.from(b, Math.abs));
    return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!))) / scale;
  };

  it.each(TF_CASES.map((q) => [label(q), q] as const))('%s', async (_name, q) => {
    await selectBackend('cpu');
    const cpu = await run(q);
    await selectBackend('wasm');
    expect(installNativeKernels().kernels).toEqual(expect.arrayContaining(['DepthwiseConv2dNative', DEPTHWISE_INPUT, DEPTHWISE_FILTER]));
    expect(depthwiseGradKernelsActive()).toBe(true);
    const native = await run(q);
    expect(native.kernels).toEqual(expect.arrayContaining([DEPTHWISE_INPUT, DEPTHWISE_FILTER]));
    // float32 sums of ≤ n·Ho·Wo terms in different orders: a few ulp·√terms of the largest value
    expect(close(native.y, cpu.y)).toBeLessThan(1e-5);
    expect(close(native.dx, cpu.dx)).toBeLessThan(1e-5);
    expect(close(native.dw, cpu.dw)).toBeLessThan(2e-5);
  });
});
