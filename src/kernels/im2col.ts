/**
 * im2col / col2im kernels (NHWC), registered for the wasm and cpu backends, each the gradient
 * of the other (both are linear and adjoint), so anything built from them and matmuls is
 * differentiable to any order. The Conv2D gradient (src/objective/gradients/conv.ts) uses them:
 *   filter  dW = im2col(x)ᵀ · dy        [kh·kw·Ci, M] · [M, Co]
 *   input   dx = col2im(dy · Wᵀ)        [M, Co] · [Co, kh·kw·Ci] → scatter-add into x's shape
 * with M = N·Ho·Wo: the multiply-adds run in wasm's XNNPACK matmul (through the transposing
 * wrappers of wasm-matmul.ts), and no FLOP is spent on the zeros a conv-as-gradient pads in.
 *
 *   cols[(n·Ho + i)·Wo + j, (a·kw + b)·Ci + ci] = x[n, i·sh + a·dh − top, j·sw + b·dw − left, ci]
 * (0 outside x). The kernels are index gathers / scatter-adds over typed arrays (memory-bound
 * copies of kw·Ci-contiguous runs where stride and dilation allow); they do no arithmetic
 * besides col2im's adds.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import { checkIm2ColGeometry, checkInputShape } from './geometry-check.js';

export const IM2COL = 'LosslensIm2Col';
export const COL2IM = 'LosslensCol2Im';
export const IM2COL_BACKENDS = ['wasm', 'cpu'] as const;

export interface Im2ColAttrs {
  /** x's shape [N, H, W, Ci]. */
  xShape: [number, number, number, number];
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  top: number;
  left: number;
  outH: number;
  outW: number;
}

/**
 * Visit every (row, a, b) whose source pixel is inside x: calls run(colOffset, xOffset, len) for
 * maximal runs that are contiguous in both cols and x (len a multiple of Ci).
 */
function forEachRun(g: Im2ColAttrs, run: (co: number, xo: number, len: number) => void): void {
  const [n, h, w, ci] = g.xShape;
  const K = g.kH * g.kW * ci;
  const contiguous = g.dW === 1; // b → b+1 moves one pixel in x: the kw·Ci entries of a row of cols are one run
  for (let s = 0; s < n; s++)
    for (let i = 0; i < g.outH; i++)
      for (let a = 0; a < g.kH; a++) {
        const r = i * g.sH + a * g.dH - g.top;
        if (r < 0 || r >= h) continue;
        const xRow = (s * h + r) * w;
        for (let j = 0; j < g.outW; j++) {
          const co = ((s * g.outH + i) * g.outW + j) * K + a * g.kW * ci;
          const q0 = j * g.sW - g.left;
          if (contiguous) {
            const b0 = Math.max(0, -q0),
              b1 = Math.min(g.kW, w - q0); // in-bounds b ∈ [b0, b1)
            if (b1 > b0) run(co + b0 * ci, (xRow + q0 + b0) * ci, (b1 - b0) * ci);
          } else {
            for (let b = 0; b < g.kW; b++) {
              const q = q0 + b * g.dW;
              if (q >= 0 && q < w) run(co + b * ci, (xRow + q) * ci, ci);
            }
          }
        }
      }
}

function im2colKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as AnyBackend,
    g = attrs as unknown as Im2ColAttrs;
  checkIm2ColGeometry(IM2COL, g);
  checkInputShape(IM2COL, 'x', (inputs.x as tf.TensorInfo).shape, g.xShape);
  const [n, , , ci] = g.xShape;
  const { info, data } = kernelOutput(b, [n * g.outH * g.outW, g.kH * g.kW * ci], true);
  const xs = kernelInput(b, inputs.x as tf.TensorInfo);
  if (xs.buffer === data.buffer) {
    // wasm: both live in the heap; copyWithin is a memmove with no per-run allocation
    // (an element loop costs ~2.5–10 ns a float here, a memmove ~0.3)
    const heap = new Float32Array(data.buffer),
      xo0 = xs.byteOffset >> 2,
      co0 = data.byteOffset >> 2;
    forEachRun(g, (co, xo, len) => {
      if (len >= 8) heap.copyWithin(co0 + co, xo0 + xo, xo0 + xo + len);
      else for (let t = 0; t < len; t++) heap[co0 + co + t] = heap[xo0 + xo + t]!;
    });
  } else {
    forEachRun(g, (co, xo, len) => {
      if (len >= 64) data.set(xs.subarray(xo, xo + len), co);
      else for (let t = 0; t < len; t++) data[co + t] = xs[xo + t]!;
    });
  }
  return info;
}

