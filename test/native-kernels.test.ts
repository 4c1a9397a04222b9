/**
 * The native kernels (src/kernels/native-kernels.ts, native/*.c on OpenBLAS) on the wasm heap:
 * each kernel's values against the kernels it replaces (wasm's, ours in JS) and the cpu backend's
 * stock kernels, over transposes, broadcast batches, bias/relu, strides, dilations, padding and
 * a conv big enough to be batch-chunked; no tensor or heap leak; then a small conv net's exact
 * HVP against central finite differences of the gradient and its explicit Hessian (column by
 * column) against the same Hessian on the wasm kernels, with the native kernels installed.
 * Skipped, saying why, where the addon is not built (no compiler or libopenblas-dev at install).
 *
 * Tolerances: float32 dot products of length k in different summation orders (OpenBLAS blocks
 * and FMAs, XNNPACK, the cpu loops) differ by a few ulp·√k: 2e-5·max(1, |ref|∞)·√k leaves room.
 * HVP vs FD (h = 1e-2): truncation O(h²·|∇⁴L|) + roundoff O(ε·|∇L|/h) ≈ 1e-3 of max|Hv|.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { useConvPool } from '../src/kernels/conv-grad-mode.js';
import { COL2IM, IM2COL } from '../src/kernels/im2col.js';
import { POOL_GATHER, POOL_ROUTE, POOL_SHARE, POOL_SPREAD } from '../src/kernels/pool-share.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { runCli } from './helpers/run-cli.js';
import { inVariant, itOnce } from './helpers/kernel-variant.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const load = loadNativeAddon();
if (!load.addon) console.warn(`native kernels test skipped: ${load.reason}`);

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: number) => tf.tensor(values(size(shape), seed), shape);

/** Run one kernel on fresh inputs, return its values and shape (no tensors left). */
type Call = () => tf.Tensor;
function valuesOf(call: Call): { out: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const t = call();
    return { out: t.dataSync() as Float32Array, shape: t.shape };
  });
}
async function on<T>(path: 'native' | 'wasm' | 'cpu', fn: () => T): Promise<T> {
  if (path === 'cpu') await tf.setBackend('cpu');
  else if (path === 'wasm') uninstallNativeKernels();
  try {
    return fn();
  } finally {
    if (path === 'cpu') await selectBackend('wasm');
    installNativeKernels();
  }
}
function expectClose(got: { out: Float32Array; shape: number[] }, ref: { out: Float32Array; shape: number[] }, k: number): void {
  expect(got.shape).toEqual(ref.shape);
  let scale = 1,
    err = 0;
  ref.out.forEach((r, i) => {
    scale = Math.max(scale, Math.abs(r));
    err = Math.max(err, Math.abs(r - got.out[i]!));
  });
  expect(err).toBeLessThanOrEqual(2e-5 * scale * Math.sqrt(k));
}
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

/** Each case against `refs` (the kernels it replaced, and cpu where cpu has the kernel). */
async function compare(name: string, cases: Array<{ call: Call; k: number; refs?: Array<'wasm' | 'cpu'> }>): Promise<void> {
  for (const { call, k, refs = ['wasm', 'cpu'] as Array<'wasm' | 'cpu'> } of cases) {
    const got = valuesOf(call);
    for (const ref of refs) {
      const want = await on(ref, () => valuesOf(call));
      try {
        expectClose(got, want, k);
      } catch (e) {
        throw new Error(`${name} vs ${ref}: ${(e as Error).message}`);
      }
    }
  }
}

const MATMUL: Array<[a: number[], b: number[], m: number, n: number, k: number]> = [
  [[], [], 7, 5, 11],
  [[], [], 1, 9, 300],
  [[], [], 64, 1, 17],
  [[3], [3], 6, 4, 9],
  [[4], [1], 5, 8, 13],
  [[1], [3], 5, 8, 13],
  [[2, 3], [2, 3], 4, 3, 5],
];
const matmulCases = MATMUL.flatMap(([ba, bb, m, n, k], i) =>
  [false, true].flatMap((ta) =>
    [false, true].map((tb) => ({
      a: [...ba, ...(ta ? [k, m] : [m, k])],
      b: [...bb, ...(tb ? [n, k] : [k, n])],
      ta,
      tb,
      k,
      n,
      seed: 10 * i + (ta ? 2 : 0) + (tb ? 1 : 0),
    })),
  ),
);

// [h, w, ci, kh, kw, co, stride, pad, dilation, n]
type Conv = [number, number, number, number, number, number, number | [number, number], 'same' | 'valid' | number, number, number];
const CONVS: Conv[] = [
  [9, 9, 1, 3, 3, 4, 1, 'same', 1, 2],
  [10, 8, 3, 3, 3, 5, 2, 'valid', 1, 3],
  [7, 7, 3, 5, 5, 4, 1, 'same', 1, 2],
  [11, 9, 2, 3, 3, 3, 1, 'same', 2, 2],
  [6, 6, 4, 1, 1, 3, 1, 'valid', 1, 3],
  [8, 7, 2, 3, 2, 3, [2, 1], 'same', 1, 2],
  [9, 9, 2, 3, 3, 2, 1, 1, 1, 2],
  [5, 5, 2, 5, 5, 3, 1, 'valid', 1, 4],
];

