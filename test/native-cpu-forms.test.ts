/**
 * The native kernels' CPU forms (native/cpu.h): the one dispatch place reports and forces the form,
 * our GEMM's AVX-512 and AVX2 forms give the same bits (one k-ordered FMA chain an element), the
 * portable form is within float32's rounding of a float64 product (on x86-64's baseline it rounds
 * each product, so its last bits may differ), and the engine option forces a form or is refused.
 * Skipped, saying why, where the addon is not built.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { currentEngine, startEngine, stopEngine } from '../src/engine/index.js';
import { CPU_FORMS, loadNativeAddon, type CpuForm } from '../src/kernels/native-addon.js';
import { LosslensError } from '../src/errors.js';

const load = loadNativeAddon();
const addon = load.addon;
const best = addon?.info().cpuBest;
/** The forms this CPU runs, best first. */
const runnable: CpuForm[] = best ? CPU_FORMS.slice(CPU_FORMS.indexOf(best)) : [];

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
}

/** c = op(a)·op(b) through the addon's gemm in `form`. */
function gemmIn(form: CpuForm, m: number, n: number, k: number, tA: number, tB: number, seed: number): { c: Float32Array; a: Float32Array; b: Float32Array } {
  const a = values(m * k, seed),
    b = values(k * n, seed + 1),
    c = new Float32Array(m * n).fill(Number.NaN);
  const was = addon!.setCpuForm(form);
  try {
    addon!.gemm(a, b, c, 1, m, n, k, tA, tB, 0, 0);
  } finally {
    addon!.setCpuForm(was);
  }
  return { c, a, b };
}

/** The float64 product and Σ|a||b| per element (the rounding-error scale). */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, tA: number, tB: number): { c: Float64Array; mag: Float64Array } {
  const c = new Float64Array(m * n),
    mag = new Float64Array(m * n);
  for (let r = 0; r < m; r++)
    for (let j = 0; j < n; j++)
      for (let t = 0; t < k; t++) {
        const p = a[tA ? t * m + r : r * k + t]! * b[tB ? j * k + t : t * n + j]!;
        c[r * n + j]! += p;
        mag[r * n + j]! += Math.abs(p);
      }
  return { c, mag };
}

// column tails in one or two vectors of either width, several panels, K over one k block (256), partial row blocks, Aᵀ, Bᵀ
const SHAPES: Array<[m: number, n: number, k: number, tA: number, tB: number]> = [
  [13, 20, 400, 0, 0],
  [25, 40, 7, 1, 0],
  [7, 7, 300, 0, 1],
  [1, 33, 1, 0, 0],
  [64, 128, 96, 1, 1],
  [5, 3, 0, 0, 0],
];

