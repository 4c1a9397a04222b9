/**
 * The forward-over-reverse rule (hvp.ts) of DepthwiseConv2D: y = act(depthwise(x, K) + b) is
 * bilinear in (x, K), so layers.ts' bilinear rule applies with the depthwise conv as op and its
 * registered first-order gradients (src/objective/gradients/depthwise.ts: the input and filter
 * gradients as depthwise convs) as the transposed ops. The forward is model/layers/mobile.ts' op
 * for op (depthwise, + bias, activation; dilation 1 as tfjs-layers runs it); with the native kernels the
 * bias and a relu run in the depthwise kernel (FusedDepthwiseConv2D), the same values.
 */
import tf from '../../tf.cjs';
import { cfg } from '../../model/layer-ops.js';
import { bilinear, type Rule } from './layers.js';
import { fusedConvForward } from '../../kernels/conv-grad-mode.js';

const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v]);
/** The weights' names in this layer and in bilinear's. */
const rename = <T>(r: Record<string, T>, from: string, to: string): Record<string, T> => {
  const out: Record<string, T> = {};
  for (const [k, t] of Object.entries(r)) out[k === from ? to : k] = t;
  return out;
};

export const depthwiseConv2D: Rule = (x, w, v, config) => {
  const strides = pair(cfg(config, 'strides', 1)),
    pad = cfg<unknown>(config, 'padding', 'valid') === 'same' ? 'same' : 'valid';
  const attrs = { strides, pad, dilations: [1, 1], dimRoundingMode: undefined, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
  const grad = tf.getGradient('DepthwiseConv2dNative')!.gradFunc;
  const K = w.depthwise_kernel!;
  const step = bilinear(x, rename(w, 'depthwise_kernel', 'kernel'), rename(v, 'depthwise_kernel', 'kernel'), config, {
    fwd: (xx, k) => tf.depthwiseConv2d(xx as tf.Tensor4D, k as tf.Tensor4D, strides, pad, 'NHWC', [1, 1]),
    // the native kernels' FusedDepthwiseConv2D: bias (and relu) added per row in the conv's kernel, the same float sums as the Add after
    fused: fusedConvForward()
      ? (xx, k, bias, activation) =>
          tf.fused.depthwiseConv2d({ x: xx as tf.Tensor4D, filter: k as tf.Tensor4D, strides, pad, dataFormat: 'NHWC', bias, activation })
      : undefined,
    dx: (dz, k) => grad(dz, [x.y, k], attrs).x!(),
    dw: (xx, dz) => grad(dz, [xx, K], attrs).filter!(),
    biasAxes: [0, 1, 2],
  });
  return {
    out: step.out,
    back: (g, needInput, wantGrad) => {
      const r = step.back(g, needInput, wantGrad);
      return { gx: r.gx, hv: rename(r.hv, 'kernel', 'depthwise_kernel'), gw: rename(r.gw, 'kernel', 'depthwise_kernel') };
    },
  };
};
