/**
 * Which form the Conv2D gradient takes when the user has not chosen one (LOSSLENS_CONV_GRAD):
 * 'hybrid' (input gradient col2im(dy·Wᵀ), filter gradient a Conv2D; fastest on plain wasm) or
 * 'kernels' (the backward kernels themselves, Conv2DBackpropInput and Conv2DBackpropFilter, each
 * one cache-tiled, threaded native call; what the native kernels set while installed). Explicit
 * module state instead of writing process.env, so installing kernels leaves the environment as
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
