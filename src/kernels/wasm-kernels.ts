/**
 * Kernels the stock wasm backend (tfjs-backend-wasm 4.22) lacks, in plain JS over the
 * inputs' data. Our own gradient paths need none of them: with the second-order
 * registrations every op of the supported layers and losses — including double backprop —
 * runs on kernels wasm has (checked by running a CNN's HVP with a kernel-name tracer).
 * These two cover stock gradients a caller may still reach:
 * - UnsortedSegmentSum: the gradient of GatherV2 (tf.gather, e.g. sparse-label lookups);
 * - Conv2DBackpropFilter: the stock gradient of Conv2DBackpropInput (tf.conv2dTranspose).
 *   (Conv2D's own gradient is re-registered as Conv2Ds and does not use it.)
 * And one speed fix: BatchMatMul/_FusedMatMul with transposed operands (wasm-matmul.ts),
 * unless LOSSLENS_WASM_STOCK_MATMUL=1 (for benchmarks of the stock kernels).
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmMatMul } from './wasm-matmul.js';

interface WasmLike {
  readSync(dataId: unknown): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
}

const f32 = (b: WasmLike, t: tf.TensorInfo) => b.readSync(t.dataId) as Float32Array;

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

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as WasmLike;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number]; pad: 'same' | 'valid' | number; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
  };
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter: dataFormat ${dataFormat} (only NHWC)`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const xs = f32(b, x), ds = f32(b, dy);
  const out = b.makeOutput(filterShape, 'float32');
  const o = b.typedArrayFromHeap(out) as Float32Array;
  o.fill(0);
  for (let a = 0; a < kh; a++) for (let c = 0; c < kw; c++) for (let n = 0; n < batchSize; n++) for (let i = 0; i < outHeight; i++) {
    const r = i * sh + a - top;
    if (r < 0 || r >= inHeight) continue;
    for (let j = 0; j < outWidth; j++) {
      const q = j * sw + c - left;
      if (q < 0 || q >= inWidth) continue;
      const xo = ((n * inHeight + r) * inWidth + q) * inChannels, dO = ((n * outHeight + i) * outWidth + j) * outChannels;
      for (let ci = 0; ci < inChannels; ci++) {
        const xv = xs[xo + ci]!, fo = ((a * kw + c) * inChannels + ci) * outChannels;
        for (let co = 0; co < outChannels; co++) o[fo + co]! += xv * ds[dO + co]!;
      }
    }
  }
  return out;
}

export const WASM_KERNELS = ['UnsortedSegmentSum', 'Conv2DBackpropFilter'];

/** Register the missing wasm kernels (idempotent; never replaces one wasm already has) and the matmul wrappers. */
export function registerWasmKernels(): void {
  const fns: Record<string, tf.KernelFunc> = {
    UnsortedSegmentSum: unsortedSegmentSum as unknown as tf.KernelFunc,
    Conv2DBackpropFilter: conv2dBackpropFilter as unknown as tf.KernelFunc,
  };
  for (const kernelName of WASM_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fns[kernelName]! });
  }
  if (globalThis.process?.env?.LOSSLENS_WASM_STOCK_MATMUL !== '1') registerWasmMatMul();
}
