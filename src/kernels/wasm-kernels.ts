/** Kernels the stock wasm backend lacks or gets wrong. (Being written: see second-order work.) */
export function registerWasmKernels(): void {}
