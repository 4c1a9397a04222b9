/**
 * Tile on the wasm heap as block copies (TypedArray.set / copyWithin) instead of wasm's kernel,
 * which computes every output element's source index: the gradient of a global average pool
 * broadcasts [n, 1, 1, c] to [n, h, w, c] (tf.broadcastTo runs Tile), and that copy was the largest
 * single cost of the MobileNet-style bench's HVP. Registered with the native kernels (the same
 * values: a copy); float32 only, anything else runs wasm's.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend } from './kernel-io.js';
import { f32, fallback, prod, type Fn } from './native-fallback.js';
import { checkOutputSize } from './geometry-check.js';

/**
 * out = tile(x, reps) for x of `shape`: axis by axis from the first, each input block written
 * once (the last axis as one row copy), then the block just written repeated reps[axis] − 1 times.
 */
export function tileInto(x: Float32Array, shape: readonly number[], reps: readonly number[], out: Float32Array): void {
  const rank = shape.length;
  if (out.length === 0) return; // a zero extent or repeat: nothing to write
  if (rank === 0) return void (out[0] = x[0]!);
  const inStride = new Array<number>(rank).fill(1),
    outStride = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) {
    inStride[i] = inStride[i + 1]! * shape[i + 1]!;
    outStride[i] = outStride[i + 1]! * shape[i + 1]! * reps[i + 1]!;
  }
  const write = (axis: number, inOff: number, outOff: number): void => {
    const block = shape[axis]! * outStride[axis]!; // one copy of this axis, its repeats excluded
    if (axis === rank - 1) out.set(x.subarray(inOff, inOff + shape[axis]!), outOff);
    else for (let i = 0; i < shape[axis]!; i++) write(axis + 1, inOff + i * inStride[axis]!, outOff + i * outStride[axis]!);
    for (let r = 1; r < reps[axis]!; r++) out.copyWithin(outOff + r * block, outOff, outOff + block);
  };
  write(0, 0, 0);
}

export function nativeTile(): Fn {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const reps = (args.attrs as unknown as { reps: number[] }).reps;
    if (!f32(x) || x.shape.length === 0 || reps.length !== x.shape.length || !reps.every((r) => Number.isSafeInteger(r) && r >= 0))
      return fallback('Tile', args);
    const shape = x.shape.map((d, i) => d * reps[i]!);
    checkOutputSize('Tile', shape);
    const be = args.backend as AnyBackend;
    const { info, data } = kernelOutput(be, shape);
    if (prod(shape) > 0) tileInto(kernelInput(be, x), x.shape, reps, data);
    return info;
  };
}
