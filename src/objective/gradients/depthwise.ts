/**
 * DepthwiseConv2dNative gradients built from DepthwiseConv2dNative itself (plus pad, slice,
 * reshape, transpose, reverse, sum), so double backprop stays on kernels both the cpu and the wasm
 * backends have: stock tfjs 4.22 takes them to DepthwiseConv2dNativeBackpropInput / …Filter, which
 * wasm lacks and which have no gradients (the outer backprop throws), and refuses dilation > 1.
 *
 * x [N, H, W, C], filter w [kh, kw, C, m], y [N, Ho, Wo, C·m] with channel c·m + q from w[·, ·, c, q].
 * In 1-D notation (each spatial axis alike), stride s, dilation d (one of them 1), xp = x padded or
 * cropped to the extent the forward reads (conv.ts's convGeometry, the same 'same' rule):
 *   forward y[i, cm+q]   = Σ_a xp[i·s + a·d, c] · w[a, c, q]
 *   input   dxp[p, c]    = Σ_{a,q} dy↑[p − a·d, cm+q] · w[a, c, q]
 *                        = Σ_q depthwise(pad(dy↑, (k−1)d), flip(w) as [k, C·m, 1]; dilation d)[p, cm+q],
 *           dy↑ with s−1 zeros between entries; dx = dxp cropped to the input's frame;
 *   filter  dW[a, c, q]  = Σ_{n,i} xp[n, a·d + i·s, c] · dy[n, i, cm+q]
 *                        = Σ_n depthwise(xp as [1, L, N·C], dy as [Ho, N·C, m]; stride d, dilation s),
 *           the batch folded into the channels so that depthwise's per-channel sum runs over it.
 * The input gradient's conv has (stride 1, dilation d) and the filter gradient's (stride d,
 * dilation s): again convs this gradient covers, so the form is closed under differentiation.
 * The two backward kernels get gradients too (cpu, where they exist), for callers that reach them.
 */
import tf from '../../tf.cjs';
import { convGeometry, dilateSpatial, padOrCrop4, type ConvGeometry } from './conv.js';
import { depthwiseFilterGradKernel, depthwiseGradKernelsActive, depthwiseInputGradKernel } from '../../kernels/native-depthwise.js';

type Pair = [number, number];
interface DepthwiseAttrs {
  strides: number | number[];
  pad: unknown;
  dilations?: number | number[];
  dimRoundingMode?: string;
  dataFormat?: string;
}

function geometry(xShape: number[], dyShape: number[], fShape: number[], a: DepthwiseAttrs): ConvGeometry {
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC')
    throw new Error(`second-order DepthwiseConv2dNative gradient: dataFormat ${a.dataFormat} (only NHWC)`);
  if (a.dimRoundingMode != null) throw new Error('second-order DepthwiseConv2dNative gradient: dimRoundingMode is not supported');
  return convGeometry([xShape[1]!, xShape[2]!], [dyShape[1]!, dyShape[2]!], [fShape[0]!, fShape[1]!], a.strides, a.dilations ?? 1, a.pad);
}

/** ∂L/∂x of y = depthwiseConv2d(x, filter) given dy, as a DepthwiseConv2dNative. */
export function depthwiseInputGrad(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  if (depthwiseGradKernelsActive() && dy.dtype === 'float32') return depthwiseInputGradKernel(xShape, dy, filter, g); // native: one pass
  const [kh, kw, c, m] = filter.shape;
  const [n, h, w] = xShape as [number, number, number];
  const eh = (kh - 1) * g.dilation[0],
    ew = (kw - 1) * g.dilation[1];
  const up = padOrCrop4(dilateSpatial(dy, g.stride), eh, eh, ew, ew);
  const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D;
  const perCopy = tf.depthwiseConv2d(up, flipped, 1, 'valid', 'NHWC', g.dilation); // [N, E, E, C·m]
  const [, eH, eW] = perCopy.shape;
  const dxp = (m === 1 ? perCopy : tf.sum(tf.reshape(perCopy, [n, eH, eW, c, m]), 4)) as tf.Tensor4D;
  return padOrCrop4(dxp, -g.before[0], h + g.before[0] - g.extent[0], -g.before[1], w + g.before[1] - g.extent[1]);
}

