/**
 * Kernels the stock wasm backend (tfjs-backend-wasm 4.22) lacks. Our own gradient paths need
 * none of them: with the second-order registrations every op of the supported layers and losses — including double backprop —
 * runs on kernels wasm has (checked by running a CNN's HVP with a kernel-name tracer).
 * These two cover stock gradients a caller may still reach:
 * - UnsortedSegmentSum: the gradient of GatherV2 (tf.gather, e.g. sparse-label lookups);
 * - Conv2DBackpropFilter: the stock gradient of Conv2DBackpropInput (tf.conv2dTranspose), as
 *   im2col + the wasm matmul (src/kernels/im2col.ts);
 *   (Conv2D's own gradient is re-registered in src/objective/gradients/conv.ts and does not use it.)
 * And two speed fixes: BatchMatMul/_FusedMatMul with transposed operands (wasm-matmul.ts),
 * unless LOSSLENS_WASM_STOCK_MATMUL=1 (for benchmarks of the stock kernels); and Identity sharing
 * its input's buffer (a reference count, as wasm's own Reshape and the cpu backend's Identity do)
 * instead of copying it: tfjs clones every tensor a gradient saves, so the stock copy cost a
 * LeNet HVP on 256 images 12 ms of its 205 ms of kernel time; and Cast to the same dtype alike
 * (Cast to bool is x ≠ 0 here: wasm's keeps the low byte of the value).
 */
import tf from '../tf.cjs';
import { registerWasmMatMul } from './wasm-matmul.js';
import { IM2COL, registerIm2Col, type Im2ColAttrs } from './im2col.js';
import { readConfig } from '../config.js';
import { registerWasmSlices } from './wasm-slice.js';

interface WasmLike {
  incRef(dataId: unknown): void;
  readSync(dataId: unknown): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
}

function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as WasmLike;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const ids = b.readSync(segmentIds.dataId) as Int32Array;
  const xs = b.readSync(x.dataId) as tf.backend_util.TypedArray;
  const inner = ids.length === 0 ? 0 : xs.length / ids.length; // segmentIds index x's leading axes
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = b.makeOutput(outShape, x.dtype);
  const o = b.typedArrayFromHeap(out);
  o.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue; // out-of-range ids are dropped, as in TF
    for (let j = 0; j < inner; j++) o[s * inner + j]! += xs[i * inner + j]!;
  }
  return out;
}

/**
 * dW = im2col(x)ᵀ · dy: the im2col kernel (a memmove gather on the heap) and the BatchMatMul
 * kernel (our transposing wrapper, then XNNPACK), called on TensorInfos; the column matrix is freed
 * before returning. (It was a plain-JS multiply-add loop.)
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'same' | 'valid' | number;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter: dataFormat ${dataFormat} (only NHWC)`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const geo: Im2ColAttrs = {
    xShape: x.shape as Im2ColAttrs['xShape'],
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dH: 1,
    dW: 1,
    top: info.padInfo.top,
    left: info.padInfo.left,
    outH: info.outHeight,
    outW: info.outWidth,
  };
  const cols = tf.getKernel(IM2COL, 'wasm')!.kernelFunc({ inputs: { x }, backend, attrs: geo as unknown as tf.NamedAttrMap } as never) as tf.TensorInfo;
  try {
    const M = info.batchSize * info.outHeight * info.outWidth;
    const dy2: tf.TensorInfo = { dataId: dy.dataId, shape: [M, info.outChannels], dtype: dy.dtype };
    const out = tf
      .getKernel('BatchMatMul', 'wasm')!
      .kernelFunc({ inputs: { a: cols, b: dy2 }, backend, attrs: { transposeA: true, transposeB: false } } as never) as tf.TensorInfo;
    return { dataId: out.dataId, shape: [...filterShape], dtype: 'float32' };
  } finally {
    (backend as { disposeData(id: unknown): boolean }).disposeData(cols.dataId);
  }
}

/** y = x without a copy: tensors are immutable, so y shares x's buffer and holds one more reference to it. */
function sharedIdentity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as WasmLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** x ≠ 0 as bool (NaN too, as the cpu backend): wasm's Cast copies the low byte instead (−2 → 254, 0.5 → 0). */
function castToBool(x: tf.TensorInfo, b: WasmLike): tf.TensorInfo {
  const out = b.makeOutput(x.shape, 'bool');
  const src = b.typedArrayFromHeap(x),
    dst = b.typedArrayFromHeap(out);
  for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  return out;
}

let shared = false;
/**
 * Put the sharing Identity over wasm's copying one, and a Cast that shares when the dtype does not
 * change (wasm's copies: tfjs's relu gradient casts its float32 mask to float32); idempotent.
 */
function shareIdentityAndCast(): void {
  const identity = tf.getKernel('Identity', 'wasm'),
    cast = tf.getKernel('Cast', 'wasm');
  if (shared || !identity || !cast) return;
  const castFunc = cast.kernelFunc;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity as unknown as tf.KernelFunc });
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    ...cast,
    kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
      const x = args.inputs.x as tf.TensorInfo,
        dtype = (args.attrs as { dtype?: string } | undefined)?.dtype;
      if (dtype === x.dtype) return sharedIdentity(args);
      return dtype === 'bool' ? castToBool(x, args.backend as WasmLike) : castFunc(args as never);
    }) as unknown as tf.KernelFunc,
  });
  shared = true;
}

export const WASM_KERNELS = ['UnsortedSegmentSum', 'Conv2DBackpropFilter'];

/** Register the missing wasm kernels (idempotent; never replaces one wasm already has) and the matmul wrappers. */
export function registerWasmKernels(): void {
  const fns: Record<string, tf.KernelFunc> = {
    UnsortedSegmentSum: unsortedSegmentSum as unknown as tf.KernelFunc,
    Conv2DBackpropFilter: conv2dBackpropFilter as unknown as tf.KernelFunc,
  };
  registerIm2Col();
  for (const kernelName of WASM_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fns[kernelName]! });
  }
  if (!readConfig().wasmStockMatMul) registerWasmMatMul();
  shareIdentityAndCast();
  registerWasmSlices(); // slices that copy only their own rows (wasm-slice.ts)
}