describe.skipIf(!load.addon)(`native kernels on the wasm heap (${load.addon ? 'built' : `skipped: ${load.reason}`})`, () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  itOnce('are installed by selecting wasm, and meta.backend says so', async () => {
    const info = await selectBackend('wasm');
    expect(info.kernels?.loaded).toBe(true);
    expect(info.kernels?.path).toBe('native');
    expect(info.kernels?.kernels).toEqual(expect.arrayContaining(['BatchMatMul', '_FusedMatMul', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']));
    expect(info.kernels?.blas).toMatch(info.kernels?.openblas ? /OpenBLAS/ : /^none$/);
    expect(info.kernels?.threads).toBeGreaterThanOrEqual(1);
  });

  itOnce("a summary's meta.backend.kernels says which kernels ran: native by default, wasm with LOSSLENS_NATIVE=0", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-native-'));
    const kernelsOf = async (native: string | undefined, out: string) => {
      const saved = process.env.LOSSLENS_NATIVE;
      if (native === undefined) delete process.env.LOSSLENS_NATIVE;
      else process.env.LOSSLENS_NATIVE = native;
      try {
        const r = await runCli([
          'eval',
          '--model',
          'fixtures/mlp-relu',
          '--data',
          'fixtures/mlp-relu',
          '--samples',
          '200',
          '--out',
          path.join(dir, out),
          '--quiet',
        ]);
        expect(r.code, r.stderr).toBe(0);
      } finally {
        if (saved === undefined) delete process.env.LOSSLENS_NATIVE;
        else process.env.LOSSLENS_NATIVE = saved;
      }
      return JSON.parse(await readFile(path.join(dir, out, 'summary.json'), 'utf8')).meta.backend.kernels;
    };
    try {
      expect(await kernelsOf(undefined, 'native')).toMatchObject({
        path: 'native',
        loaded: true,
        blas: expect.stringMatching(/OpenBLAS|^none$/),
        cpuForm: expect.stringMatching(/^(avx512|avx2|portable)$/),
      });
      expect(await kernelsOf('0', 'wasm')).toMatchObject({ path: 'wasm', loaded: false, reason: expect.stringMatching(/LOSSLENS_NATIVE=0/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('BatchMatMul equals the wasm and cpu kernels for every transpose, batch and broadcast', async () => {
    await compare(
      'BatchMatMul',
      matmulCases.map((c) => ({ k: c.k, call: () => tf.matMul(rand(c.a, c.seed), rand(c.b, c.seed + 100), c.ta, c.tb) })),
    );
  });

  it('_FusedMatMul with bias (per column, scalar) and relu or linear equals wasm and cpu', async () => {
    const fusable = matmulCases.filter((c) => c.a.length === 2 && c.b.length === 2);
    await compare(
      '_FusedMatMul',
      fusable.flatMap((c) => [
        {
          k: c.k,
          call: () =>
            tf.fused.matMul({ a: rand(c.a, c.seed), b: rand(c.b, c.seed + 1), transposeA: c.ta, transposeB: c.tb, bias: rand([c.n], 7), activation: 'relu' }),
        },
        // a one-entry bias broadcasts over the output (tfjs-core's semantics, the cpu kernel's);
        // stock wasm adds it to the first column only, so cpu is the reference here
        {
          k: c.k,
          refs: ['cpu' as const],
          call: () => tf.fused.matMul({ a: rand(c.a, c.seed), b: rand(c.b, c.seed + 1), transposeA: c.ta, transposeB: c.tb, bias: tf.tensor1d([0.3]) }),
        },
      ]),
    );
  });

  it('Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter equal wasm and cpu (strides, dilation, same/valid/explicit padding, 1×1)', async () => {
    const cases = CONVS.flatMap(([h, w, ci, kh, kw, co, stride, pad, dil, n], i) => {
      const x: [number, number, number, number] = [n, h, w, ci],
        f: [number, number, number, number] = [kh, kw, ci, co],
        k = kh * kw * ci;
      const y = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, stride as [number, number], pad, 'NHWC', dil).shape);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      return [
        { k, call: () => tf.conv2d(rand(x, i) as tf.Tensor4D, rand(f, i + 50) as tf.Tensor4D, stride, pad, 'NHWC', dil) },
        ...(dil === 1
          ? [
              { k: co * kh * kw, call: () => run('Conv2DBackpropInput', { dy: rand(y, i + 70), filter: rand(f, i + 50) }, { ...attrs, inputShape: x }) },
              { k: n * y[1]! * y[2]!, call: () => run('Conv2DBackpropFilter', { x: rand(x, i), dy: rand(y, i + 70) }, { ...attrs, filterShape: f }) },
            ]
          : []),
      ];
    });
    await compare('Conv2D family', cases);
  });

  /** `fn` with the addon's calling-thread count set to `n` (the conv kernels pick their form by it). */
  async function withThreads<T>(n: number, fn: () => Promise<T>): Promise<T> {
    const before = load.addon!.info().threads;
    load.addon!.setThreads(n);
    try {
      return await fn();
    } finally {
      load.addon!.setThreads(before);
    }
  }

  it('Conv2D and its filter gradient over more than one batch chunk (> 2^22 column values, one thread) equal wasm', async () => {
    const x = [40, 32, 32, 16],
      f = [5, 5, 16, 8]; // 409 600 column values per image: chunks of 10
    await withThreads(1, () =>
      compare('chunked Conv2D', [
        { k: 400, refs: ['wasm'], call: () => tf.conv2d(rand(x, 1) as tf.Tensor4D, rand(f, 2) as tf.Tensor4D, 1, 'same') },
        {
          k: 40 * 1024,
          refs: ['wasm'],
          call: () => run('Conv2DBackpropFilter', { x: rand(x, 1), dy: rand([40, 32, 32, 8], 3) }, { strides: 1, pad: 'same', filterShape: f }),
        },
      ]),
    );
  });

  it('Conv2D and both gradients in cache-sized tiles on two threads (uneven last tile, per-tile filter sums) equal wasm', async () => {
    // 12×12×8, 5×5 same: 28 800 column values per image, tiles of 4 images (2^17), 13 images → 4 tiles, the last of one;
    // 13×11×8, 3×3 stride 2 valid: 6×5 outputs, 2 160 per image, tiles of 60, 200 images → 4 tiles, the last of 20
    const x = [13, 12, 12, 8],
      f = [5, 5, 8, 6],
      fs = [3, 3, 8, 5];
    await withThreads(2, () =>
      compare('tiled Conv2D', [
        { k: 200, refs: ['wasm', 'cpu'], call: () => tf.conv2d(rand(x, 1) as tf.Tensor4D, rand(f, 2) as tf.Tensor4D, 1, 'same') },
        {
          k: 6 * 25,
          refs: ['wasm', 'cpu'],
          call: () =>
            run('Conv2DBackpropInput', { dy: rand([13, 12, 12, 6], 3), filter: rand(f, 2) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x }),
        },
        {
          k: 13 * 144,
          refs: ['wasm', 'cpu'],
          call: () =>
            run('Conv2DBackpropFilter', { x: rand(x, 1), dy: rand([13, 12, 12, 6], 3) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: f }),
        },
        { k: 72, refs: ['wasm', 'cpu'], call: () => tf.conv2d(rand([200, 13, 11, 8], 4) as tf.Tensor4D, rand(fs, 5) as tf.Tensor4D, 2, 'valid') },
        {
          k: 5 * 9,
          refs: ['wasm', 'cpu'],
          call: () =>
            run(
              'Conv2DBackpropInput',
              { dy: rand([200, 6, 5, 5], 6), filter: rand(fs, 5) },
              { strides: 2, pad: 'valid', dataFormat: 'NHWC', inputShape: [200, 13, 11, 8] },
            ),
        },
        {
          k: 200 * 30,
          refs: ['wasm', 'cpu'],
          call: () =>
            run(
              'Conv2DBackpropFilter',
              { x: rand([200, 13, 11, 8], 4), dy: rand([200, 6, 5, 5], 6) },
              { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: fs },
            ),
        },
      ]),
    );
  });

  it('the tiled filter gradient is the same bits call after call and on 2 or 3 threads (one partial sum per tile, added in tile order)', async () => {
    const x = rand([64, 14, 14, 16], 7),
      dy = rand([64, 10, 10, 32], 8); // LeNet's second conv: 22 tiles of 3 images
    const once = () =>
      valuesOf(() => run('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 16, 32] })).out;
    const runs = await withThreads(2, async () => [once(), once(), once(), once()]);
    runs.push(await withThreads(3, async () => once()));
    for (const r of runs.slice(1)) expect(Buffer.from(r.buffer).equals(Buffer.from(runs[0]!.buffer))).toBe(true);
    tf.dispose([x, dy]);
  });

  it.skipIf(!load.addon?.info().openblas || load.addon?.info().gemm === 'openblas')(
    "the conv tiles' own GEMM (the CPU form that runs) equals OpenBLAS's and wasm: column tails in either vector, two column panels, two k blocks, partial row blocks",
    async () => {
      // ci 16 (K = 400: two k blocks of 256) or 8, co 20 / 40 / 7 (a masked second vector, a second panel, one masked vector);
      // tiles of 3, 5 and 50 images (300, 315, 1 800 rows: partial row blocks), ≥ 4 tiles each (the tiled form on two threads);
      // the input gradient's N = K = 400 (12 full panels and one of 16) and 72
      type Shape4 = [number, number, number, number];
      const shapes: Array<[x: Shape4, f: Shape4, pad: 'same' | 'valid']> = [
        [[13, 14, 14, 16], [5, 5, 16, 20], 'valid'],
        [[21, 9, 7, 16], [5, 5, 16, 40], 'same'],
        [[200, 8, 8, 8], [3, 3, 8, 7], 'valid'],
      ];
      const calls = shapes.flatMap(([x, f, pad], i) => {
        const y = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, 1, pad).shape);
        const k = f[0]! * f[1]! * f[2]!;
        return [
          { k, call: () => tf.conv2d(rand(x, i) as tf.Tensor4D, rand(f, i + 10) as tf.Tensor4D, 1, pad) },
          {
            k: f[3]! * f[0]! * f[1]!,
            call: () => run('Conv2DBackpropInput', { dy: rand(y, i + 20), filter: rand(f, i + 10) }, { strides: 1, pad, dataFormat: 'NHWC', inputShape: x }),
          },
          {
            k: x[0]! * y[1]! * y[2]!,
            call: () => run('Conv2DBackpropFilter', { x: rand(x, i), dy: rand(y, i + 20) }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: f }),
          },
        ];
      });
      await withThreads(2, async () => {
        await compare(
          'own-GEMM Conv2D',
          calls.map((c) => ({ ...c, refs: ['wasm' as const] })),
        );
        for (const [j, { call, k }] of calls.entries()) {
          const own = valuesOf(call);
          const was = load.addon!.setOwnGemm(false);
          try {
            expect(load.addon!.info().gemm).toBe('openblas');
            expectClose(own, valuesOf(call), k);
          } catch (e) {
            throw new Error(`case ${j}, own GEMM vs OpenBLAS: ${(e as Error).message}`);
          } finally {
            load.addon!.setOwnGemm(was);
          }
        }
      });
      expect(load.addon!.info().gemm).toBe(load.addon!.info().cpuForm);
    },
  );

  it('Conv2D and its filter gradient for few input channels (the direct form) equal the im2col form, wasm and cpu', async () => {
    // [h, w, ci, k, co, stride, pad, dilation, n]: ci ≤ 4, co a multiple of 8 up to 32, filter ≤ 1 024 values
    // (the first, [6, 9, 3, 3, 16…] and the last: 5×5/3×3 on 1 channel and 3×3 on 3 with co % 16 = 0, the AVX-512 forward where the CPU has it)
    const cases: Array<[number, number, number, number, number, number | [number, number], 'same' | 'valid' | number, number, number]> = [
      [28, 28, 1, 5, 16, 1, 'same', 1, 7],
      [9, 11, 3, 3, 24, 2, 'valid', 1, 3],
      [10, 7, 2, 3, 8, [2, 1], 'same', 1, 2],
      [12, 10, 1, 3, 32, 1, 'valid', 2, 3],
      [3, 3, 4, 5, 8, 1, 'same', 1, 2],
      [6, 9, 3, 3, 16, 1, 2, 1, 1],
      [5, 13, 1, 1, 8, 1, 'valid', 1, 2],
      [8, 8, 2, 4, 16, 3, 'same', 1, 5],
      [10, 20, 1, 3, 32, 1, 'same', 1, 2],
    ];
    const calls = cases.flatMap(([h, w, ci, k, co, stride, pad, dil, n], i) => {
      const x: [number, number, number, number] = [n, h, w, ci],
        f: [number, number, number, number] = [k, k, ci, co];
      const y = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, stride, pad, 'NHWC', dil).shape);
      return [
        { k: k * k * ci, call: () => tf.conv2d(rand(x, i) as tf.Tensor4D, rand(f, i + 50) as tf.Tensor4D, stride, pad, 'NHWC', dil) },
        {
          k: k * k * ci,
          call: () =>
            tf.fused.conv2d({
              x: rand(x, i) as tf.Tensor4D,
              filter: rand(f, i + 50) as tf.Tensor4D,
              strides: stride,
              pad,
              dilations: dil,
              bias: rand([co], i + 60),
              activation: 'relu',
            }),
        },
        ...(dil === 1
          ? [
              {
                k: n * y[1]! * y[2]!,
                call: () => run('Conv2DBackpropFilter', { x: rand(x, i), dy: rand(y, i + 70) }, { strides: stride, pad, dataFormat: 'NHWC', filterShape: f }),
              },
            ]
          : []),
      ];
    });
    for (const threads of [1, 2]) {
      await withThreads(threads, async () => {
        await compare(`direct Conv2D (${threads} thread${threads > 1 ? 's' : ''})`, calls);
        for (const [j, { call, k }] of calls.entries()) {
          const direct = valuesOf(call);
          const was = load.addon!.setDirectConv(false);
          try {
            expectClose(direct, valuesOf(call), k);
          } catch (e) {
            throw new Error(`case ${j}, direct vs im2col: ${(e as Error).message}`);
          } finally {
            load.addon!.setDirectConv(was);
          }
        }
      });
    }
  });

  it('the direct forward from zero-padded rows (finite weights) is bit for bit the form that skips the taps outside the image', async () => {
    // An ∞ in the last output channel's filter makes the kernel skip the outside taps (0·∞ would be NaN) for the whole call;
    // every other channel depends on its own filter column only, so it must come out with the same bits as with finite weights.
    const cases: Array<[number[], number[], 'same' | 'valid']> = [
      [[3, 28, 28, 1], [5, 5, 1, 32], 'same'],
      [[2, 9, 11, 3], [3, 3, 3, 16], 'same'],
      [[2, 7, 6, 1], [3, 3, 1, 16], 'valid'],
    ];
    for (const [x, f, pad] of cases) {
      const xs = values(size(x), 11),
        ws = values(size(f), 12),
        bs = values(f[3]!, 13);
      xs[5] = -0;
      const co = f[3]!,
        ws2 = ws.slice();
      ws2[co - 1] = Infinity; // tap (0, 0), channel 0, the last output channel
      for (const activation of ['relu', 'linear'] as const) {
        const conv = (w: Float32Array) =>
          valuesOf(() =>
            tf.fused.conv2d({
              x: tf.tensor4d(xs, x as [number, number, number, number]),
              filter: tf.tensor4d(w, f as [number, number, number, number]),
              strides: 1,
              pad,
              bias: tf.tensor1d(bs),
              activation,
            }),
          );
        const padded = conv(ws),
          skipped = conv(ws2);
        expect(skipped.out.some((v) => !Number.isFinite(v))).toBe(true);
        const mismatch = padded.out.findIndex((v, i) => i % co !== co - 1 && !Object.is(v, skipped.out[i]));
        expect(mismatch, `${x} ${f} ${pad} ${activation}`).toBe(-1);
      }
    }
  });

  it('the direct form keeps NaN and ±∞ where the taps meet them, and skips the taps outside the image as cpu does', async () => {
    const xs = values(2 * 6 * 6, 3);
    xs[7] = NaN;
    xs[40] = Infinity;
    xs[50] = -Infinity;
    const ws = values(3 * 3 * 8, 4);
    ws[5] = Infinity; // a tap that lands outside the image for border pixels: cpu skips it there, so no 0·∞ = NaN
    const x = () => tf.tensor4d(xs, [2, 6, 6, 1]),
      f = () => tf.tensor4d(ws, [3, 3, 1, 8]);
    const got = valuesOf(() => tf.conv2d(x(), f(), 1, 'same'));
    const want = await on('cpu', () => valuesOf(() => tf.conv2d(x(), f(), 1, 'same')));
    expect(got.out.map((v) => (Number.isNaN(v) ? 1 : 0))).toEqual(want.out.map((v) => (Number.isNaN(v) ? 1 : 0)));
    got.out.forEach((v, i) => Number.isFinite(v) && expect(Math.abs(v - want.out[i]!)).toBeLessThan(1e-5));
    expect(got.out.filter((v) => !Number.isFinite(v)).length).toBeGreaterThan(0);
    // its fused relu (a vector mask): NaN stays NaN, −∞ and negatives become 0, +∞ stays, as cpu's fused relu
    const bias = () => tf.tensor1d(values(8, 5));
    const fused = () => tf.fused.conv2d({ x: x(), filter: f(), strides: 1, pad: 'same', bias: bias(), activation: 'relu' });
    const gotR = valuesOf(fused),
      wantR = await on('cpu', () => valuesOf(fused));
    expect(Array.from(gotR.out, (v, i) => (Number.isFinite(v) ? Math.abs(v - wantR.out[i]!) < 1e-5 : Object.is(v, wantR.out[i])))).toEqual(
      Array.from(gotR.out, () => true),
    );
    expect(gotR.out.some((v) => v === 0) && gotR.out.some(Number.isNaN) && gotR.out.some((v) => v === Infinity)).toBe(true);
  });

  it('a GEMM above the one-thread threshold (2^24 multiply-adds: OpenBLAS on two threads) and one below it equal wasm and cpu', async () => {
    await withThreads(2, () =>
      compare('threaded gemm', [
        { k: 512, refs: ['wasm', 'cpu'], call: () => tf.matMul(rand([300, 512], 1), rand([512, 130], 2)) }, // 20 M multiply-adds
        { k: 512, refs: ['wasm', 'cpu'], call: () => tf.matMul(rand([512, 300], 3), rand([130, 512], 4), true, true) },
        { k: 800, refs: ['wasm', 'cpu'], call: () => tf.matMul(rand([64, 800], 5), rand([800, 128], 6)) }, // 6.6 M: one thread
      ]),
    );
  });

  it('FusedConv2D (bias, relu or linear; tiled and chunked) equals wasm and cpu; a prelu falls back', async () => {
    const fused = (x: number[], f: number[], stride: number, pad: 'same' | 'valid', activation: 'relu' | 'linear', seed: number) => () =>
      tf.fused.conv2d({
        x: rand(x, seed) as tf.Tensor4D,
        filter: rand(f, seed + 1) as tf.Tensor4D,
        strides: stride,
        pad,
        bias: rand([f[3]!], seed + 2),
        activation,
      });
    await withThreads(2, () =>
      compare('FusedConv2D', [
        { k: 25, refs: ['wasm', 'cpu'], call: fused([13, 12, 12, 1], [5, 5, 1, 16], 1, 'same', 'relu', 1) },
        { k: 200, refs: ['wasm', 'cpu'], call: fused([13, 12, 12, 8], [5, 5, 8, 6], 1, 'same', 'linear', 4) }, // tiled: 4 tiles
        { k: 72, refs: ['wasm', 'cpu'], call: fused([3, 9, 7, 8], [3, 3, 8, 5], 2, 'valid', 'relu', 7) }, // one chunk
        {
          k: 72,
          refs: ['wasm', 'cpu'],
          call: () =>
            tf.fused.conv2d({
              x: rand([2, 6, 6, 8], 3) as tf.Tensor4D,
              filter: rand([3, 3, 8, 4], 4) as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: rand([4], 5),
              activation: 'prelu',
              preluActivationWeights: rand([4], 6),
            }),
        },
      ]),
    );
  });

  itOnce('Add, Sub, Multiply (same shape, trailing broadcast either side, scalar), Relu, Step equal wasm and cpu; other cases fall back', async () => {
    const big = [8, 28, 28, 16]; // 100 352 values: split over the threads
    const smalls = [[16], [1, 1, 16], [28, 16], [], [1], big];
    const cases = smalls.flatMap((sm, i) => [
      { k: 1, refs: ['wasm' as const, 'cpu' as const], call: () => tf.add(rand(big, i), rand(sm, i + 20)) },
      { k: 1, refs: ['wasm' as const, 'cpu' as const], call: () => tf.sub(rand(big, i), rand(sm, i + 20)) },
      { k: 1, refs: ['wasm' as const, 'cpu' as const], call: () => tf.sub(rand(sm, i + 20), rand(big, i)) }, // the small operand first
      { k: 1, refs: ['wasm' as const, 'cpu' as const], call: () => tf.mul(rand(sm, i + 20), rand(big, i)) },
    ]);
    await compare('elementwise', [
      ...cases,
      { k: 1, refs: ['wasm', 'cpu'], call: () => tf.add(rand([4, 1, 6, 7], 1), rand([4, 5, 1, 7], 2)) }, // broadcast on both sides: the replaced kernel
      { k: 1, refs: ['wasm', 'cpu'], call: () => tf.mul(rand([3, 5], 1), rand([3, 1], 2)) }, // a broadcast on the last axis: the replaced kernel
      { k: 1, refs: ['wasm', 'cpu'], call: () => tf.cast(tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4], [1], 'int32')), 'float32') },
      { k: 1, refs: ['wasm', 'cpu'], call: () => tf.relu(rand(big, 5)) },
      { k: 1, refs: ['wasm', 'cpu'], call: () => tf.relu(rand([3, 7], 6)) },
      { k: 1, refs: ['wasm', 'cpu'], call: () => run('Step', { x: rand(big, 7) }, { alpha: 0.25 }) },
      { k: 1, refs: ['wasm', 'cpu'], call: () => tf.step(rand([5, 9], 8)) },
    ]);
    // NaN and ±∞ as the cpu kernels have them (a fused matmul's relu too)
    const odd = [NaN, -Infinity, Infinity, -0, 0, -1e-30, 2.5, -3];
    const same = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]) || (v === 0 && b[i] === 0));
    const fusedRelu = () => tf.fused.matMul({ a: tf.tensor(odd, [8, 1]), b: tf.tensor([[1, -1]]), bias: tf.tensor([0, 0.5]), activation: 'relu' });
    for (const f of [
      () => tf.relu(tf.tensor(odd)),
      () => run('Step', { x: tf.tensor(odd) }, { alpha: -0.5 }),
      () => tf.add(tf.tensor(odd), tf.tensor([1])),
      () => tf.mul(tf.tensor(odd), tf.tensor(odd)),
      fusedRelu,
    ]) {
      const got = valuesOf(f),
        want = await on('cpu', () => valuesOf(f));
      expect(same(got.out, want.out)).toBe(true);
    }
  });

  itOnce('Exp and Log equal wasm and cpu to 4 float32 ulps (threaded and not), with NaN, ±∞, 0 and overflow as cpu has them', async () => {
    expect((await selectBackend('wasm')).kernels?.kernels).toEqual(expect.arrayContaining(['Exp', 'Log']));
    const rel = (got: Float32Array, want: Float32Array) =>
      got.reduce((m, g, i) => Math.max(m, Math.abs(g - want[i]!) / Math.max(Math.abs(want[i]!), 2 ** -126)), 0);
    for (const shape of [[8, 28, 28, 16], [2000, 10], [7]]) {
      // 100 352 values (over the parallel threshold), a loss's logits, a few
      const x = tf.tidy(() => tf.mul(rand(shape, 3), 12)); // exp's range e^±12 and log's arguments across many binades
      const pos = tf.tidy(() => tf.add(tf.abs(x), 1e-3));
      try {
        for (const [f, arg] of [
          [tf.exp, x],
          [tf.log, pos],
        ] as const) {
          const got = valuesOf(() => f(arg));
          for (const ref of ['wasm', 'cpu'] as const) expect(rel(got.out, (await on(ref, () => valuesOf(() => f(arg)))).out)).toBeLessThanOrEqual(4 * 2 ** -24);
        }
      } finally {
        tf.dispose([x, pos]);
      }
    }
    const odd = [NaN, -Infinity, Infinity, -0, 0, -1e-30, 1e-30, 100, -100, 88.7, -1];
    for (const f of [() => tf.exp(tf.tensor(odd)), () => tf.log(tf.tensor(odd))]) {
      const got = valuesOf(f),
        want = await on('cpu', () => valuesOf(f));
      expect(Array.from(got.out, (v, i) => (Object.is(v, want.out[i]) || Math.abs(v - want.out[i]!) <= 4 * 2 ** -24 * Math.abs(want.out[i]!) ? 0 : 1))).toEqual(
        odd.map(() => 0),
      );
    }
  });

  it('im2col and col2im equal our JS kernels (stride, dilation, padding)', async () => {
    const geos = [
      { xShape: [2, 7, 6, 3], kH: 3, kW: 3, sH: 1, sW: 1, dH: 1, dW: 1, top: 1, left: 1, outH: 7, outW: 6 },
      { xShape: [3, 9, 8, 2], kH: 3, kW: 2, sH: 2, sW: 1, dH: 1, dW: 2, top: 0, left: 1, outH: 4, outW: 7 },
    ];
    await compare(
      'im2col/col2im',
      geos.flatMap((g, i) => {
        const rows = g.xShape[0]! * g.outH * g.outW,
          cols = g.kH * g.kW * g.xShape[3]!;
        return [
          { k: 1, refs: ['wasm' as const], call: () => run(IM2COL, { x: rand(g.xShape, i) }, g) },
          { k: g.kH * g.kW, refs: ['wasm' as const], call: () => run(COL2IM, { cols: rand([rows, cols], i + 5) }, g) },
        ];
      }),
    );
  });

  it('max-pool share in each of its native forms (channel counts 16 and 32 unrolled, others generic, rows over 4 096 values window by window) equals our JS kernel', async () => {
    const shapes = [
      [4, 6, 8, 16],
      [2, 4, 6, 32],
      [2, 4, 4, 7],
      [1, 2, 2 * 130, 32],
    ]; // the last: 130·32 pooled values a row
    for (const [k, shape] of shapes.entries()) {
      const x = values(size(shape), 40 + k).map((v) => Math.round(v * 3) / 3); // coarse: ties
      x[3] = NaN;
      x[size(shape) - 2] = -Infinity;
      const call = () => run(POOL_SHARE, { x: tf.tensor(x, shape) }, { kH: 2, kW: 2 });
      const got = valuesOf(call),
        want = await on('wasm', () => valuesOf(call));
      expect(got.shape).toEqual(want.shape);
      expect(got.out.every((v, i) => Object.is(v, want.out[i]) || Math.abs(v - want.out[i]!) <= 1e-6)).toBe(true);
    }
  });

  it('max-pool route (spread of dy through the share, one pass) equals our JS kernel bit for bit: row forms unrolled and generic, window form, relu-output shares', async () => {
    const shapes = [
      [4, 6, 8, 16],
      [2, 4, 6, 32],
      [2, 4, 4, 7],
      [1, 2, 2 * 130, 32],
    ]; // the last: 130·32 pooled values a row
    for (const [k, shape] of shapes.entries()) {
      for (const positive of [false, true]) {
        const x = values(size(shape), 50 + k)
          .map((v) => Math.round(v * 3) / 3)
          .map((v) => (positive && v < 0 ? 0 : v)); // coarse: ties
        x[3] = NaN;
        x[size(shape) - 2] = positive ? -0 : -Infinity;
        const dy = values(size(shape) / 4, 60 + k);
        dy[1] = -0;
        const call = () =>
          run(POOL_ROUTE, { x: tf.tensor(x, shape), dy: tf.tensor(dy, [shape[0]!, shape[1]! / 2, shape[2]! / 2, shape[3]!]) }, { kH: 2, kW: 2, positive });
        const got = valuesOf(call),
          want = await on('wasm', () => valuesOf(call));
        expect(got.shape).toEqual(want.shape);
        expect(got.out.every((v, i) => Object.is(v, want.out[i]))).toBe(true);
      }
    }
  });

  it('LosslensConvPool (a conv and its max pool in one kernel: direct, tiled and whole-output forms, 1 and 2 threads; the conv output kept or not) equals FusedConv2D then MaxPool bit for bit', async () => {
    // [x, filter, stride, pad, pool]: LeNet's two layers (direct: ci 1; tiles: 64 images of 16 channels), one image (no tiles), 3×3 pools, linear
    const cases: Array<[number[], number[], number, 'same' | 'valid', number, 'relu' | 'linear']> = [
      [[64, 28, 28, 1], [5, 5, 1, 16], 1, 'same', 2, 'relu'],
      [[64, 14, 14, 16], [5, 5, 16, 32], 1, 'valid', 2, 'relu'],
      [[1, 14, 14, 16], [5, 5, 16, 32], 1, 'valid', 2, 'relu'],
      [[5, 11, 11, 3], [3, 3, 3, 8], 1, 'valid', 3, 'linear'],
      [[9, 12, 9, 2], [3, 3, 2, 24], 1, 'same', 3, 'relu'],
    ];
    for (const threads of [1, 2]) {
      await withThreads(threads, async () => {
        for (const [i, [xs, fs, stride, pad, k, activation]] of cases.entries()) {
          const xv = values(size(xs), 80 + i);
          xv[5] = NaN; // one NaN window
          const x = () => tf.tensor4d(xv, xs as [number, number, number, number]),
            f = () => rand(fs, 90 + i),
            b = () => rand([fs[3]!], 95 + i);
          const attrs = { strides: [stride, stride], pad, dilations: [1, 1], activation, kH: k, kW: k };
          const got = valuesOf(() => run('LosslensConvPool', { x: x(), filter: f(), bias: b() }, attrs));
          const want = valuesOf(() =>
            tf.maxPool(tf.fused.conv2d({ x: x(), filter: f() as tf.Tensor4D, strides: stride, pad, bias: b(), activation }), k, k, 'valid'),
          );
          expect(got.shape).toEqual(want.shape);
          const same = Array.from(got.out, (v, j) => Object.is(v, want.out[j]));
          expect(same.indexOf(false), `case ${i}, ${threads} thread(s)`).toBe(-1);
          expect(got.out.some(Number.isNaN) && got.out.some((v) => v > 0)).toBe(true);
          // keep: the conv output as a second output (what a gradient pass reads), the same pooled values
          const [pk, yk] = tf.tidy(() =>
            (
              tf.engine().runKernel('LosslensConvPool', { x: x(), filter: f(), bias: b() }, {
                ...attrs,
                keep: true,
              } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[]
            ).map((t) => t.dataSync().slice()),
          );
          const wantY = valuesOf(() => tf.fused.conv2d({ x: x(), filter: f() as tf.Tensor4D, strides: stride, pad, bias: b(), activation })).out;
          expect(Array.from(pk!, (v, j) => Object.is(v, want.out[j])).indexOf(false), `kept, case ${i}`).toBe(-1);
          expect(Array.from(yk!, (v, j) => Object.is(v, wantY[j])).indexOf(false), `kept y, case ${i}`).toBe(-1);
        }
      });
    }
    expect(() =>
      valuesOf(() =>
        run(
          'LosslensConvPool',
          { x: rand([1, 7, 7, 1], 1), filter: rand([3, 3, 1, 8], 2), bias: rand([8], 3) },
          { strides: [1, 1], pad: 'valid', dilations: [1, 1], activation: 'relu', kH: 2, kW: 2 },
        ),
      ),
    ).toThrow(/do not tile/);
  });

  it("LosslensConvPoolFilter (a first conv's filter and bias gradients through its pool's route, the route never written) equals Conv2DBackpropFilter and Sum over the route", async () => {
    // [x, filter, stride, pad, pool, relu]: LeNet's first conv; the MNIST CNN's (co 8, valid); an odd batch (threads split off window rows); im2col forms
    const cases: Array<[number[], number[], 'same' | 'valid', number, boolean]> = [
      [[64, 28, 28, 1], [5, 5, 1, 16], 'same', 2, true],
      [[37, 28, 28, 1], [5, 5, 1, 8], 'valid', 2, true],
      [[5, 11, 11, 3], [3, 3, 3, 8], 'valid', 3, false],
      [[8, 14, 14, 16], [5, 5, 16, 32], 'valid', 2, true],
      [[1, 14, 14, 16], [5, 5, 16, 32], 'valid', 2, false],
    ];
    for (const threads of [1, 2]) {
      await withThreads(threads, async () => {
        for (const [i, [xs, fs, pad, k, positive]] of cases.entries()) {
          const x = rand(xs, 110 + i),
            f = rand(fs, 120 + i),
            b = rand([fs[3]!], 130 + i);
          const frame = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad, bias: b, activation: positive ? 'relu' : 'linear' });
          const dy = rand([xs[0]!, frame.shape[1] / k, frame.shape[2] / k, fs[3]!], 140 + i);
          const [dw, db] = tf.engine().runKernel('LosslensConvPoolFilter', { x, frame, dy }, {
            strides: [1, 1],
            pad,
            dilations: [1, 1],
            kH: k,
            kW: k,
            positive,
            filterShape: fs,
          } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
          const route = run(POOL_ROUTE, { x: frame, dy }, { kH: k, kW: k, positive });
          const wantW = run('Conv2DBackpropFilter', { x, dy: route }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: fs }),
            wantB = tf.sum(route, [0, 1, 2]);
          // the same products, summed in other partial sums only (thread splits; float64 for the bias): 2e-5 of the largest
          try {
            expectClose({ out: dw!.dataSync() as Float32Array, shape: dw!.shape }, { out: wantW.dataSync() as Float32Array, shape: wantW.shape }, 1);
            expectClose({ out: db!.dataSync() as Float32Array, shape: db!.shape }, { out: wantB.dataSync() as Float32Array, shape: wantB.shape }, 1);
          } catch (e) {
            throw new Error(`case ${i}, ${threads} thread(s): ${(e as Error).message}`);
          }
          if (i === 0) expect(Array.from(dw!.dataSync(), (v, j) => Object.is(v, wantW.dataSync()[j])).indexOf(false)).toBe(-1); // window rows split evenly: the same sums
          tf.dispose([x, f, b, frame, dy, dw!, db!, route, wantW, wantB]);
        }
      });
    }
  });

  itOnce('LosslensConvPool keeping the conv output stays exact while the wasm heap grows between its two outputs (views taken after both allocations)', () => {
    // outputs held, batches growing: the heap has to grow, often right at the kept output's allocation
    const held: tf.Tensor[] = [];
    const f = rand([5, 5, 1, 8], 2),
      b = rand([8], 3);
    try {
      for (let n = 16; n <= 416; n += 50) {
        const x = rand([n, 28, 28, 1], n);
        const [p, y] = tf.engine().runKernel('LosslensConvPool', { x, filter: f, bias: b }, {
          strides: [1, 1],
          pad: 'valid',
          dilations: [1, 1],
          activation: 'relu',
          kH: 2,
          kW: 2,
          keep: true,
        } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        const wantY = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'valid', bias: b, activation: 'relu' });
        const wantP = tf.maxPool(wantY, 2, 2, 'valid');
        held.push(x, p!, y!, wantY, wantP);
        const [gy, gp, wy, wp] = [y!, p!, wantY, wantP].map((t) => t.dataSync());
        expect(gy!.every((v, i) => Object.is(v, wy![i])) && gp!.every((v, i) => Object.is(v, wp![i])), `batch of ${n}`).toBe(true);
      }
    } finally {
      tf.dispose([...held, f, b]);
    }
  });

  it('MaxPool where its windows tile the input equals wasm and cpu (channel counts unrolled and not, valid and same, 2×2 and 3×3); other pools fall back; NaN in a window gives NaN', async () => {
    const pools: Array<[number[], number, 'valid' | 'same', number?]> = [
      [[13, 28, 28, 16], 2, 'valid'],
      [[7, 10, 10, 32], 2, 'same'],
      [[3, 9, 6, 3], 3, 'valid'],
      [[1, 4, 4, 8], 2, 'valid'],
      [[1, 4, 600, 16], 2, 'valid'], // pooled rows of 4 800 values: window by window
      [[2, 7, 7, 5], 2, 'valid'],
      [[2, 8, 8, 4], 3, 'same', 2], // not tiling: the wasm kernel
    ];
    await withThreads(2, () =>
      compare(
        'MaxPool',
        pools.map(([x, k, pad, stride], i) => ({ k: 1, call: () => tf.maxPool(rand(x, i) as tf.Tensor4D, k, stride ?? k, pad) })),
      ),
    );
    const xs = values(2 * 4 * 4 * 8, 9);
    xs[3] = NaN; // image 0, window (0, 0), channel 3
    xs[128 + 3 * 8 + 5] = NaN; // image 1, row 0, column 3 (window (0, 1)), channel 5
    const y = tf.tidy(() => tf.maxPool(tf.tensor4d(xs, [2, 4, 4, 8]), 2, 2, 'valid').dataSync());
    expect([...y.keys()].filter((i) => Number.isNaN(y[i]!))).toEqual([3, 32 + 8 + 5]); // exactly those two windows' channels
    const wide = values(2 * 600 * 16, 10); // pooled rows of 4 800 values: the window-by-window form
    wide[16 * 7 + 2] = NaN; // row 0, column 7 (window 3), channel 2
    const yw = tf.tidy(() => tf.maxPool(tf.tensor4d(wide, [1, 2, 600, 16]), 2, 2, 'valid').dataSync());
    expect([...yw.keys()].filter((i) => Number.isNaN(yw[i]!))).toEqual([3 * 16 + 2]);
  });

  it('max-pool share (ties, −∞, NaN), spread and gather equal our JS kernels', async () => {
    const x = values(3 * 6 * 8 * 5, 4).map((v) => Math.round(v * 3) / 3); // coarse values: many ties
    x[7] = -Infinity;
    x[40] = NaN;
    const xt = () => tf.tensor(x, [3, 6, 8, 5]);
    const g = { kH: 2, kW: 2 },
      g3 = { kH: 3, kW: 2 };
    const share = (gg: typeof g) => run(POOL_SHARE, { x: xt() }, gg);
    // values compared as given (NaN equal to NaN): the share kernel runs outside the engine in pool.ts, so here through runKernel
    const same = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]) || Math.abs(v - b[i]!) <= 1e-6);
    for (const gg of [g, g3]) {
      const got = valuesOf(() => share(gg)),
        want = await on('wasm', () => valuesOf(() => share(gg)));
      expect(got.shape).toEqual(want.shape);
      expect(same(got.out, want.out)).toBe(true);
    }
    const clean = () =>
      tf.tensor(
        values(3 * 6 * 8 * 5, 5).map((v) => Math.round(v * 3) / 3),
        [3, 6, 8, 5],
      );
    await compare(
      'pool spread/gather',
      [g, g3].flatMap((gg) => [
        {
          k: 1,
          refs: ['wasm' as const],
          call: () => run(POOL_SPREAD, { dy: rand([3, 6 / gg.kH, 8 / gg.kW, 5], 6), share: run(POOL_SHARE, { x: clean() }, gg) }, gg),
        },
        {
          k: gg.kH * gg.kW,
          refs: ['wasm' as const],
          call: () => run(POOL_GATHER, { t: rand([3, 6, 8, 5], 7), share: run(POOL_SHARE, { x: clean() }, gg) }, gg),
        },
      ]),
    );
  });

  it('the share over a relu output (positive: share·step(x)) equals its definition on the native and the JS kernel, row and window forms, NaN windows NaN', async () => {
    // x ≥ 0 with many zeros and whole zero windows, a −0, a NaN; [2, 4, 6, 3]: the row form; [1, 4, 4, 2100]: one window at a time
    for (const shape of [
      [2, 4, 6, 3],
      [1, 4, 4, 2100],
    ]) {
      const x = values(size(shape), 9).map((v) => Math.max(0, Math.round(v * 3) / 3));
      x[1] = -0;
      x[size(shape) - 5] = NaN;
      const g = { kH: 2, kW: 2 };
      const plain = valuesOf(() => run(POOL_SHARE, { x: tf.tensor(x, shape) }, g)).out;
      const want = plain.map((sh, i) => (Number.isNaN(sh) ? NaN : sh * (x[i]! > 0 ? 1 : 0))); // share · step(x)
      const pos = () => run(POOL_SHARE, { x: tf.tensor(x, shape) }, { ...g, positive: true });
      const native = valuesOf(pos).out,
        js = (await on('wasm', () => valuesOf(pos))).out;
      for (const got of [native, js]) expect(Array.from(got, (v, i) => Object.is(v, want[i]) || v === want[i])).toEqual(Array.from(want, () => true));
      expect(want.some((v) => v === 0) && want.some((v) => v > 0) && want.some(Number.isNaN)).toBe(true);
      expect(plain.some((v, i) => v > 0 && !(x[i]! > 0))).toBe(true); // windows of zeros: the plain share is not zero there
    }
  });

  it('Sum over leading axes (keepDims or not) equals wasm and cpu; other reductions still work', async () => {
    const x = () => rand([7, 9, 11, 6], 8);
    await compare('Sum', [
      { k: 7 * 9 * 11, call: () => tf.sum(x(), [0, 1, 2]) },
      { k: 7 * 9 * 11, call: () => tf.sum(x(), [2, 0, 1], true) },
      { k: 7, call: () => tf.sum(x(), 0) },
      { k: 6, call: () => tf.sum(x(), -1) },
      { k: 7 * 9 * 11 * 6, call: () => tf.sum(x()) },
      { k: 9, call: () => tf.sum(x(), [1, 3]) },
    ]);
  });

  itOnce('leave no tensors and do not grow the wasm heap over repeated calls', () => {
    const a = rand([256, 128], 1),
      b = rand([128, 64], 2),
      x = rand([8, 14, 14, 16], 3),
      f = rand([5, 5, 16, 32], 4);
    const step = () =>
      tf.tidy(() => {
        tf.matMul(a, b, false, false).dataSync();
        tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid').dataSync();
      });
    for (let i = 0; i < 3; i++) step();
    const before = tf.memory();
    for (let i = 0; i < 30; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([a, b, x, f]);
  });

  describe('a small conv net on the native kernels', () => {
    /** @param filters of the first conv: 3 takes im2col, 8 the direct form (ci 1, co a multiple of 8) */
    async function convNet(filters: number) {
      const rng = createRng(5);
      const n = 24;
      const X = Float32Array.from({ length: n * 64 }, () => rng.normal());
      const labels = Array.from({ length: n }, (_, i) => i % 3);
      const init = (seed: number) => tf.initializers.glorotNormal({ seed });
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 1],
            filters,
            kernelSize: 3,
            padding: 'same',
            activation: 'tanh',
            kernelInitializer: init(1),
            biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 2 }),
          }),
          tf.layers.averagePooling2d({ poolSize: 2 }), // smooth: FD probes cross no max-pool kink
          tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh', kernelInitializer: init(3) }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }),
        ],
      });
      model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
      const bundle = loadModel(await checkpointFromModel(model));
      model.dispose();
      const ds = datasetOf(X, [8, 8, 1], labels, 'class-index');
      return { bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
    }

    it("an inference pass runs relu / linear convs as FusedConv2D, a conv and its max pool as one LosslensConvPool, and its loss equals the gradient pass's and the unfused pass's to the bit (and wasm's to 1e-6)", async () => {
      const rng = createRng(9);
      const n = 40;
      const X = Float32Array.from({ length: n * 144 }, () => rng.normal());
      const labels = Array.from({ length: n }, (_, i) => i % 3);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [12, 12, 1],
            filters: 8,
            kernelSize: 5,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
            biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 2 }),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({
            filters: 4,
            kernelSize: 3,
            strides: 2,
            activation: 'linear',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
            biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 4 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 6,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 6 }),
            biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 7 }),
          }),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }) }),
        ],
      });
      model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
      const bundle = loadModel(await checkpointFromModel(model));
      model.dispose();
      const data = prepareData(datasetOf(X, [12, 12, 1], labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
      const obj = new LocalObjective(bundle, data);
      const theta = obj.theta0;
      const before = tf.memory().numTensors;
      const prof = await tf.profile(() => obj.loss(theta));
      const names = prof.kernels.map((k) => k.name);
      expect(names.filter((k) => k === 'LosslensConvPool').length).toBe(1); // the relu conv and the max pool after it
      expect(names.filter((k) => k === 'FusedConv2D').length).toBe(1); // the linear conv, no pool after it
      expect(names).not.toContain('Conv2D');
      expect(names).not.toContain('MaxPool');
      expect(names.filter((k) => k === '_FusedMatMul').length).toBe(1); // the relu dense layer; the softmax one stays a matMul
      const loss = await obj.loss(theta),
        { loss: gradLoss } = await obj.grad(theta);
      expect(loss).toBe(gradLoss); // the same float32 operations, fused or not
      useConvPool(false);
      try {
        const unfused = await tf.profile(() => obj.loss(theta));
        expect(unfused.kernels.filter((k) => k.name === 'FusedConv2D').length).toBe(2);
        expect(await obj.loss(theta)).toBe(loss);
      } finally {
        useConvPool(true);
      }
      process.env.LOSSLENS_GRAD = 'tape';
      try {
        expect((await new LocalObjective(bundle, data).grad(theta)).loss).toBe(loss); // the tape's unfused kernels too
      } finally {
        delete process.env.LOSSLENS_GRAD;
      }
      const wasmLoss = await on('wasm', () => new LocalObjective(bundle, data).loss(theta));
      expect(Math.abs(loss - wasmLoss)).toBeLessThan(1e-6 * Math.abs(wasmLoss));
      expect(tf.memory().numTensors).toBe(before);
      obj.dispose();
    });

    /** Columns `cols` of the explicit Hessian, each an exact HVP with a unit vector. */
    async function explicitHessian(obj: LocalObjective, theta: Float32Array, cols: number[]): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (const j of cols) {
        const e = new Float32Array(theta.length);
        e[j] = 1;
        out.push(await obj.hvp(theta, e));
      }
      return out;
    }

    it.each([
      [3, 'im2col'],
      [8, 'direct'],
    ])(
      "exact HVP columns match finite differences of the gradient; explicit Hessian is symmetric and equals the wasm kernels' Hessian; no leaks (first conv of %i filters: %s)",
      async (filters) => {
        const { bundle, data } = await convNet(filters);
        const theta = bundle.theta0,
          d = bundle.layout.dim;
        const obj = new LocalObjective(bundle, data);
        const fd = new LocalObjective(bundle, data, { hvp: 'fd', fdStep: 1e-2 });
        const before = tf.memory().numTensors;
        // every HVP runs every kernel of the net, so a variant project (another CPU form or BLAS build) checks the
        // kernels' rounding on every 4th column: symmetry on that block, FD and wasm on those columns; the default
        // projects check symmetry on all of H, FD on every 5th column and wasm on every 2nd
        const cols = Array.from({ length: d }, (_, j) => j).filter((j) => !inVariant || j % 4 === 0);
        const H = await explicitHessian(obj, theta, cols);
        let maxAbs = 0,
          asym = 0,
          fdErr = 0;
        H.forEach((c) => c.forEach((x) => (maxAbs = Math.max(maxAbs, Math.abs(x)))));
        cols.forEach((i, a) => cols.forEach((j, b) => (asym = Math.max(asym, Math.abs(H[b]![i]! - H[a]![j]!)))));
        for (const [b, j] of cols.entries()) {
          if (!inVariant && j % 5 !== 0) continue;
          const e = new Float32Array(d);
          e[j] = 1;
          (await fd.hvp(theta, e)).forEach((x, i) => (fdErr = Math.max(fdErr, Math.abs(x - H[b]![i]!))));
        }
        expect(tf.memory().numTensors).toBe(before);
        const wasmAt = cols.flatMap((_, b) => (inVariant || b % 2 === 0 ? [b] : []));
        const Hwasm = await on('wasm', () =>
          explicitHessian(
            obj,
            theta,
            wasmAt.map((b) => cols[b]!),
          ),
        );
        let dWasm = 0;
        wasmAt.forEach((b, k) => H[b]!.forEach((x, i) => (dWasm = Math.max(dWasm, Math.abs(x - Hwasm[k]![i]!)))));
        obj.dispose();
        fd.dispose();
        expect(maxAbs).toBeGreaterThan(1e-3);
        expect(asym).toBeLessThan(1e-4 * maxAbs);
        expect(fdErr).toBeLessThan(5e-3 * maxAbs);
        expect(dWasm).toBeLessThan(1e-4 * maxAbs);
      },
    );
  });
});

