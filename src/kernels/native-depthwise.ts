/**
 * Native depthwise convolution on the wasm backend (native/depthwise.c): DepthwiseConv2dNative over
 * wasm's kernel (which stays the fallback for cases outside ours: NCHW, another dtype, negative
 * explicit padding, an empty tensor), and DepthwiseConv2dNativeBackpropInput / …Filter, which wasm
 * lacks. NHWC float32, any strides, dilations, padding ('same', 'valid', a number, explicit) and
 * channel multiplier, on the heap in place. FusedDepthwiseConv2D with a per-channel bias and a linear or
 * relu activation adds them to each output row while it is in cache (the same sums as an Add after).
 *
 * The gradients of DepthwiseConv2dNative (src/objective/gradients/depthwise.ts) are composed of
 * depthwise convs, pads and transposes so that every backend runs them; while these kernels are
 * installed and wasm runs, depthwiseGradKernelsActive() tells them to call the two backward kernels
 * instead (one threaded pass each, no transposed or padded copies).
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend } from './kernel-io.js';
import type { NativeAddon } from './native-addon.js';
import { f32, fallback, prod, replace, restore, type Fn } from './native-fallback.js';
import { checkInputShape, checkOutputSize } from './geometry-check.js';

export const DEPTHWISE = 'DepthwiseConv2dNative';
export const DEPTHWISE_INPUT = 'DepthwiseConv2dNativeBackpropInput';
export const DEPTHWISE_FILTER = 'DepthwiseConv2dNativeBackpropFilter';
export const FUSED_DEPTHWISE = 'FusedDepthwiseConv2D';

type Shape4 = [number, number, number, number];
interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | number[][];
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
  inputShape?: number[];
  filterShape?: number[];
}

let installed = false,
  active = false;

/** Whether the depthwise gradients should run the native backward kernels (installed, and wasm is the backend). */
export function depthwiseGradKernelsActive(): boolean {
  return active && tf.getBackend() === 'wasm';
}

/** Set by installNativeKernels / uninstallNativeKernels. */
export function setDepthwiseGradKernels(on: boolean): void {
  installed = active = on;
}

/** The addon's geometry and multiplier for x [n, h, w, C] and filter [kH, kW, C, m]; undefined for a case the kernels do not cover. */
function nativeGeometry(x: number[], f: number[], a: DepthwiseAttrs): { geo: Int32Array; out: Shape4; m: number } | undefined {
  if ((a.dataFormat !== undefined && a.dataFormat !== 'NHWC') || x.length !== 4 || f.length !== 4 || x[3] !== f[2]) return undefined;
  const c = tf.backend_util.computeConv2DInfo(x as Shape4, f as Shape4, a.strides, a.dilations ?? 1, a.pad as 'same', a.dimRoundingMode, true, 'channelsLast');
  const { top, left } = c.padInfo;
  if (top < 0 || left < 0 || c.outHeight < 1 || c.outWidth < 1 || prod(x) === 0 || prod(f) === 0) return undefined;
  const geo = Int32Array.of(
    x[0]!,
    x[1]!,
    x[2]!,
    x[3]!,
    f[0]!,
    f[1]!,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    top,
    left,
    c.outHeight,
    c.outWidth,
  );
  return { geo, out: [x[0]!, c.outHeight, c.outWidth, x[3]! * f[3]!], m: f[3]! };
}

function refuse(kernel: string, why: string): never {
  throw new Error(`native ${kernel}: ${why} (NHWC float32 with non-negative padding only)`);
}

function forward(addon: NativeAddon): Fn {
  return (args) => {
    const { x, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const g = f32(x, filter) ? nativeGeometry(x!.shape, filter!.shape, args.attrs as unknown as DepthwiseAttrs) : undefined;
    if (!g) return fallback(DEPTHWISE, args);
    checkOutputSize(DEPTHWISE, g.out);
    const be = args.backend as AnyBackend;
    const { info, data } = kernelOutput(be, g.out);
    addon.depthwise(kernelInput(be, x!), kernelInput(be, filter!), data, g.geo, g.m);
    return info;
  };
}

/** FusedDepthwiseConv2D with a bias per output channel (or none) and a linear or relu activation, the epilogue in the kernel; anything else wasm's. */
function fusedForward(addon: NativeAddon): Fn {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const activation = (args.attrs as { activation?: string } | undefined)?.activation ?? 'linear';
    const g = f32(x, filter, bias) && x && filter ? nativeGeometry(x.shape, filter.shape, args.attrs as unknown as DepthwiseAttrs) : undefined;
    const biasOk = !bias || (prod(bias.shape) === g?.out[3] && bias.shape[bias.shape.length - 1] === g.out[3]);
    if (!g || !biasOk || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) return fallback(FUSED_DEPTHWISE, args);
    checkOutputSize(FUSED_DEPTHWISE, g.out);
    const be = args.backend as AnyBackend;
    const { info, data } = kernelOutput(be, g.out);
    addon.depthwise(kernelInput(be, x!), kernelInput(be, filter!), data, g.geo, g.m, bias ? kernelInput(be, bias) : null, activation === 'relu' ? 1 : 0);
    return info;
  };
}

