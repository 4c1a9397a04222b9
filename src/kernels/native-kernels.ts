/**
 * The native accelerator for the wasm backend: tfjs kernels that run in our Node-API addon
 * (native/*.c: our GEMM in the CPU form that runs, OpenBLAS where linked, im2col / col2im in C) directly on
 * the wasm heap — the inputs and the output are views of wasm's memory, so no value is copied in
 * or out. Registered over the wasm kernels of the same name when the addon loads (see
 * native-addon.ts); every other kernel, and any case these do not cover (another dtype, NCHW,
 * a fused activation other than relu, an empty tensor), runs the kernel they replaced.
 *
 *   BatchMatMul, _FusedMatMul         c = op(a)·op(b) [+ bias, relu], batch broadcast of 1
 *   Conv2D, FusedConv2D               im2col + sgemm (+ bias, relu per tile); tiled or batch-chunked
 *   LosslensConvPool                  max pool of a FusedConv2D, pooled tile by tile (never written)
 *   LosslensConvPoolFilter            a first conv's filter and bias gradients through its pool's route
 *   Conv2DBackpropInput               col2im(dy · Wᵀ)
 *   Conv2DBackpropFilter              im2col(x)ᵀ · dy
 *   LosslensIm2Col, LosslensCol2Im    the gather / scatter-add of src/kernels/im2col.ts
 *   LosslensMaxPoolShare, …Spread,    the max-pool gradient kernels of src/kernels/pool-share.ts
 *     LosslensPoolGather
 *   Sum                               over leading axes only (a bias gradient: wasm transposes first)
 *   DepthwiseConv2dNative, …Backprop-  depthwise conv and its gradients (native-depthwise.ts); FusedDepthwiseConv2D
 *     Input, …BackpropFilter             with bias and relu in its row epilogue
 *   LosslensRelu6Mask, …Relu6Grad     relu6's mask and mask · dy in one pass (relu6-mask.ts, native/conv_act.c)
 *   Tile                              block copies on the heap (native-tile.ts; a global pool's gradient)
 *   LosslensLstmCell, …Dual, …Back    the fused LSTM step (src/kernels/recurrent-cell.ts, native/recurrent.c)
 *   Add, Sub, Multiply, Relu, Step    same-shape or trailing-broadcast float32 arrays, on the cores
 *                                     (native-elementwise-kernels.ts)
 *
 * Convolutions come in two forms (native/conv.c): with at least two tiles per thread, the batch
 * is cut into tiles of whole images whose column matrix fits a core's L2 (2^17 floats), each
 * thread doing im2col → a single-threaded sgemm → col2im on one tile while it is in cache (the
 * filter gradient with one partial sum per thread); otherwise batch chunks of ≤ 16 MiB of columns
 * and OpenBLAS's own threads.
 *
 * Autodiff is untouched (gradients are registered on ops and kernel names, not on backends),
 * so the second-order registrations differentiate through these exactly as through wasm's.
 * One choice of form follows the kernels: with one tiled, threaded call each, the Conv2D gradient
 * is the two backward kernels themselves (preferConvGrad('kernels') in src/kernels/conv-grad-mode.ts,
 * read by src/objective/gradients/conv.ts, which registers Conv2DBackpropFilter's own gradient so
 * double backprop stays on the three conv kernels) rather than im2col / col2im ops around a
 * materialized column matrix — set while installed unless the caller set LOSSLENS_CONV_GRAD (the
 * fused kernels do less work per batch; docs/performance.md has the figures).
 */
