/**
 * Which form the Conv2D filter gradient takes when the user has not chosen one
 * (LOSSLENS_CONV_GRAD): 'hybrid' (a Conv2D; fastest on plain wasm) or 'im2col' (im2col(x)ᵀ·dy, one
 * sgemm; fastest on the native kernels, which set it while installed). Explicit module state
 * instead of writing process.env, so installing kernels leaves the environment as the user set it.
 */
export type ConvGradPreference = 'hybrid' | 'im2col';

let preferred: ConvGradPreference = 'hybrid';

export function preferConvGrad(mode: ConvGradPreference): void {
  preferred = mode;
}

export function preferredConvGrad(): ConvGradPreference {
  return preferred;
}
