/**
 * In the browser bundle (swapped for src/fit/scoped-backends.ts by scripts/build-browser.mjs) the engine installs
 * no kernels of its own on any backend, only its gradient registrations, so it is started and stopped around
 * each measurement on all of them and the user's batches always run on tfjs' own gradients.
 */
export const SCOPED_BACKENDS: readonly string[] = ['cpu', 'webgl', 'wasm', 'webgpu'];