/** ∂L/∂filter of y = depthwiseConv2d(x, filter) given dy, as a DepthwiseConv2dNative over the batch folded into channels. */
export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], g: ConvGeometry): tf.Tensor4D {
  if (depthwiseGradKernelsActive() && x.dtype === 'float32') return depthwiseFilterGradKernel(x, dy, filterShape, g); // native: one pass
  const [kh, kw, c, m] = filterShape as [number, number, number, number];
  const [n, h, w] = x.shape;
  const [, ho, wo] = dy.shape;
  const xp = padOrCrop4(x, g.before[0], g.extent[0] - h - g.before[0], g.before[1], g.extent[1] - w - g.before[1]);
  const xT = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, g.extent[0], g.extent[1], n * c]) as tf.Tensor4D;
  const dyT = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [ho, wo, n * c, m]) as tf.Tensor4D;
  const out = tf.depthwiseConv2d(xT, dyT, g.dilation as Pair, 'valid', 'NHWC', g.stride as Pair); // [1, kh, kw, N·C·m]
  if (out.shape[1] !== kh || out.shape[2] !== kw) throw new Error('depthwiseFilterGrad: internal shape mismatch');
  return (n === 1 ? tf.reshape(out, [kh, kw, c, m]) : tf.sum(tf.reshape(out, [kh, kw, n, c, m]), 2)) as tf.Tensor4D;
}

const forward = (x: tf.Tensor4D, filter: tf.Tensor4D, a: DepthwiseAttrs) =>
  tf.depthwiseConv2d(x, filter, a.strides as Pair, a.pad as 'same', 'NHWC', (a.dilations ?? 1) as Pair);

export const DEPTHWISE_KERNELS = ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'];

/**
 * The two gradients as single tape nodes (tf.customGrad) whose own gradients are the closed forms
 * below, instead of the composed ops: double backprop then keeps no pad / transpose / flipped
 * copies on the tape, and never differentiates the filter gradient's conv as a conv (whose input
 * gradient pads an [Ho, Wo]-sized filter on both sides: a ~4× input-sized temporary a layer).
 * Both are linear in each argument:
 *   dx = I(dy, w):  against ddx, ∂/∂dy = depthwise(ddx, w), ∂/∂w = F(ddx, dy);
 *   dW = F(x, dy):  against ddW, ∂/∂x = I(dy, ddW), ∂/∂dy = depthwise(x, ddW).
 * The rules read the inputs from customGrad's saved copies (the inputs themselves are gone once an
 * inner tf.grads returns): exact to second order, the HVP's; a third derivative would not see the
 * rules' dependence on those copies.
 */
type Custom = (...ts: tf.Tensor[]) => tf.Tensor;
type Save = (ts: tf.Tensor[]) => void;
const custom = (f: (a: tf.Tensor, b: tf.Tensor, save: Save) => { value: tf.Tensor; gradFunc: (d: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Custom;

function inputGradNode(xShape: number[], a: DepthwiseAttrs, g: ConvGeometry): Custom {
  return custom((dy, w, save) => {
    save([dy, w]);
    return {
      value: depthwiseInputGrad(xShape, dy as tf.Tensor4D, w as tf.Tensor4D, g),
      gradFunc: (ddx, [sdy, sw]) => [forward(ddx as tf.Tensor4D, sw as tf.Tensor4D, a), filterGradNode(sw!.shape, a, g)(ddx, sdy!)],
    };
  });
}

function filterGradNode(fShape: number[], a: DepthwiseAttrs, g: ConvGeometry): Custom {
  return custom((x, dy, save) => {
    save([x, dy]);
    return {
      value: depthwiseFilterGrad(x as tf.Tensor4D, dy as tf.Tensor4D, fShape, g),
      gradFunc: (ddw, [sx, sdy]) => [inputGradNode(sx!.shape, a, g)(sdy!, ddw), forward(sx as tf.Tensor4D, ddw as tf.Tensor4D, a)],
    };
  });
}

export function registerDepthwiseGradients(): void {
  tf.registerGradient({
    kernelName: 'DepthwiseConv2dNative',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dyIn, saved, attrs) => {
      const dy = dyIn as tf.Tensor4D;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as DepthwiseAttrs;
      const g = geometry(x.shape, dy.shape, filter.shape, a);
      return {
        x: () => inputGradNode(x.shape, a, g)(dy, filter),
        filter: () => filterGradNode(filter.shape, a, g)(x, dy),
      };
    },
  });
  // the stock backward kernels (cpu), for callers that reach them: the same closed forms
  tf.registerGradient({
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    inputsToSave: ['dy', 'filter'],
    gradFunc: (ddxIn, saved, attrs) => {
      const ddx = ddxIn as tf.Tensor4D;
      const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as DepthwiseAttrs;
      const g = geometry(ddx.shape, dy.shape, filter.shape, a);
      return { dy: () => forward(ddx, filter, a), filter: () => filterGradNode(filter.shape, a, g)(ddx, dy) };
    },
  });
  tf.registerGradient({
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (ddwIn, saved, attrs) => {
      const ddw = ddwIn as tf.Tensor4D;
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as DepthwiseAttrs;
      const g = geometry(x.shape, dy.shape, ddw.shape, a);
      return { x: () => inputGradNode(x.shape, a, g)(dy, ddw), dy: () => forward(x, ddw, a) };
    },
  });
}
