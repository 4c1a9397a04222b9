/**
 * Loading the optional native addon (native/*.c, built at install by scripts/build-native.mjs):
 * build/Release/losslens_native.node, found from src/ (tsx) and dist/src/ (compiled) alike.
 * Never throws: a missing or unloadable addon is a reason string, and the wasm kernels run.
 *
 *   LOSSLENS_NATIVE=0           do not load it (the wasm kernels run)
 *   LOSSLENS_NATIVE_ADDON=FILE  load FILE instead (another build: scripts/build-native.mjs --out=DIR)
 *   LOSSLENS_NATIVE_THREADS=n   OpenBLAS threads (default: the cores in the main thread, 1 in a
 *                               worker thread, where the workers already split the cores)
 *   LOSSLENS_DIRECT_CONV=0      every conv as im2col + sgemm (by default few-input-channel convs,
 *                               a first layer on images, run the direct form: native/conv_direct.c)
 *   LOSSLENS_OWN_GEMM=0         the conv tiles' products through OpenBLAS's sgemm where the addon
 *                               has it (by default our kernel in the CPU form that runs: native/gemm.c)
 *
 * The CPU form (avx512, avx2, portable: native/cpu.h) is the best this CPU runs unless an engine
 * option forces a lower one (setNativeCpuForm in native-kernels.ts).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { readConfig, setOpenMpDefaults } from '../config.js';

/** Geometry as the addon reads it: n, h, w, ci, kH, kW, sH, sW, dH, dW, top, left, outH, outW. */
export type NativeGeometry = Int32Array;

export interface NativeAddon {
  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    strideA: number,
    strideB: number,
  ): void;
  biasAct(c: Float32Array, bias: Float32Array | null, m: number, n: number, act: number): void;
  im2col(x: Float32Array, cols: Float32Array, g: NativeGeometry): void;
  col2im(cols: Float32Array, x: Float32Array, g: NativeGeometry): void;
  /** With bias (co entries, or null) and act (0 linear, 1 relu): FusedConv2D. */
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, g: NativeGeometry, co: number, bias?: Float32Array | null, act?: number): void;
  /** p [n, outH/kh, outW/kw, co] = max pool of conv2d(x, w) + bias (relu when act 1) over windows tiling its output; keep: the conv output as well. */
  conv2dPool(
    x: Float32Array,
    w: Float32Array,
    p: Float32Array,
    g: NativeGeometry,
    co: number,
    bias: Float32Array | null,
    act: number,
    kh: number,
    kw: number,
    keep?: Float32Array | null,
  ): void;
  /** dw, db of a conv from its max pool's gradient dp through route(frame, dp) (native/conv.h). */
  conv2dPoolBackpropFilter(
    x: Float32Array,
    frame: Float32Array,
    dp: Float32Array,
    dw: Float32Array,
    db: Float32Array,
    g: NativeGeometry,
    co: number,
    kh: number,
    kw: number,
    positive: number,
  ): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: NativeGeometry, co: number): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: NativeGeometry, co: number): void;
  /** Depthwise conv with channel multiplier m (native/depthwise.h; g's ci is the input channels): y, and its input and filter gradients. */
  /** bias [C·m] or null and act (0 linear, 1 relu) after the sums: FusedDepthwiseConv2D's epilogue per row while in cache. */
  depthwise(x: Float32Array, w: Float32Array, y: Float32Array, g: NativeGeometry, m: number, bias?: Float32Array | null, act?: number): void;
  depthwiseBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: NativeGeometry, m: number): void;
  depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: NativeGeometry, m: number): void;
  /** out = (0 < z ≤ 6 ? 1 : 0, NaN stays NaN) · dy, or that mask alone with dy null (native/conv_act.h). */
  relu6Grad(z: Float32Array, dy: Float32Array | null, out: Float32Array): void;
  /** t: [n, ho, wo, c, kh, kw]; tile-frame arrays [n, ho·kh, wo·kw, c]. */
  /** positive 1: times the relu mask step(x) (windows whose max is ≤ 0 share 0). */
  poolShare(x: Float32Array, share: Float32Array, t: Int32Array, positive: number): void;
  poolSpread(dy: Float32Array, share: Float32Array, out: Float32Array, t: Int32Array): void;
  /** poolSpread(dy, share(x)) in one pass, the same bits (dy pooled, out like x). */
  poolRoute(x: Float32Array, dy: Float32Array, out: Float32Array, t: Int32Array, positive: number): void;
  poolGather(tile: Float32Array, share: Float32Array, out: Float32Array, t: Int32Array): void;
  /** y [n, ho, wo, c]: each window's max of the tile frame x (NaN in a window → NaN). */
  maxPool(x: Float32Array, y: Float32Array, t: Int32Array): void;
  sumRows(x: Float32Array, out: Float32Array, m: number, c: number): void;
  /** out[i] = big[i] ∘ small[i mod small.length] (reversed 1: small ∘ big). */
  binaryAdd(big: Float32Array, small: Float32Array, out: Float32Array, reversed: number): void;
  binarySub(big: Float32Array, small: Float32Array, out: Float32Array, reversed: number): void;
  binaryMul(big: Float32Array, small: Float32Array, out: Float32Array, reversed: number): void;
  /** x < 0 ? 0 : x; exp and log are libm's expf / logf; NaN stays NaN in each. */
  unaryRelu(x: Float32Array, out: Float32Array): void;
  unaryExp(x: Float32Array, out: Float32Array): void;
  unaryLog(x: Float32Array, out: Float32Array): void;
  /** x > 0 ? 1 : alpha (the relu mask of its gradient); NaN stays NaN. */
  unaryStep(x: Float32Array, out: Float32Array, alpha: number): void;
  /** Adam's step in place (native/optim.h): k = [lr, β₁, β₂, 1−β₁, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, λ]; bit-equal to src/train/optimizers.ts's rule. */
  adam(theta: Float32Array, grad: Float32Array, m: Float64Array, v: Float64Array, k: Float64Array): void;
  /** out += Σ_j c[j]·q[j], the terms in j order, no FMA: the bits of vector-ops.ts's loop (native/basis.h). */
  basisCombine(out: Float64Array, q: Float64Array[], c: Float64Array): void;
  /** c[j] = q[j]ᵀv, each sum from 0 in index order: the bits of vector-ops.ts's `dot`. */
  basisDots(q: Float64Array[], v: Float64Array, c: Float64Array): void;
  /**
   * The fused LSTM step (native/recurrent.h): ins xp, hu, c, rz, rc, gh, rgh, gc, rgc; outs h, c′, R{h′}, R{c′}
   * or (backward 1) g_z, g_c, R{g_z}, R{g_c}; null: absent.
   */
  lstmStep(backward: number, act: number, rec: number, b: number, u: number, ins: (Float32Array | null)[], outs: (Float32Array | null)[]): void;
  /** A SimpleRNN (0) / LSTM (1) / GRU (2) sequence forward (recurrent.h's ll_rnn_sequence); ins xp, bias, U, h0, c0 (null: absent). */
  rnnSequence(
    kind: number,
    act: number,
    rec: number,
    b: number,
    T: number,
    u: number,
    backwards: number,
    sequences: number,
    ins: (Float32Array | null)[],
    out: Float32Array,
  ): void;
  /** A GRU / SimpleRNN step part (recurrent.h's ll_rnn_step); ins xp, hu, h, a, g, grh, rxp, rhu, ra, rh, rg, rgrh; outs o0, o1, r0, r1 (null: absent). */
  rnnStep(phase: number, act: number, rec: number, b: number, u: number, ins: (Float32Array | null)[], outs: (Float32Array | null)[]): void;
  setThreads(n: number): void;
  /** Few-input-channel convs in the direct form where it is faster (true, the default) or always im2col; returns the previous setting. */
  setDirectConv(on: boolean): boolean;
  /** The GEMMs through our kernel (true, the default) or OpenBLAS (false; kept on where the addon has no OpenBLAS); returns the previous setting. */
  setOwnGemm(on: boolean): boolean;
  /** The kernels' CPU form from now on ('auto': the best this CPU runs); returns the form now running; a RangeError where the CPU lacks it. */
  setCpuForm(form: CpuFormChoice): CpuForm;
  info(): NativeAddonInfo;
}

