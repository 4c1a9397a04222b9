/**
 * Conv2D gradient built from Conv2D itself (plus pad, slice, reshape, transpose, reverse),
 * so the backward graph is differentiable to any order and runs on wasm, whose stock
 * backend lacks Conv2DBackpropFilter and whose Conv2DBackpropInput is ~8× slower than Conv2D;
 * or from im2col / col2im and matmuls; or, on the native kernels, the two backward kernels
 * themselves (convGradMode below chooses).
 *
 * In 1-D notation (each spatial axis alike), with stride s, dilation d (tfjs allows only one
 * of them > 1), top padding t and xp = x padded/cropped to the effective extent
 * L = (Ho−1)s + (k−1)d + 1:
 *   forward  y[i]  = Σ_a xp[i·s + a·d] · w[a]
 *   filter   dW[a] = Σ_i xp[a·d + i·s] · dy[i]      = conv(xpᵀ, dyᵀ; stride d, dilation s),
 *            with batch and channel swapped so the batch is the contracted "channel";
 *   input    dxp[p] = Σ_a dy↑[p − a·d] · w[a]        = conv(pad(dy↑, (k−1)d), flip(w)ᵀ; dilation d),
 *            where dy↑ inserts s−1 zeros between entries; dx = dxp[t : t+H].
 * The filter gradient's conv has (stride d, dilation s) and the input gradient's has
 * (stride 1, dilation d), so every conv this module creates is again one it can differentiate.
 * NHWC only; 'same' / 'valid' padding; dimRoundingMode unsupported (errors name the cause).
 */
import { preferredConvGrad } from '../../kernels/conv-grad-mode.js';
import tf from '../../tf.cjs';
import { col2im, im2col, im2colAvailable, registerIm2Col, type Im2ColAttrs } from '../../kernels/im2col.js';
import { readConfig } from '../../config.js';

type Pair = [number, number];
const pair = (v: number | number[]): Pair => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]);

export interface ConvGeometry {
  stride: Pair;
  dilation: Pair;
  /** Top/left padding of the forward conv. */
  before: Pair;
  /** Effective input extent the forward conv reads: (out−1)s + (k−1)d + 1. */
  extent: Pair;
}

export function convGeometry(inHW: Pair, outHW: Pair, kHW: Pair, strides: number | number[], dilations: number | number[], pad: unknown): ConvGeometry {
  if (pad !== 'same' && pad !== 'valid') {
    throw new Error(`second-order Conv2D gradient: padding ${JSON.stringify(pad)} is not supported (only 'same', 'valid')`);
  }
  const stride = pair(strides);
  const dilation = pair(dilations ?? 1);
  if ((stride[0] > 1 || stride[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    throw new Error(`second-order Conv2D gradient: strides ${stride} with dilations ${dilation} (one must be 1)`);
  }
  const extent = [0, 1].map((i) => (outHW[i] - 1) * stride[i] + (kHW[i] - 1) * dilation[i] + 1) as Pair;
  const before = [0, 1].map((i) => (pad === 'same' ? Math.floor(Math.max(0, extent[i] - inHW[i]) / 2) : 0)) as Pair;
  return { stride, dilation, before, extent };
}

/** Pad (positive) or crop (negative) axes 1 and 2 of an NHWC tensor. */
export function padOrCrop4(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number, value = 0): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t = Math.max(0, -top),
      l = Math.max(0, -left);
    y = tf.slice(y, [0, t, l, 0], [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(
      y,
      [
        [0, 0],
        [Math.max(0, top), Math.max(0, bottom)],
        [Math.max(0, left), Math.max(0, right)],
        [0, 0],
      ],
      value,
    );
  }
  return y;
}

/** Insert s−1 zeros between neighbours along H and W: [n,h,w,c] → [n,(h−1)s+1,(w−1)s+1,c]. */
export function dilateSpatial(x: tf.Tensor4D, s: Pair): tf.Tensor4D {
  if (s[0] === 1 && s[1] === 1) return x;
  const [n, h, w, c] = x.shape;
  const six = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, s[0] - 1],
    [0, 0],
    [0, s[1] - 1],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(six, [n, h * s[0], w * s[1], c]) as tf.Tensor4D, 0, [n, (h - 1) * s[0] + 1, (w - 1) * s[1] + 1, c]);
}

