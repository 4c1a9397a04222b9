/**
 * The layers of mobile CNNs (MobileNet v1/v2, Teachable Machine image models) as tfjs-layers 4.22
 * runs them: DepthwiseConv2D (tf.depthwiseConv2d + bias + activation; tfjs-layers passes no
 * dilation, so a dilation_rate above 1 is refused rather than silently dropped), SeparableConv2D
 * (depthwise, then a 1×1 pointwise conv, + bias + activation; its dilation applies to the
 * depthwise step), ReLU (relu, then clipByValue(0, max_value) where max_value is set) and
 * ZeroPadding2D (tf.pad of the two spatial axes). Weights in tfjs-layers' order: depthwise_kernel
 * [kh, kw, C, m], pointwise_kernel [1, 1, C·m, filters], bias. Second derivatives of the depthwise
 * conv: src/objective/gradients/depthwise.ts.
 */
import tf from '../../tf.cjs';
import { activationFn } from '../activations.js';
import { fusedConvForward } from '../../kernels/conv-grad-mode.js';
import { cfg, type LayerOp, type ParamDecl, type ShapeContext } from '../layer-op.js';
import { channelsLastOnly, checkActivation, checkBias, paddingOf, positiveInts, stridesOrDilation, windowOut, type Fault } from './conv-config.js';

const json = (v: unknown) => JSON.stringify(v);
const kernelDecl = (param: string, filterAxis: number): ParamDecl => ({ param, role: 'kernel', trainable: true, filterAxis });
const biasDecl = (config: unknown): ParamDecl[] => (cfg(config, 'use_bias', true) ? [{ param: 'bias', role: 'bias', trainable: true, filterAxis: null }] : []);
const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v]);
const padOf = (config: unknown): 'same' | 'valid' => (cfg<unknown>(config, 'padding', 'valid') === 'same' ? 'same' : 'valid');

/** bias, then activation, as tfjs-layers' conv layers apply them. */
function biasActivation(y: tf.Tensor, w: Record<string, tf.Tensor>, config: unknown, where: string): tf.Tensor {
  return activationFn(cfg(config, 'activation', 'linear'), where)(w.bias ? tf.add(y, w.bias) : y);
}

function depthwise(x: tf.Tensor, w: Record<string, tf.Tensor>, config: unknown, dilation: [number, number]): tf.Tensor4D {
  return tf.depthwiseConv2d(x as tf.Tensor4D, w.depthwise_kernel as tf.Tensor4D, pair(cfg(config, 'strides', 1)), padOf(config), 'NHWC', dilation);
}

/** The depthwise step's per-sample output [ho, wo, C·m], checking its kernel, depth_multiplier and geometry. */
function depthwiseShape(x: number[], ctx: ShapeContext, dilated: boolean): number[] {
  const { config: c, fault } = ctx;
  if (x.length !== 3) throw fault(`needs [height, width, channels] input, got ${json(x)}`);
  channelsLastOnly(c, fault);
  checkActivation(c, fault);
  const k = ctx.weightShape('depthwise_kernel')!;
  if (k.length !== 4) throw fault(`depthwise_kernel has shape ${json(k)}; it must be [height, width, in channels, depth_multiplier]`);
  const ks = positiveInts(cfg(c, 'kernel_size', [k[0], k[1]]), 2, 'kernel_size', fault);
  if (ks[0] !== k[0] || ks[1] !== k[1]) throw fault(`kernel_size ${json(ks)} does not match its depthwise_kernel ${json(k)}`);
  if (x[2] !== k[2]) throw fault(`input has ${x[2]} channels ${json(x)} but the depthwise_kernel ${json(k)} expects ${k[2]}`);
  const m = cfg<unknown>(c, 'depth_multiplier', 1);
  if (m !== k[3]) throw fault(`depth_multiplier ${json(m)} does not match its depthwise_kernel ${json(k)} (${k[3]})`);
  const s = positiveInts(cfg(c, 'strides', 1), 2, 'strides', fault);
  const d = positiveInts(cfg(c, 'dilation_rate', 1), 2, 'dilation_rate', fault);
  if (!dilated && d.some((v) => v > 1))
    throw fault(
      `dilation_rate ${json(cfg(c, 'dilation_rate', 1))} is not supported: tfjs-layers' DepthwiseConv2D ignores it (it convolves undilated), so neither would compute the model as trained`,
    );
  stridesOrDilation(s, d, fault);
  const pad = paddingOf(c, fault);
  const out = [0, 1].map((i) =>
    windowOut(x[i]!, (k[i]! - 1) * d[i]! + 1, s[i]!, pad, `the ${k[0]}×${k[1]} kernel with dilation_rate ${json(d)}`, fault, d[i]! > 1),
  );
  return [...out, k[2]! * k[3]!];
}

/** An inference pass on the native kernels: depthwise + bias (+ relu) as one FusedDepthwiseConv2D, the same values; else null. */
function fusedDepthwise(x: tf.Tensor, w: Record<string, tf.Tensor>, config: unknown): tf.Tensor | null {
  const act = cfg<string>(config, 'activation', 'linear');
  if (!w.bias || (act !== 'linear' && act !== 'relu') || !fusedConvForward() || tf.engine().state.gradientDepth > 0) return null;
  return tf.fused.depthwiseConv2d({
    x: x as tf.Tensor4D,
    filter: w.depthwise_kernel as tf.Tensor4D,
    strides: pair(cfg(config, 'strides', 1)),
    pad: padOf(config),
    bias: w.bias,
    activation: act,
  });
}

