/**
 * The most backend memory that distinct tensor buffers held while a function ran. tf.memory()'s
 * numBytes counts every tensor's size, and tensors that share a buffer (reshape views, the clones
 * tfjs saves for the gradient tape, Identity) once each: on the wasm backend a double backprop then
 * reads 2–3× what the heap holds. This counts each data buffer once, when the engine starts and
 * stops tracking it, which is what a backend allocates (before its allocator's own overhead and
 * kernel scratch space, which the heap size shows: wasmHeapBytes).
 */
import tf from '../tf.cjs';

interface TrackedInfo {
  bytes: number;
}
interface TensorInfoMap {
  set(k: object, v: TrackedInfo): unknown;
  delete(k: object): boolean;
  get(k: object): TrackedInfo | undefined;
  has(k: object): boolean;
}

export interface BufferPeak<T> {
  result: T;
  /** Most bytes in distinct buffers beyond those live at the start. */
  peakBytes: number;
  /** Bytes in distinct buffers made and not yet freed at the end (0 when nothing leaked). */
  endBytes: number;
}

/** Run `fn` and report its peak of distinct backend buffers (see the module comment). */
export async function bufferPeak<T>(fn: () => T | Promise<T>): Promise<BufferPeak<T>> {
  const map = (tf.engine() as unknown as { state: { tensorInfo: TensorInfoMap } }).state.tensorInfo;
  const { set, delete: del } = map;
  let live = 0,
    peak = 0;
  map.set = function (k, v) {
    if (!map.has(k)) peak = Math.max(peak, (live += v.bytes));
    return set.call(map, k, v);
  };
  map.delete = function (k) {
    const info = map.get(k);
    const done = del.call(map, k);
    if (done && info) live -= info.bytes;
    return done;
  };
  try {
    const result = await fn();
    return { result, peakBytes: peak, endBytes: live };
  } finally {
    map.set = set;
    map.delete = del;
  }
}

/** The wasm backend's heap size (it grows and never shrinks: the high-water mark), undefined elsewhere. */
export function wasmHeapBytes(): number | undefined {
  return (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength;
}