function col2imKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as AnyBackend,
    g = attrs as unknown as Im2ColAttrs;
  checkIm2ColGeometry(COL2IM, g);
  checkInputShape(COL2IM, 'cols', (inputs.cols as tf.TensorInfo).shape, colsShape(g));
  const { info, data } = kernelOutput(b, g.xShape, true);
  const cs = kernelInput(b, inputs.cols as tf.TensorInfo);
  if (g.dW === 1) col2imRuns(data, cs, g);
  else
    forEachRun(g, (co, xo, len) => {
      for (let t = 0; t < len; t++) data[xo + t]! += cs[co + t]!;
    });
  return info;
}

/**
 * col2im for dilation-width 1, the loops of forEachRun written out: the hot loop then adds one
 * kw·Ci-long contiguous run per (n, i, a, j) with no closure call between (a shared callback
 * site is megamorphic and kept V8 from optimizing it: ~10 ns a float instead of ~1).
 */
function col2imRuns(data: Float32Array, cs: Float32Array, g: Im2ColAttrs): void {
  const [n, h, w, ci] = g.xShape;
  const K = g.kH * g.kW * ci,
    kwci = g.kW * ci;
  for (let s = 0; s < n; s++)
    for (let i = 0; i < g.outH; i++)
      for (let a = 0; a < g.kH; a++) {
        const r = i * g.sH + a * g.dH - g.top;
        if (r < 0 || r >= h) continue;
        const xRow = (s * h + r) * w;
        let co = (s * g.outH + i) * g.outW * K + a * kwci;
        for (let j = 0; j < g.outW; j++, co += K) {
          const q0 = j * g.sW - g.left;
          const b0 = q0 < 0 ? -q0 : 0,
            b1 = w - q0 < g.kW ? w - q0 : g.kW;
          if (b1 <= b0) continue;
          const xo = (xRow + q0 + b0) * ci,
            c0 = co + b0 * ci,
            len = (b1 - b0) * ci;
          for (let t = 0; t < len; t++) data[xo + t] += cs[c0 + t]!;
        }
      }
}

/** The column matrix's shape [N·Ho·Wo, kh·kw·Ci]. */
export function colsShape(g: Im2ColAttrs): [number, number] {
  return [g.xShape[0] * g.outH * g.outW, g.kH * g.kW * g.xShape[3]];
}

/** cols = im2col(x): [N·Ho·Wo, kh·kw·Ci]. */
export function im2col(x: tf.Tensor, g: Im2ColAttrs): tf.Tensor2D {
  return tf.engine().runKernel(IM2COL, { x }, g as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/** The adjoint of im2col: scatter-add cols [N·Ho·Wo, kh·kw·Ci] into a zero tensor of xShape. */
export function col2im(cols: tf.Tensor, g: Im2ColAttrs): tf.Tensor4D {
  return tf.engine().runKernel(COL2IM, { cols }, g as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

let registered = false;

/** Register both kernels for wasm and cpu and their gradients (idempotent). */
export function registerIm2Col(): void {
  if (registered) return;
  registered = true;
  for (const backendName of IM2COL_BACKENDS) {
    tf.registerKernel({ kernelName: IM2COL, backendName, kernelFunc: im2colKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: COL2IM, backendName, kernelFunc: col2imKernel as unknown as tf.KernelFunc });
  }
  tf.registerGradient({ kernelName: IM2COL, gradFunc: (dy, _saved, attrs) => ({ x: () => col2im(dy as tf.Tensor, attrs as unknown as Im2ColAttrs) }) });
  tf.registerGradient({ kernelName: COL2IM, gradFunc: (dy, _saved, attrs) => ({ cols: () => im2col(dy as tf.Tensor, attrs as unknown as Im2ColAttrs) }) });
}

/** Whether the active backend has the kernels (tfjs-node does not: callers fall back). */
export function im2colAvailable(): boolean {
  return !!tf.getKernel(IM2COL, tf.getBackend());
}
