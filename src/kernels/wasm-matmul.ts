/**
 * Fast transposed matmuls on wasm. tfjs-backend-wasm 4.22 runs BatchMatMul and _FusedMatMul
 * with transposeA/transposeB through a slow path (~15-25× slower than the same product with
 * both flags false: 2000×128 · 128×128 takes ~50 ms instead of ~2.5 ms), and every Dense
 * backward pass is a matmul with a transposed operand (dW = xᵀ·dy, dx = dy·Wᵀ), twice over in
 * an HVP. The wrappers here materialize the transpose with wasm's Transpose kernel (cheap:
 * one copy), call the stock kernel with the flags off, and free the copy.
 * Autodiff is untouched: gradients are defined on ops, these are kernels.
 */
import tf from '../tf.cjs';
import { isNativeKernel, replacedKernel, setReplacedKernel } from './native-fallback.js';

const MATMULS = ['BatchMatMul', '_FusedMatMul'] as const;
type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
interface WasmDisposer {
  disposeData(dataId: unknown, force?: boolean): boolean;
}

/** The stock wasm configs, kept so the wrappers can call them (and `useStockWasmMatMul` restore them). */
const stock = new Map<string, tf.KernelConfig>();
const ours = new WeakSet<tf.KernelFunc>();

/** x with its last two axes swapped, by wasm's Transpose kernel (a fresh buffer the caller frees). */
function swapLastAxes(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  return transpose({ inputs: { x }, backend, attrs: { perm } } as never) as tf.TensorInfo;
}

function wrap(kernelName: string, stockFunc: tf.KernelFunc): tf.KernelFunc {
  const fn = (({ inputs, backend, attrs }: Args) => {
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return stockFunc({ inputs, backend, attrs } as never);
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const temps: tf.TensorInfo[] = [];
    const aa = transposeA ? swapLastAxes(a, backend) : a;
    if (transposeA) temps.push(aa);
    const bb = transposeB ? swapLastAxes(b, backend) : b;
    if (transposeB) temps.push(bb);
    try {
      return stockFunc({ inputs: { ...inputs, a: aa, b: bb }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never);
    } finally {
      for (const t of temps) (backend as WasmDisposer).disposeData(t.dataId);
    }
  }) as unknown as tf.KernelFunc;
  ours.add(fn);
  Object.defineProperty(fn, 'name', { value: `${kernelName}TransposeFirst` });
  return fn;
}

function replace(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Wrap wasm's BatchMatMul and _FusedMatMul (idempotent; a no-op where wasm lacks them). */
export function registerWasmMatMul(): void {
  for (const kernelName of MATMULS) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current && isNativeKernel(current.kernelFunc)) {
      // the native kernels are installed: wrap the wasm kernel they fall back to, never the native one (it would fall back to its own wrapper)
      const under = replacedKernel(kernelName);
      if (under && !ours.has(under.kernelFunc)) {
        stock.set(kernelName, under);
        setReplacedKernel({ ...under, kernelFunc: wrap(kernelName, under.kernelFunc) });
      }
      continue;
    }
    if (!current || ours.has(current.kernelFunc)) continue;
    stock.set(kernelName, current);
    replace({ ...current, kernelFunc: wrap(kernelName, current.kernelFunc) });
  }
}

/** Put the stock wasm matmul kernels back (for benchmarks and tests that compare the two). */
export function useStockWasmMatMul(): void {
  for (const kernelName of MATMULS) {
    const current = tf.getKernel(kernelName, 'wasm');
    const original = stock.get(kernelName);
    if (current && original && ours.has(current.kernelFunc)) replace(original);
  }
}

/** Whether the wasm matmuls are our wrappers right now. */
export function wasmMatMulWrapped(): boolean {
  return MATMULS.every((k) => {
    const c = tf.getKernel(k, 'wasm');
    return !c || ours.has(c.kernelFunc);
  });
}
