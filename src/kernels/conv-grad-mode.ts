/**
 * Which form the Conv2D gradient takes when the user has not chosen one (LOSSLENS_CONV_GRAD):
 * 'hybrid' (input gradient col2im(dy·Wᵀ), filter gradient a Conv2D; fastest on plain wasm) or
 * 'kernels' (the backward kernels themselves, Conv2DBackpropInput and Conv2DBackpropFilter, each
 * one cache-tiled, threaded native call; what the native kernels set while installed). Explicit
 * module state instead of writing the host's environment variables, so installing kernels leaves the environment as
 * the user set it.
 */
export type ConvGradPreference = 'hybrid' | 'kernels';

let preferred: ConvGradPreference = 'hybrid';

export function preferConvGrad(mode: ConvGradPreference): void {
  preferred = mode;
}

export function preferredConvGrad(): ConvGradPreference {
  return preferred;
}

/**
 * Whether inference-mode forward passes (no gradient tape) run a Conv2D or a Dense layer with its
 * bias and relu / linear activation as one FusedConv2D / _FusedMatMul: set by the native kernels,
 * whose fused kernels apply the bias and relu (tile by tile, or after the GEMM) with the same
 * float32 operations as the separate kernels (so a loss equals the one a gradient pass computes,
 * to the bit). Plain wasm keeps the separate ops (XNNPACK starts its sums from the bias).
 */
let fused = false;

export function preferFusedConvForward(on: boolean): void {
  fused = on;
}

export function fusedConvForward(): boolean {
  return fused;
}

/**
 * Whether an inference pass runs a Conv2D (bias, relu / linear) and the max pool right after it as
 * one LosslensConvPool kernel (src/kernels/native-kernels.ts; src/model/forward.ts decides where):
 * set while the native kernels are installed; useConvPool(false) turns it off (benches, tests).
 */
export const CONV_POOL = 'LosslensConvPool';
export interface ConvPoolAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  activation: 'linear' | 'relu';
  kH: number;
  kW: number;
  keep?: boolean;
}

/**
 * LosslensConvPoolFilter: the filter and bias gradients of such a conv straight from its pool's
 * output gradient (inputs x, frame = the conv output, dy = the pool's gradient; attrs the conv's, kH,
 * kW, positive): the input gradient of the pool (the route) is made a few rows at a time and never
 * written out. For a gradient pass whose conv is the first layer with weights (no input gradient).
 */
export const CONV_POOL_FILTER = 'LosslensConvPoolFilter';
export interface ConvPoolFilterAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  kH: number;
  kW: number;
  positive: boolean;
  filterShape: number[];
}

let convPoolKernel = false;
let convPoolOn = true;

export function preferConvPool(installed: boolean): void {
  convPoolKernel = installed;
}

/** Allow (true, the default) or stop the fusion; returns the previous setting. */
export function useConvPool(on: boolean): boolean {
  const was = convPoolOn;
  convPoolOn = on;
  return was;
}

export function convPoolFused(): boolean {
  return convPoolKernel && convPoolOn;
}
