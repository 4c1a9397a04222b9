/**
 * The kernels the native ones replace (src/kernels/native-kernels.ts): kept to run the cases the
 * native code does not cover, and to be put back. Shared helpers of the native kernel files.
 */
import tf from '../tf.cjs';
import type { KernelArgs } from './kernel-io.js';

export type Fn = (args: KernelArgs) => tf.TensorInfo;

export const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
export const f32 = (...ts: (tf.TensorInfo | undefined)[]) => ts.every((t) => !t || t.dtype === 'float32');

const replaced = new Map<string, tf.KernelConfig>();
const setUp = new Set<string>();
/** The kernel functions registered by replace(): a native kernel is never the one another native kernel falls back to. */
const natives = new WeakSet<object>();

/** Whether `fn` is a native kernel registered by replace(). */
export const isNativeKernel = (fn: unknown): boolean => typeof fn === 'function' && natives.has(fn);
/** The kernel a native one runs for the cases it does not cover (undefined where none replaced it). */
export const replacedKernel = (kernelName: string): tf.KernelConfig | undefined => replaced.get(kernelName);
/** Change what the native kernelName falls back to (wasm-matmul.ts wraps wasm's matmuls beneath the native ones). */
export function setReplacedKernel(config: tf.KernelConfig): void {
  replaced.set(config.kernelName, config);
  setUp.delete(config.kernelName);
}

/**
 * The replaced kernel's setupFunc (wasm binds its C function there) runs when the backend starts
 * only for kernels registered then: ours were, so it runs here, once, before the first call.
 */
function setUpOnce(prev: tf.KernelConfig, backend: unknown): void {
  if (setUp.has(prev.kernelName)) return;
  prev.setupFunc?.(backend as never);
  setUp.add(prev.kernelName);
}

/** Register `fn` as kernelName on backendName, keeping the kernel it replaces. */
export function replace(kernelName: string, backendName: string, fn: Fn): void {
  const prev = tf.getKernel(kernelName, backendName);
  if (prev) {
    // a native kernel already there (installed twice) keeps the kernel it fell back to: falling back to itself would loop
    if (!natives.has(prev.kernelFunc)) replaced.set(kernelName, prev);
    tf.unregisterKernel(kernelName, backendName);
  }
  natives.add(fn);
  tf.registerKernel({ kernelName, backendName, kernelFunc: fn as unknown as tf.KernelFunc });
}

/** Put the replaced kernel back (set up, if the backend has started). */
export function restore(kernelName: string, backendName: string): void {
  tf.unregisterKernel(kernelName, backendName);
  const prev = replaced.get(kernelName);
  if (!prev) return;
  tf.registerKernel(prev);
  const backend = (tf.engine().registry as Record<string, tf.KernelBackend | undefined>)[backendName]; // only once started
  if (backend) setUpOnce(prev, backend);
}

export function clearReplaced(): void {
  replaced.clear();
}

/** Run the replaced kernel on a case the native one does not cover. */
export function fallback(name: string, args: KernelArgs): tf.TensorInfo {
  const prev = replaced.get(name);
  if (!prev) throw new Error(`native ${name}: case not supported and no wasm kernel to fall back to`);
  setUpOnce(prev, args.backend);
  return prev.kernelFunc(args as never) as tf.TensorInfo;
}