import tf from '../tf.cjs';
import {
  CONV_POOL,
  CONV_POOL_FILTER,
  preferConvGrad,
  preferConvPool,
  preferFusedConvForward,
  type ConvPoolAttrs,
  type ConvPoolFilterAttrs,
} from './conv-grad-mode.js';
import { kernelInput, kernelOutput, type AnyBackend } from './kernel-io.js';
import { COL2IM, IM2COL, colsShape, registerIm2Col, type Im2ColAttrs } from './im2col.js';
import { checkIm2ColGeometry, checkInputShape, checkOutputSize } from './geometry-check.js';
import { registerPoolShare } from './pool-share.js';
import { loadNativeAddon, type CpuForm, type NativeAddon } from './native-addon.js';
import { clearReplaced, f32, fallback, prod, replace, restore, type Fn } from './native-fallback.js';
import { nativePoolKernels } from './native-pool-kernels.js';
import { nativeElementwiseKernels } from './native-elementwise-kernels.js';
import { nativeRecurrentKernels } from './recurrent-cell-native.js';
import { nativeDepthwiseKernels, setDepthwiseGradKernels } from './native-depthwise.js';
import { nativeTile } from './native-tile.js';
import { nativeRelu6Kernels } from './relu6-mask.js';

/** The native kernels' state: loaded or not (and why), the CPU form and BLAS they run on, their threads and the kernels they provide. */
export interface NativeKernelsInfo {
  /** Which kernels run on the wasm backend: ours in native code, or wasm's (and ours in JS). */
  path: 'native' | 'wasm';
  /** Whether the native kernels are registered (path 'native'). */
  loaded: boolean;
  /** OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 … USE_OPENMP Haswell MAX_THREADS=64", or "none". */
  blas?: string;
  /** Whether the addon was built with OpenBLAS. */
  openblas?: boolean;
  threads?: number;
  /** Whose GEMM multiplies: ours in the CPU form that runs (native/gemm.c), or 'openblas'. */
  gemm?: CpuForm | 'openblas';
  /** The CPU form the native kernels run (native/cpu.h), and the best this CPU runs. */
  cpuForm?: CpuForm;
  cpuBest?: CpuForm;
  /** Kernel names now served natively. */
  kernels: string[];
  /** Why not loaded. */
  reason?: string;
}

const BACKEND = 'wasm';
let installed: NativeKernelsInfo | undefined;
const geometry = (g: Im2ColAttrs) => Int32Array.of(...g.xShape, g.kH, g.kW, g.sH, g.sW, g.dH, g.dW, g.top, g.left, g.outH, g.outW);

/** op(a)·op(b) over broadcast batches, then optional bias (per column or scalar) and relu. */
function matMul(addon: NativeAddon, name: string): Fn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    const { transposeA, transposeB, activation } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const ra = a!.shape.length,
      rb = b!.shape.length;
    if (!f32(a, b, bias) || ra < 2 || rb < 2 || preluActivationWeights || (activation && activation !== 'linear' && activation !== 'relu'))
      return fallback(name, args);
    const [m, k] = transposeA ? [a!.shape[ra - 1]!, a!.shape[ra - 2]!] : [a!.shape[ra - 2]!, a!.shape[ra - 1]!];
    const [k2, n] = transposeB ? [b!.shape[rb - 1]!, b!.shape[rb - 2]!] : [b!.shape[rb - 2]!, b!.shape[rb - 1]!];
    const batchA = prod(a!.shape.slice(0, -2)),
      batchB = prod(b!.shape.slice(0, -2)),
      batch = Math.max(batchA, batchB);
    let outBatch: number[];
    try {
      outBatch = tf.backend_util.assertAndGetBroadcastShape(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    } catch {
      return fallback(name, args);
    }
    const biasOk = !bias || bias.shape.length === 0 || prod(bias.shape) === 1 || (prod(bias.shape) === n && bias.shape[bias.shape.length - 1] === n);
    if (k !== k2 || prod(outBatch) !== batch || (batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1) || !biasOk || m * n * k === 0)
      return fallback(name, args);
    const be = backend as AnyBackend;
    const { info, data } = kernelOutput(be, [...outBatch, m, n]);
    addon.gemm(
      kernelInput(be, a!),
      kernelInput(be, b!),
      data,
      batch,
      m,
      n,
      k,
      transposeA ? 1 : 0,
      transposeB ? 1 : 0,
      batchA === 1 ? 0 : m * k,
      batchB === 1 ? 0 : k * n,
    );
    if (bias || activation === 'relu') addon.biasAct(data, bias ? kernelInput(be, bias) : null, batch * m, n, activation === 'relu' ? 1 : 0);
    return info;
  };
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: number[];
  filterShape?: number[];
};