describe.skipIf(!addon)(`native CPU forms (${addon ? `this CPU runs ${runnable.join(', ')}` : `skipped: ${load.reason}`})`, () => {
  afterAll(() => {
    addon?.setCpuForm('auto');
  });

  it('info says whether OpenBLAS is linked and which form runs; setCpuForm forces each form this CPU runs and refuses the rest', () => {
    // the unit project shares one process between files (isolate: false): a file before this one may have left a form forced
    if (process.env.LOSSLENS_TEST_CPU_FORM === undefined) addon!.setCpuForm('auto');
    const info = addon!.info();
    expect(typeof info.openblas).toBe('boolean');
    expect(info.blas).toMatch(info.openblas ? /OpenBLAS/ : /^none$/);
    // the cpu-avx2 / cpu-portable projects start with their form forced (test/helpers/native-variant.ts)
    expect(info.cpuForm).toBe(process.env.LOSSLENS_TEST_CPU_FORM ?? best);
    for (const form of runnable) {
      expect(addon!.setCpuForm(form)).toBe(form);
      expect(addon!.info()).toMatchObject({ cpuForm: form, cpuBest: best, gemm: form });
    }
    expect(addon!.setCpuForm('auto')).toBe(best);
    for (const form of CPU_FORMS.slice(0, CPU_FORMS.indexOf(best!))) expect(() => addon!.setCpuForm(form)).toThrow(/cannot run/);
    expect(() => addon!.setCpuForm('sse9' as CpuForm)).toThrow(/auto, avx512, avx2 or portable/);
    expect(addon!.info().cpuForm).toBe(best);
  });

  it("every form's GEMM is within float32 rounding of the float64 product, on every shape", () => {
    for (const form of runnable)
      for (const [i, [m, n, k, tA, tB]] of SHAPES.entries()) {
        const { c, a, b } = gemmIn(form, m, n, k, tA, tB, 10 + i);
        const ref = reference(a, b, m, n, k, tA, tB);
        c.forEach((v, j) => {
          if (!(Math.abs(v - ref.c[j]!) <= (k + 1) * 2 ** -24 * ref.mag[j]! + 1e-30)) throw new Error(`${form}, shape ${i}, element ${j}: ${v} vs ${ref.c[j]}`);
        });
      }
  });

  it.skipIf(!runnable.includes('avx2') || !runnable.includes('avx512'))(
    'the AVX2 and AVX-512 forms give the same bits (each element one FMA chain in k order)',
    () => {
      for (const [i, [m, n, k, tA, tB]] of SHAPES.entries()) {
        expect(gemmIn('avx2', m, n, k, tA, tB, 20 + i).c, `shape ${i}`).toEqual(gemmIn('avx512', m, n, k, tA, tB, 20 + i).c);
      }
    },
  );

  it('the convolutions (im2col + our GEMM, tiled on two threads) give the same bits in the AVX2 and AVX-512 forms', () => {
    if (!runnable.includes('avx2') || !runnable.includes('avx512')) return;
    // n, h, w, ci, kH, kW, sH, sW, dH, dW, top, left, outH, outW: 40 images of 10×10×8, a 3×3 valid conv to 20 channels (tiled: ≥ 4 tiles)
    const g = Int32Array.of(40, 10, 10, 8, 3, 3, 1, 1, 1, 1, 0, 0, 8, 8),
      co = 20;
    const x = values(40 * 10 * 10 * 8, 1),
      w = values(3 * 3 * 8 * co, 2),
      dy = values(40 * 8 * 8 * co, 3);
    const run = (form: CpuForm) => {
      const y = new Float32Array(dy.length),
        dx = new Float32Array(x.length),
        dw = new Float32Array(w.length);
      const was = addon!.setCpuForm(form),
        direct = addon!.setDirectConv(false);
      addon!.setThreads(2);
      try {
        addon!.conv2d(x, w, y, g, co);
        addon!.conv2dBackpropInput(dy, w, dx, g, co);
        addon!.conv2dBackpropFilter(x, dy, dw, g, co);
      } finally {
        addon!.setCpuForm(was);
        addon!.setDirectConv(direct);
      }
      return { y, dx, dw };
    };
    expect(run('avx2')).toEqual(run('avx512'));
  });

  it('the engine option forces a form and meta.backend.kernels says so; an unknown form is a BAD_OPTION, a form the CPU lacks UNSUPPORTED', async () => {
    const forced = runnable[runnable.length - 1]!;
    // the engine is process-wide: an earlier test file in this worker process may have left one running on the best form
    if (currentEngine()) stopEngine();
    expect((await startEngine({ backend: 'wasm', cpuForm: forced })).backend.kernels).toMatchObject({ cpuForm: forced, cpuBest: best });
    expect(addon!.info().cpuForm).toBe(forced);
    await expect(startEngine({ backend: 'wasm', cpuForm: 'mmx' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/cpuForm.*valid: auto, avx512, avx2, portable/),
    });
    if (best !== 'avx512') await expect(startEngine({ backend: 'wasm', cpuForm: 'avx512' })).rejects.toBeInstanceOf(LosslensError);
    expect((await startEngine({ backend: 'wasm', cpuForm: 'auto' })).backend.kernels?.cpuForm).toBe(best);
  });
});