describe.skipIf(!load.addon || inVariant)('default workers with the native kernels', () => {
  it('one worker while OpenBLAS runs on every core in one thread; one per core (≥ 64 samples each) on plain wasm', async () => {
    const { defaultWorkers } = await import('../src/objective/create-objective.js');
    await selectBackend('wasm');
    installNativeKernels();
    expect(defaultWorkers(6000)).toBe(1);
    uninstallNativeKernels();
    expect(defaultWorkers(6000)).toBe(Math.min(os.availableParallelism(), Math.floor(6000 / 64)));
    installNativeKernels(); // as the rest of the process expects it
  });

  it('prefer the backward kernels as the conv gradient while installed (not for a dilated conv) without writing the environment', async () => {
    const { convGradMode } = await import('../src/objective/gradients/conv.js');
    const before = process.env.LOSSLENS_CONV_GRAD;
    delete process.env.LOSSLENS_CONV_GRAD;
    try {
      await selectBackend('wasm');
      installNativeKernels();
      expect(convGradMode()).toBe('kernels');
      expect(convGradMode(0, true)).toBe('hybrid'); // the backward kernels take dilation 1 only
      expect(convGradMode(2 ** 30)).toBe('kernels'); // no column matrix of its own: no size cap
      expect(process.env.LOSSLENS_CONV_GRAD).toBeUndefined();
      process.env.LOSSLENS_CONV_GRAD = 'hybrid'; // the user's choice still decides
      expect(convGradMode()).toBe('hybrid');
      delete process.env.LOSSLENS_CONV_GRAD;
      uninstallNativeKernels();
      expect(convGradMode()).toBe('hybrid');
      installNativeKernels();
    } finally {
      if (before === undefined) delete process.env.LOSSLENS_CONV_GRAD;
      else process.env.LOSSLENS_CONV_GRAD = before;
    }
  });
});
