/**
 * Host memory reused from batch to batch: the gathered inputs a loop uploads and the values it
 * reads back (a θ-sized gradient or HVP per batch).
 *
 * Why it matters: a LeNet training step allocated ~1.1 MB of ArrayBuffers (its 64 gathered images,
 * the read-back of loss + gradient, the gradient's own copy). That external memory kept V8's major
 * GC busy — a Mark-Compact every ~23 steps, its concurrent marking on the second core, where the
 * native kernels' second thread runs and every parallel kernel waits for it. Reusing the buffers
 * removes almost all of those collections.
 *
 * Only where the backend copies at upload and reads through a view of its own memory (wasm: its
 * heap) are buffers reused; elsewhere (the cpu backend keeps the array it is given, tfjs-node and
 * webgl upload lazily) each batch gets fresh arrays.
 */
import tf from '../tf.cjs';

interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
}

function heapBackend(): HeapBackend | null {
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

export class HostBuffers {
  private readonly up = new Map<string, Float32Array>();
  private down = new Float32Array(0);

  /**
   * A buffer of `length` float32 values for the upload named `slot` (one per distinct input of a
   * batch), reused while the backend copies at upload; undefined where the caller must allocate.
   */
  scratch(slot: string, length: number): Float32Array | undefined {
    if (!heapBackend()) return undefined;
    let b = this.up.get(slot);
    if (!b || b.length < length) this.up.set(slot, (b = new Float32Array(length)));
    return b.subarray(0, length);
  }

  /**
   * The float32 values of `t`. On a heap backend a copy into this object's buffer, valid until the
   * next read (consume it before then); elsewhere `t.data()`'s own array.
   */
  async read(t: tf.Tensor): Promise<Float32Array> {
    const heap = t.dtype === 'float32' ? heapBackend() : null;
    if (!heap) return (await t.data()) as Float32Array;
    const view = heap.typedArrayFromHeap(t as unknown as tf.TensorInfo) as Float32Array;
    if (this.down.length < view.length) this.down = new Float32Array(view.length);
    const out = this.down.subarray(0, view.length);
    out.set(view);
    return out;
  }
}
