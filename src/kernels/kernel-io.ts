/**
 * Outputs and inputs of our own float32 kernels on the wasm and cpu backends, without copies:
 * wasm tensors are views of its heap, cpu tensors the backend's own arrays.
 */
import tf from '../tf.cjs';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

export interface AnyBackend {
  readSync(dataId: unknown): tf.backend_util.BackendValues;
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap?(t: tf.TensorInfo): tf.backend_util.TypedArray;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * A float32 output and its writable array. On wasm the heap is reused memory: pass `zero` unless
 * the kernel writes every element. (A cpu array is always new, hence zeroed.)
 */
export function kernelOutput(b: AnyBackend, shape: number[], zero = false): { info: tf.TensorInfo; data: Float32Array } {
  if (b.makeOutput && b.typedArrayFromHeap) {
    const info = b.makeOutput(shape, 'float32');
    const data = b.typedArrayFromHeap(info) as Float32Array;
    if (zero) data.fill(0);
    return { info, data };
  }
  const data = new Float32Array(shape.reduce((p, q) => p * q, 1));
  return { info: b.makeTensorInfo!(shape, 'float32', data), data };
}

/** An input's values without a copy. Take it after the output is allocated: allocation may grow the wasm heap and detach earlier views. */
export function kernelInput(b: AnyBackend, t: tf.TensorInfo): Float32Array {
  return (b.typedArrayFromHeap ? b.typedArrayFromHeap(t) : b.readSync(t.dataId)) as Float32Array;
}