export const CPU_FORMS = ['avx512', 'avx2', 'portable'] as const;
/** An instruction-set form of the kernels (native/cpu.h). */
export type CpuForm = (typeof CPU_FORMS)[number];
export type CpuFormChoice = CpuForm | 'auto';

export interface NativeAddonInfo {
  /** OpenBLAS's build configuration, or "none" where the addon was built without it. */
  blas: string;
  corename: string;
  /** Whether OpenBLAS is linked. */
  openblas: boolean;
  threads: number;
  /** Whose kernel multiplies: ours in the CPU form that runs, or 'openblas' (switched to it). */
  gemm: CpuForm | 'openblas';
  /** The CPU form the kernels run now, and the best this CPU runs. */
  cpuForm: CpuForm;
  cpuBest: CpuForm;
}

export type AddonLoad = { addon: NativeAddon; path: string } | { addon?: undefined; reason: string };

const FILE = path.join('build', 'Release', 'losslens_native.node');
let cached: AddonLoad | undefined;
let fileOverride: string | undefined;

/**
 * Load the addon from `file` instead of build/Release (a variant built with scripts/build-native.mjs
 * --out, e.g. without OpenBLAS: tests and benchmarks). Only before the first load in this thread.
 */
export function setNativeAddonFile(file: string): void {
  if (cached) throw new Error(`setNativeAddonFile: the addon is already loaded (${'path' in cached ? cached.path : cached.reason})`);
  fileOverride = path.resolve(file);
}

/** The package root: the nearest folder above this file with a package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function threadCount(): number {
  return readConfig().nativeThreads ?? (isMainThread ? Math.max(1, os.availableParallelism()) : 1);
}

/** The addon with its threads set, or why not (cached per thread). */
export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  const config = readConfig();
  if (!config.native) return (cached = { reason: 'disabled (LOSSLENS_NATIVE=0)' });
  const chosen = fileOverride ?? (config.nativeAddon === undefined ? undefined : path.resolve(config.nativeAddon));
  const file = chosen ?? path.join(packageRoot(), FILE);
  if (!existsSync(file)) {
    return (cached = {
      reason: chosen
        ? `no addon at ${chosen} (LOSSLENS_NATIVE_ADDON or setNativeAddonFile)`
        : `not built (no ${FILE}; needs a C compiler, make and python3 at npm install)`,
    });
  }
  setOpenMpDefaults();
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    addon.setThreads(threadCount());
    if (!config.directConv) addon.setDirectConv(false);
    if (!config.ownGemm) addon.setOwnGemm(false);
    return (cached = { addon, path: file });
  } catch (e) {
    return (cached = { reason: `failed to load ${chosen ?? FILE}: ${(e as Error).message.split('\n')[0]}` });
  }
}