/**
 * The im2col geometry of an NHWC conv of x (xShape) with a filter of filterShape, checked
 * (geometry-check.ts) before it becomes an Int32Array, which would wrap a value beyond 2^31.
 */
function convGeometry(kernel: string, xShape: number[], filterShape: number[], a: ConvAttrs): { g: Int32Array; out: number[] } {
  const c = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const attrs: Im2ColAttrs = {
    xShape: [c.batchSize, c.inHeight, c.inWidth, c.inChannels],
    kH: c.filterHeight,
    kW: c.filterWidth,
    sH: c.strideHeight,
    sW: c.strideWidth,
    dH: c.dilationHeight,
    dW: c.dilationWidth,
    top: c.padInfo.top,
    left: c.padInfo.left,
    outH: c.outHeight,
    outW: c.outWidth,
  };
  checkIm2ColGeometry(kernel, attrs);
  const out = [c.batchSize, c.outHeight, c.outWidth, c.outChannels];
  checkOutputSize(kernel, out);
  checkOutputSize(kernel, filterShape);
  return { g: geometry(attrs), out };
}

/** which: forward (x, filter), input gradient (dy, filter; inputShape), filter gradient (x, dy; filterShape). */
function conv(
  addon: NativeAddon,
  name: string,
  which: 'forward' | 'input' | 'filter',
): (args: Parameters<Fn>[0], bias?: tf.TensorInfo | null, act?: number) => tf.TensorInfo {
  return (args, bias = null, act = 0) => {
    const { inputs, backend, attrs } = args;
    const a = attrs as unknown as ConvAttrs;
    const ins = inputs as Record<string, tf.TensorInfo>;
    const [p, q] = which === 'forward' ? [ins.x!, ins.filter!] : which === 'input' ? [ins.dy!, ins.filter!] : [ins.x!, ins.dy!];
    if (!f32(p, q) || (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') || p.shape.length !== 4 || q.shape.length !== 4) return fallback(name, args);
    const xShape = which === 'input' ? a.inputShape! : p.shape;
    const filterShape = which === 'filter' ? a.filterShape! : q.shape;
    const { g, out } = convGeometry(name, xShape, filterShape, which === 'forward' ? a : { ...a, dilations: 1 });
    if ([...xShape, ...filterShape, ...out].some((d) => d === 0)) return fallback(name, args);
    if (which !== 'forward') checkInputShape(name, 'dy', (which === 'input' ? p : q).shape, out);
    const be = backend as AnyBackend;
    const co = filterShape[3]!;
    const { info, data } = kernelOutput(be, which === 'forward' ? out : which === 'input' ? xShape : filterShape);
    if (which === 'forward') addon.conv2d(kernelInput(be, p), kernelInput(be, q), data, g, co, bias ? kernelInput(be, bias) : null, act);
    else if (which === 'input') addon.conv2dBackpropInput(kernelInput(be, p), kernelInput(be, q), data, g, co);
    else addon.conv2dBackpropFilter(kernelInput(be, p), kernelInput(be, q), data, g, co);
    return info;
  };
}

/** FusedConv2D with a per-channel (or no) bias and a linear or relu activation; anything else the replaced kernel. */
function fusedConv(addon: NativeAddon): Fn {
  const forward = conv(addon, 'FusedConv2D', 'forward');
  return (args) => {
    const { inputs, attrs } = args;
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    const activation = (attrs as { activation?: string } | undefined)?.activation ?? 'linear';
    const co = filter?.shape[3];
    const biasOk = !bias || (prod(bias.shape) === co && bias.shape[bias.shape.length - 1] === co);
    if (!x || !filter || !f32(x, filter, bias) || preluActivationWeights || (activation !== 'linear' && activation !== 'relu') || !biasOk)
      return fallback('FusedConv2D', args);
    return forward(args, bias ?? null, activation === 'relu' ? 1 : 0); // the conv reads x and filter; a fallback gets every input
  };
}

/**
 * LosslensConvPool: maxPool(FusedConv2D(x, filter, bias, linear | relu)) over kH×kW windows with
 * stride kH×kW that tile the conv's output, in one native call (native/conv.c ll_conv2d_pool): the
 * conv output (a LeNet batch's first: 16 values a pixel) is pooled while in cache, never written.
 * The same values as the two kernels. Attrs: the conv's (strides, pad, dilations), activation, kH, kW;
 * keep: the conv output as a second output (a gradient pass needs it), still pooled while in cache.
 * Run by src/model/layer-ops.ts's convPoolForward, which checks the case first; one it cannot take throws.
 */
function convPool(addon: NativeAddon): Fn {
  return ({ inputs, backend, attrs }) => {
    const { x, filter, bias } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as ConvPoolAttrs;
    if (!f32(x!, filter!, bias!) || x!.shape.length !== 4 || filter!.shape.length !== 4 || prod(bias!.shape) !== filter!.shape[3])
      throw new Error(`${CONV_POOL}: float32 NHWC x, filter and a bias per output channel`);
    const { g, out } = convGeometry(CONV_POOL, x!.shape, filter!.shape, a);
    const [n, oh, ow, co] = out as [number, number, number, number];
    if (oh % a.kH || ow % a.kW) throw new Error(`${CONV_POOL}: ${a.kH}×${a.kW} windows do not tile the ${oh}×${ow} conv output`);
    const be = backend as AnyBackend;
    const { info } = kernelOutput(be, [n, oh / a.kH, ow / a.kW, co]);
    const kept = a.keep ? kernelOutput(be, out).info : null;
    // every view taken after both allocations: the second may grow the wasm heap and detach a view of the first
    const data = kernelInput(be, info);
    if (data.length)
      addon.conv2dPool(
        kernelInput(be, x!),
        kernelInput(be, filter!),
        data,
        g,
        co,
        kernelInput(be, bias!),
        a.activation === 'relu' ? 1 : 0,
        a.kH,
        a.kW,
        kept && kernelInput(be, kept),
      );
    return kept ? ([info, kept] as unknown as tf.TensorInfo) : info;
  };
}

/** LosslensConvPoolFilter (conv-grad-mode.ts): [dw, db] from x, the conv output (frame) and its pool's gradient. */
function convPoolFilter(addon: NativeAddon): Fn {
  return ({ inputs, backend, attrs }) => {
    const { x, frame, dy } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as ConvPoolFilterAttrs;
    if (!f32(x!, frame!, dy!) || x!.shape.length !== 4 || a.filterShape.length !== 4) throw new Error(`${CONV_POOL_FILTER}: float32 NHWC x, frame and dy`);
    const { g, out } = convGeometry(CONV_POOL_FILTER, x!.shape, a.filterShape, { ...a, dilations: a.dilations });
    if (out.some((d, i) => d !== frame!.shape[i]) || out[1]! % a.kH || out[2]! % a.kW)
      throw new Error(`${CONV_POOL_FILTER}: the frame is not the conv's output, or the windows do not tile it`);
    const be = backend as AnyBackend;
    const dw = kernelOutput(be, a.filterShape).info,
      db = kernelOutput(be, [a.filterShape[3]!]).info;
    // every view taken after both allocations (the second may grow the wasm heap)
    addon.conv2dPoolBackpropFilter(
      kernelInput(be, x!),
      kernelInput(be, frame!),
      kernelInput(be, dy!),
      kernelInput(be, dw),
      kernelInput(be, db),
      g,
      a.filterShape[3]!,
      a.kH,
      a.kW,
      a.positive ? 1 : 0,
    );
    return [dw, db] as unknown as tf.TensorInfo;
  };
}

function im2colOrCol2im(addon: NativeAddon, forward: boolean): Fn {
  return ({ inputs, backend, attrs }) => {
    const g = attrs as unknown as Im2ColAttrs;
    const be = backend as AnyBackend;
    const kernel = forward ? IM2COL : COL2IM;
    checkIm2ColGeometry(kernel, g);
    checkInputShape(kernel, forward ? 'x' : 'cols', ((forward ? inputs.x : inputs.cols) as tf.TensorInfo).shape, forward ? g.xShape : colsShape(g));
    const { info, data } = kernelOutput(be, forward ? colsShape(g) : [...g.xShape]);
    if (data.length === 0) return info;
    if (forward) addon.im2col(kernelInput(be, inputs.x as tf.TensorInfo), data, geometry(g));
    else addon.col2im(kernelInput(be, inputs.cols as tf.TensorInfo), data, geometry(g));
    return info;
  };
}

function kernels(addon: NativeAddon): Record<string, Fn> {
  return {
    BatchMatMul: matMul(addon, 'BatchMatMul'),
    _FusedMatMul: matMul(addon, '_FusedMatMul'),
    Conv2D: conv(addon, 'Conv2D', 'forward'),
    FusedConv2D: fusedConv(addon),
    Conv2DBackpropInput: conv(addon, 'Conv2DBackpropInput', 'input'),
    Conv2DBackpropFilter: conv(addon, 'Conv2DBackpropFilter', 'filter'),
    [CONV_POOL]: convPool(addon),
    [CONV_POOL_FILTER]: convPoolFilter(addon),
    [IM2COL]: im2colOrCol2im(addon, true),
    [COL2IM]: im2colOrCol2im(addon, false),
    ...nativePoolKernels(addon),
    ...nativeElementwiseKernels(addon),
    ...nativeRecurrentKernels(addon),
    ...nativeDepthwiseKernels(addon),
    ...nativeRelu6Kernels(addon),
    Tile: nativeTile(),
  };
}

/**
 * Register the native kernels over wasm's when the addon loads (idempotent). Call after the wasm
 * kernels of ours are registered (src/kernels/wasm-kernels.ts): those become the fallbacks.
 */
export function installNativeKernels(): NativeKernelsInfo {
  if (installed?.loaded) return installed;
  const load = loadNativeAddon();
  if (!load.addon) return (installed = { path: 'wasm', loaded: false, kernels: [], reason: load.reason });
  registerIm2Col();
  registerPoolShare();
  const fns = kernels(load.addon);
  for (const [kernelName, kernelFunc] of Object.entries(fns)) {
    replace(kernelName, BACKEND, kernelFunc);
  }
  preferConvGrad('kernels'); // LOSSLENS_CONV_GRAD, when set, still decides (conv.ts)
  preferFusedConvForward(true);
  preferConvPool(true);
  setDepthwiseGradKernels('DepthwiseConv2dNativeBackpropInput' in fns);
  return (installed = { path: 'native', loaded: true, ...addonFacts(load.addon), kernels: Object.keys(fns) });
}

function addonFacts(addon: NativeAddon): Pick<NativeKernelsInfo, 'blas' | 'openblas' | 'threads' | 'gemm' | 'cpuForm' | 'cpuBest'> {
  const { blas, openblas, threads, gemm, cpuForm, cpuBest } = addon.info();
  return { blas, openblas, threads, gemm, cpuForm, cpuBest };
}

/** Re-read the addon's facts into what installNativeKernels reported (after a change of CPU form). */
export function refreshNativeKernelsInfo(addon: NativeAddon): void {
  if (installed?.loaded) Object.assign(installed, addonFacts(addon));
}

/** Put back the kernels the native ones replaced (benchmarks and tests comparing the two paths). */
export function uninstallNativeKernels(): void {
  if (!installed?.loaded) return;
  for (const kernelName of installed.kernels) restore(kernelName, BACKEND);
  clearReplaced();
  preferConvGrad('hybrid');
  preferFusedConvForward(false);
  preferConvPool(false);
  setDepthwiseGradKernels(false);
  installed = undefined;
}

/** What installNativeKernels last reported (undefined before it ran). */
export function nativeKernelsInfo(): NativeKernelsInfo | undefined {
  return installed;
}
