/**
 * Slice, SplitV and Unpack for the wasm backend that read their input in place on the wasm heap.
 * The stock kernels (tfjs-backend-wasm 4.22) start every slice with backend.readSync(x), a copy
 * of the whole input into a fresh ArrayBuffer, so splitting a tensor into k parts copies it k
 * times: the unrolled recurrent layers' per-step slices of the projected input [steps, batch,
 * gates·units] copied it once per step (an LSTM(128) on [40, 57] with batch 128 spent seconds of
 * its loss pass there). Here each part copies only its own rows. Strings (never met on our paths)
 * and complex tensors keep the stock kernels.
 */
import tf from '../tf.cjs';

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
}
type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** x[begin : begin + size] as a new tensor: contiguous runs copied with TypedArray.set. */
export function sliceOnHeap(b: WasmLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = b.makeOutput(size, x.dtype);
  const total = prod(size);
  if (total === 0) return out;
  // views taken after makeOutput: a heap growth there would detach views taken before
  const src = b.typedArrayFromHeap(x),
    dst = b.typedArrayFromHeap(out);
  const rank = size.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return out;
  }
  // the trailing axes taken whole merge with the last partial one into one run
  let k = rank - 1;
  while (k > 0 && size[k] === x.shape[k]) k--;
  const inner = prod(x.shape.slice(k + 1)),
    run = size[k]! * inner;
  const strides = x.shape.map((_, a) => prod(x.shape.slice(a + 1)));
  const idx = new Array<number>(k).fill(0),
    rows = prod(size.slice(0, k));
  for (let r = 0, o = 0; r < rows; r++, o += run) {
    let off = begin[k]! * inner;
    for (let a = 0; a < k; a++) off += (begin[a]! + idx[a]!) * strides[a]!;
    dst.set(src.subarray(off, off + run), o);
    for (let a = k - 1; a >= 0 && ++idx[a]! === size[a]; a--) idx[a] = 0;
  }
  return out;
}

const stockOnly = (x: tf.TensorInfo) => x.dtype === 'string' || x.dtype === 'complex64';

function slice(stock: tf.KernelFunc) {
  return (args: Args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (stockOnly(x)) return stock(args as never);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
    return sliceOnHeap(args.backend as WasmLike, x, b, s);
  };
}

function splitV(stock: tf.KernelFunc) {
  return (args: Args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (stockOnly(x)) return stock(args as never);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = x.shape.map(() => 0);
    return sizes.map((n) => {
      const size = x.shape.slice();
      size[ax] = n;
      const part = sliceOnHeap(args.backend as WasmLike, x, begin, size);
      begin[ax]! += n;
      return part;
    });
  };
}

function unpack(stock: tf.KernelFunc) {
  return (args: Args) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (stockOnly(x)) return stock(args as never);
    let axis = (args.attrs as unknown as { axis: number }).axis;
    if (axis < 0) axis += x.shape.length;
    const begin = x.shape.map(() => 0),
      size = x.shape.slice(),
      outShape = x.shape.filter((_, a) => a !== axis);
    size[axis] = 1;
    return Array.from({ length: x.shape[axis]! }, (_, i) => {
      begin[axis] = i;
      const part = sliceOnHeap(args.backend as WasmLike, x, begin, size);
      return { dataId: part.dataId, dtype: part.dtype, shape: outShape };
    });
  };
}

const MAKERS: Record<string, (stock: tf.KernelFunc) => (args: Args) => tf.TensorInfo | tf.TensorInfo[]> = { Slice: slice, SplitV: splitV, Unpack: unpack };
let installed = false;

/** Put the in-place Slice, SplitV and Unpack over wasm's (idempotent; after the wasm backend is registered). */
export function registerWasmSlices(): void {
  if (installed || Object.keys(MAKERS).some((k) => !tf.getKernel(k, 'wasm'))) return;
  for (const [kernelName, make] of Object.entries(MAKERS)) {
    const stock = tf.getKernel(kernelName, 'wasm')!;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...stock, kernelFunc: make(stock.kernelFunc) as unknown as tf.KernelFunc });
  }
  installed = true;
}