const depthwiseConv2D: LayerOp = {
  params: (c) => [kernelDecl('depthwise_kernel', 2), ...biasDecl(c)],
  forward: ([x], w, c, where) => fusedDepthwise(x!, w, c) ?? biasActivation(depthwise(x!, w, c, [1, 1]), w, c, where),
  outputShape: (ins, ctx) => {
    const out = depthwiseShape(ins[0]!, ctx, false);
    checkBias(ctx.weightShape('bias'), out[2]!, ctx.fault);
    return out;
  },
};

const separableConv2D: LayerOp = {
  params: (c) => [kernelDecl('depthwise_kernel', 2), kernelDecl('pointwise_kernel', -1), ...biasDecl(c)],
  forward: ([x], w, c, where) => {
    const mid = depthwise(x!, w, c, pair(cfg(c, 'dilation_rate', 1)));
    return biasActivation(tf.conv2d(mid, w.pointwise_kernel as tf.Tensor4D, 1, 'valid', 'NHWC'), w, c, where);
  },
  outputShape: (ins, ctx) => {
    const [ho, wo, cm] = depthwiseShape(ins[0]!, ctx, true) as [number, number, number];
    const p = ctx.weightShape('pointwise_kernel')!;
    if (p.length !== 4 || p[0] !== 1 || p[1] !== 1 || p[2] !== cm) throw ctx.fault(`pointwise_kernel has shape ${json(p)}; it must be [1, 1, ${cm}, filters]`);
    const filters = cfg<unknown>(ctx.config, 'filters', p[3]);
    if (filters !== p[3]) throw ctx.fault(`filters ${json(filters)} does not match its pointwise_kernel ${json(p)} (${p[3]} filters)`);
    checkBias(ctx.weightShape('bias'), p[3]!, ctx.fault);
    return [ho, wo, p[3]!];
  },
};

/**
 * tfjs-layers' ReLU reads only max_value: relu(x), clipped to [0, max_value] where it is set. Keras'
 * negative_slope and threshold, which it would silently ignore, are refused unless 0.
 */
const relu: LayerOp = {
  params: () => [],
  forward: ([x], _w, c) => {
    const max = cfg<number | null>(c, 'max_value', null);
    if (max === 6) return tf.relu6(x!); // one kernel, the same values as relu then clip (and the same gradient mask, 0 < x ≤ 6)
    return max === null ? tf.relu(x!) : tf.clipByValue(tf.relu(x!), 0, max);
  },
  outputShape: (ins, { config: c, fault }) => {
    const max = cfg<unknown>(c, 'max_value', null);
    if (max !== null && (typeof max !== 'number' || !Number.isFinite(max) || max < 0))
      throw fault(`max_value ${json(max)} must be a finite number ≥ 0 (or null)`);
    for (const field of ['negative_slope', 'threshold']) {
      const v = cfg<unknown>(c, field, 0);
      if (v !== 0)
        throw fault(
          `${field} ${json(v)} is not supported: tfjs-layers' ReLU ignores it (it computes min(max(x, 0), max_value)), so neither would compute the model as trained`,
        );
    }
    return ins[0]!;
  },
};

/** ZeroPadding2D's padding as [[top, bottom], [left, right]] from its three forms (n, [h, w], [[t, b], [l, r]]); default 1. */
function zeroPadding(config: unknown, fault: Fault): [[number, number], [number, number]] {
  const p = cfg<unknown>(config, 'padding', 1);
  const ok = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 2 ** 30;
  if (ok(p))
    return [
      [p, p],
      [p, p],
    ];
  if (Array.isArray(p) && p.length === 2 && p.every(ok))
    return [
      [p[0], p[0]],
      [p[1], p[1]],
    ];
  if (Array.isArray(p) && p.length === 2 && p.every((a) => Array.isArray(a) && a.length === 2 && a.every(ok))) return p as [[number, number], [number, number]];
  throw fault(`padding ${json(p)} must be n, [height, width] or [[top, bottom], [left, right]] of integers in [0, 2^30]`);
}

const zeroPadding2D: LayerOp = {
  params: () => [],
  forward: ([x], _w, c) => {
    const [h, w] = zeroPadding(c, (p) => new Error(p));
    return tf.pad(x!, [[0, 0], h, w, [0, 0]]);
  },
  outputShape: (ins, { config: c, fault }) => {
    const x = ins[0]!;
    if (x.length !== 3) throw fault(`needs [height, width, channels] input, got ${json(x)}`);
    channelsLastOnly(c, fault);
    const [h, w] = zeroPadding(c, fault);
    return [x[0]! + h[0] + h[1], x[1]! + w[0] + w[1], x[2]!];
  },
};

export const MOBILE_LAYERS: Record<string, LayerOp> = {
  DepthwiseConv2D: depthwiseConv2D,
  SeparableConv2D: separableConv2D,
  ReLU: relu,
  ZeroPadding2D: zeroPadding2D,
};