/** ∂L/∂filter of y = conv2d(x, filter) given dy, as a Conv2D. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kHW: Pair, g: ConvGeometry): tf.Tensor4D {
  const [, h, w] = x.shape;
  const xp = padOrCrop4(x, g.before[0], g.extent[0] - h - g.before[0], g.before[1], g.extent[1] - w - g.before[1]);
  const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, L, L, N]: batch ↔ channel
  const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co] used as the filter
  const out = tf.conv2d(xT, dyT as tf.Tensor4D, g.dilation, 'valid', 'NHWC', g.stride); // [Ci, kh, kw, Co]
  if (out.shape[1] !== kHW[0] || out.shape[2] !== kHW[1]) throw new Error('conv2dFilterGrad: internal shape mismatch');
  return tf.transpose(out, [1, 2, 0, 3]);
}

/** ∂L/∂x of y = conv2d(x, filter) given dy, as a Conv2D. */
export function conv2dInputGrad(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [kh, kw] = filter.shape;
  const [, h, w] = xShape;
  const eh = (kh - 1) * g.dilation[0],
    ew = (kw - 1) * g.dilation[1];
  const dyUp = dilateSpatial(dy, g.stride);
  let dxp: tf.Tensor4D;
  if (g.dilation[0] === 1 && g.dilation[1] === 1 && dyUp.shape[1] * dyUp.shape[2] < kh * kw) {
    dxp = inputGradFilterAsInput(dyUp, filter);
  } else {
    const up = padOrCrop4(dyUp, eh, eh, ew, ew);
    const flipped = tf.reverse(tf.transpose(filter, [0, 1, 3, 2]), [0, 1]) as tf.Tensor4D; // [kh, kw, Co, Ci]
    dxp = tf.conv2d(up, flipped, 1, 'valid', 'NHWC', g.dilation); // extent × extent
  }
  return padOrCrop4(dxp, -g.before[0], h + g.before[0] - g.extent[0], -g.before[1], w + g.before[1] - g.extent[1]);
}

/**
 * The same full correlation dxp[p] = Σ_a dy↑[p − a]·w[a] (dilation 1) with the roles swapped:
 * dxp[p] = Σ_m dy↑[m]·w[p − m], i.e. the filter, padded by (Ho−1) and with Ci as its batch, is
 * correlated with the flipped dy↑ as the kernel (N as its output channels). The usual form spends
 * kh·kw multiply-adds per output and most of them on the zeros padded around dy; this one spends
 * Ho·Wo. The HVP meets the case in the backward of the filter gradient, whose "filter" is a
 * whole dy (e.g. 12×12) and whose "dy" is a kernel-sized gradient (3×3): 8× fewer FLOPs there.
 */
function inputGradFilterAsInput(dyUp: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  const [, hu, wu] = dyUp.shape;
  const f = tf.pad(tf.transpose(filter, [2, 0, 1, 3]), [
    [0, 0],
    [hu - 1, hu - 1],
    [wu - 1, wu - 1],
    [0, 0],
  ]) as tf.Tensor4D; // [Ci, kh+2(Ho−1), …, Co]
  const k = tf.reverse(tf.transpose(dyUp, [1, 2, 3, 0]), [0, 1]) as tf.Tensor4D; // [Ho, Wo, Co, N]
  return tf.transpose(tf.conv2d(f, k, 1, 'valid'), [3, 1, 2, 0]); // [N, kh+Ho−1, kw+Wo−1, Ci]
}

/**
 * The input gradient as im2col/col2im + matmuls where the backend has the kernels (wasm, cpu):
 * dx = col2im(dy·Wᵀ). im2col and col2im are each other's gradient and a matmul's gradient is
 * matmuls, so double backprop stays on these kernels, and no FLOP goes to the zeros the conv form
 * pads dy with (its gradient, in the HVP, is a conv over the padded extent: [97,22,22,16]-sized
 * for LeNet's second conv). The filter gradient stays the conv form (conv2dFilterGrad): wasm's
 * Conv2D beats im2col + a transposed matmul there in first order, and its derivatives (through
 * this registration) are the same im2col-sized products. Measured in bench/cnn.ts.
 * LOSSLENS_CONV_GRAD=conv: conv forms for both; =im2col: im2col for both
 * (dW = im2col(x)ᵀ·dy); =hybrid: the above; =kernels: the Conv2DBackpropInput / Conv2DBackpropFilter
 * kernels (dilation 1; each one fused, tiled call on the native kernels). For A/B benches and
 * tests; unset, the installed kernels' preference decides (the native kernels prefer kernels).
 */
export function im2colGeometry(xShape: number[], dyShape: number[], kHW: Pair, g: ConvGeometry): Im2ColAttrs {
  return {
    xShape: xShape as Im2ColAttrs['xShape'],
    kH: kHW[0],
    kW: kHW[1],
    sH: g.stride[0],
    sW: g.stride[1],
    dH: g.dilation[0],
    dW: g.dilation[1],
    top: g.before[0],
    left: g.before[1],
    outH: dyShape[1]!,
    outW: dyShape[2]!,
  };
}

/**
 * The largest column matrix (N·Ho·Wo × kh·kw·Ci values) the im2col path materializes: 2²⁴ floats
 * (64 MiB); a bigger batch-conv falls back to the conv forms, whose temporaries are the size of
 * dy and x (the automatic batch size budgets activations, not kh·kw-times-larger column matrices).
 * LOSSLENS_IM2COL_MAX_VALUES overrides it (tests).
 */
export const IM2COL_MAX_VALUES = 2 ** 24;