function backpropInput(addon: NativeAddon): Fn {
  return (args) => {
    const { dy, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const a = args.attrs as unknown as DepthwiseAttrs;
    const xShape = a.inputShape ?? [];
    checkOutputSize(DEPTHWISE_INPUT, xShape);
    const be = args.backend as AnyBackend;
    if (prod(xShape) === 0 || prod(filter!.shape) === 0 || prod(dy!.shape) === 0) return kernelOutput(be, xShape, true).info;
    const g = f32(dy, filter) ? nativeGeometry(xShape, filter!.shape, a) : undefined;
    if (!g) refuse(DEPTHWISE_INPUT, `inputShape [${xShape.join(', ')}] with filter [${filter!.shape.join(', ')}]`);
    checkInputShape(DEPTHWISE_INPUT, 'dy', dy!.shape, g.out);
    const { info, data } = kernelOutput(be, xShape);
    addon.depthwiseBackpropInput(kernelInput(be, dy!), kernelInput(be, filter!), data, g.geo, g.m);
    return info;
  };
}

function backpropFilter(addon: NativeAddon): Fn {
  return (args) => {
    const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
    const a = args.attrs as unknown as DepthwiseAttrs;
    const fShape = a.filterShape ?? [];
    checkOutputSize(DEPTHWISE_FILTER, fShape);
    const be = args.backend as AnyBackend;
    if (prod(fShape) === 0 || prod(x!.shape) === 0 || prod(dy!.shape) === 0) return kernelOutput(be, fShape, true).info;
    const g = f32(x, dy) ? nativeGeometry(x!.shape, fShape, a) : undefined;
    if (!g) refuse(DEPTHWISE_FILTER, `x [${x!.shape.join(', ')}] with filterShape [${fShape.join(', ')}]`);
    checkInputShape(DEPTHWISE_FILTER, 'dy', dy!.shape, g.out);
    const { info, data } = kernelOutput(be, fShape);
    addon.depthwiseBackpropFilter(kernelInput(be, x!), kernelInput(be, dy!), data, g.geo, g.m);
    return info;
  };
}

/** The three kernels, or none where the addon predates them (a build without native/depthwise.c). */
export function nativeDepthwiseKernels(addon: NativeAddon): Record<string, Fn> {
  if (typeof addon.depthwise !== 'function') return {};
  forwardFn = forward(addon);
  return {
    [DEPTHWISE]: forwardFn,
    [FUSED_DEPTHWISE]: fusedForward(addon),
    [DEPTHWISE_INPUT]: backpropInput(addon),
    [DEPTHWISE_FILTER]: backpropFilter(addon),
  };
}

/** The forward conv's padding as explicit NHWC pairs: top / left as it read, bottom / right what its output extent needs (≥ 0). */
function explicitPad(inHW: number[], before: number[], extent: number[]): number[][] {
  return [
    [0, 0],
    [before[0]!, Math.max(0, extent[0]! - inHW[0]! - before[0]!)],
    [before[1]!, Math.max(0, extent[1]! - inHW[1]! - before[1]!)],
    [0, 0],
  ];
}

/** The geometry the gradients carry (src/objective/gradients/conv.ts' ConvGeometry). */
export interface DepthwiseGradGeometry {
  stride: [number, number];
  dilation: [number, number];
  before: [number, number];
  extent: [number, number];
}

/** ∂L/∂x of y = depthwiseConv2d(x, filter) given dy, by the native backward kernel. */
export function depthwiseInputGradKernel(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, g: DepthwiseGradGeometry): tf.Tensor4D {
  const attrs = { strides: g.stride, dilations: g.dilation, pad: explicitPad(xShape.slice(1, 3), g.before, g.extent), inputShape: xShape, dataFormat: 'NHWC' };
  return tf.engine().runKernel(DEPTHWISE_INPUT, { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** ∂L/∂filter of y = depthwiseConv2d(x, filter) given dy, by the native backward kernel. */
export function depthwiseFilterGradKernel(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], g: DepthwiseGradGeometry): tf.Tensor4D {
  const attrs = { strides: g.stride, dilations: g.dilation, pad: explicitPad(x.shape.slice(1, 3), g.before, g.extent), filterShape, dataFormat: 'NHWC' };
  return tf.engine().runKernel(DEPTHWISE_FILTER, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

let forwardFn: Fn | undefined;

/**
 * Benches comparing the kernel paths: turn the installed depthwise kernels off (wasm's forward and the
 * composed gradients run; the backward kernels stay registered, unused) or back on. uninstallNativeKernels
 * puts wasm's kernels back from either state.
 */
export function useNativeDepthwise(want: boolean, backend = 'wasm'): void {
  if (!installed || !forwardFn || want === active) return;
  if (want) replace(DEPTHWISE, backend, forwardFn);
  else restore(DEPTHWISE, backend);
  active = want;
}