export type ConvGradMode = 'conv' | 'im2col' | 'hybrid' | 'kernels';
const CONV_GRAD_MODES: readonly ConvGradMode[] = ['conv', 'im2col', 'hybrid', 'kernels'];

/**
 * The form of this conv's gradient. 'kernels' needs dilation 1 (the backward kernels' contract)
 * and materializes no column matrix of its own (the native kernels tile theirs), so the size cap
 * does not apply to it; the other forms fall back to 'conv' above the cap.
 */
export function convGradMode(colValues = 0, dilated = false): ConvGradMode {
  const config = readConfig();
  const m = config.convGrad as ConvGradMode | undefined;
  const choice = m && CONV_GRAD_MODES.includes(m) ? m : preferredConvGrad(); // unset: the installed kernels' choice
  if (choice === 'kernels' && !dilated) return 'kernels';
  const max = config.im2colMaxValues ?? IM2COL_MAX_VALUES;
  if (choice === 'conv' || colValues > max || !im2colAvailable()) return 'conv';
  return choice === 'kernels' ? 'hybrid' : choice;
}

type ConvAttrs = { strides: number | number[]; pad: unknown; dataFormat?: string; dilations: number | number[]; dimRoundingMode?: string };
const nhwcOnly = (a: ConvAttrs, what: string) => {
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new Error(`second-order ${what} gradient: dataFormat ${a.dataFormat} (only NHWC)`);
};
const backwardAttrs = (a: ConvAttrs) =>
  ({ strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode }) as unknown as tf.NamedAttrMap;

/** dx of y = conv2d(x, filter) (dilation 1) as the Conv2DBackpropInput kernel: on the tape, differentiable by its registered gradient. */
function inputGradKernel(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, a: ConvAttrs): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...backwardAttrs(a), inputShape: xShape }) as tf.Tensor4D;
}
/** dW of y = conv2d(x, filter) (dilation 1) as the Conv2DBackpropFilter kernel (gradient registered below). */
function filterGradKernel(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], a: ConvAttrs): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...backwardAttrs(a), filterShape }) as tf.Tensor4D;
}

export const CONV_KERNELS = ['Conv2D', 'Conv2DBackpropFilter'];

/**
 * Conv2DBackpropFilter dW = Σ im2col(x)ᵀ·dy is bilinear in (x, dy); against an upstream ddW:
 * ∂/∂x = the input gradient of a conv with filter ddW taking dy, ∂/∂dy = conv2d(x, ddW) — kernels
 * of the same three, so the form is closed under differentiation. tfjs registers none for it (its
 * stock Conv2DBackpropInput gradient, which calls it, is correct and stays). Dilation 1, as the kernel.
 */
function registerFilterGradGradient(): void {
  tf.registerGradient({
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (ddw, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      nhwcOnly(a, 'Conv2DBackpropFilter');
      return {
        x: () => inputGradKernel(x.shape, dy, ddw as tf.Tensor4D, a),
        dy: () => tf.conv2d(x, ddw as tf.Tensor4D, a.strides as [number, number], a.pad as 'same', 'NHWC', 1, a.dimRoundingMode as 'floor' | undefined),
      };
    },
  });
}

export function registerConvGradients(): void {
  registerIm2Col();
  registerFilterGradGradient();
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      nhwcOnly(a, 'Conv2D');
      if (a.dimRoundingMode != null) throw new Error('second-order Conv2D gradient: dimRoundingMode is not supported');
      const d = dy as tf.Tensor4D;
      const g = convGeometry([x.shape[1], x.shape[2]], [d.shape[1], d.shape[2]], [filter.shape[0], filter.shape[1]], a.strides, a.dilations, a.pad);
      const [kh, kw, ci, co] = filter.shape;
      const mode = convGradMode(d.shape[0] * d.shape[1] * d.shape[2] * kh * kw * ci, g.dilation[0] > 1 || g.dilation[1] > 1);
      if (mode === 'kernels') {
        return { x: () => inputGradKernel(x.shape, d, filter, a), filter: () => filterGradKernel(x, d, filter.shape, a) };
      }
      if (mode !== 'conv') {
        const geo = im2colGeometry(x.shape, d.shape, [kh, kw], g);
        const dy2 = () => tf.reshape(d, [d.shape[0] * d.shape[1] * d.shape[2], co]);
        return {
          x: () => col2im(tf.matMul(dy2(), tf.reshape(filter, [kh * kw * ci, co]), false, true), geo),
          filter: () => (mode === 'im2col' ? tf.reshape(tf.matMul(im2col(x, geo), dy2(), true, false), filter.shape) : conv2dFilterGrad(x, d, [kh, kw], g)),
        };
      }
      return {
        x: () => conv2dInputGrad(x.shape, d, filter, g),
        filter: () => conv2dFilterGrad(x, d, [filter.shape[0], filter.shape[1]], g),
      };
    },
  });
}
