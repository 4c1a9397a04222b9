/**
 * Inference-mode forward functions of the supported tfjs-layers layers, written with plain
 * tf ops on weights passed in explicitly (so θ can be differentiated twice), and the list
 * of weights each layer owns in tfjs-layers' order.
 */
import tf from '../tf.cjs';
import { activationFn } from './activations.js';
import { unsupportedError } from '../errors.js';
import { CONV_POOL, CONV_POOL_FILTER, convPoolFused, fusedConvForward, type ConvPoolAttrs, type ConvPoolFilterAttrs } from '../kernels/conv-grad-mode.js';
import { cfg, type LayerOp, type ParamDecl } from './layer-op.js';
import { MOBILE_LAYERS } from './layers/mobile.js';
import { ONE_D_LAYERS } from './layers/one-d.js';
import { SEQUENCE_LAYERS } from './layers/sequence.js';
import { setInnerLayerLookup } from './layers/wrappers.js';
import { DECODER_LAYERS } from './layers/decoder.js';
import { NORMALIZATION_LAYERS } from './layers/normalization.js';
import { PREPROCESSING_LAYERS } from './layers/preprocessing.js';

export { cfg, type LayerOp, type ParamDecl, type ShapeContext } from './layer-op.js';

const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]);

function channelsLast(config: any, where: string): void {
  const fmt = cfg(config, 'data_format', 'channels_last');
  if (fmt !== 'channels_last' && fmt !== 'channelsLast') throw unsupportedError(`${where}: data_format ${fmt} (only channels_last)`);
}

function padding(config: any, where: string): 'same' | 'valid' {
  const p = cfg<string>(config, 'padding', 'valid');
  if (p !== 'same' && p !== 'valid') throw unsupportedError(`${where}: padding "${p}" (only same, valid)`);
  return p;
}

const kernelAndBias = (config: any): ParamDecl[] => {
  const out: ParamDecl[] = [{ param: 'kernel', role: 'kernel', trainable: true, filterAxis: -1 }];
  if (cfg(config, 'use_bias', true)) out.push({ param: 'bias', role: 'bias', trainable: true, filterAxis: null });
  return out;
};
const none = (): ParamDecl[] => [];
const identity: LayerOp = { params: none, forward: ([x]) => x };

/**
 * Whether this layer's op + bias + activation runs as one fused kernel: an inference pass (no
 * gradient tape), a bias, relu or linear, and installed kernels that fuse exactly (conv-grad-mode.ts).
 */
function fusesExactly(w: Record<string, tf.Tensor>, act: string): act is 'relu' | 'linear' {
  return !!w.bias && (act === 'relu' || act === 'linear') && fusedConvForward() && tf.engine().state.gradientDepth === 0;
}

function dense(x: tf.Tensor, w: Record<string, tf.Tensor>, config: any, where: string): tf.Tensor {
  const kernel = w.kernel as tf.Tensor2D;
  const act = cfg<string>(config, 'activation', 'linear');
  if (x.rank === 2 && fusesExactly(w, act)) return tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel, bias: w.bias, activation: act });
  let y: tf.Tensor;
  if (x.rank === 2) y = tf.matMul(x as tf.Tensor2D, kernel);
  else {
    const flat = tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
    y = tf.reshape(tf.matMul(flat, kernel), [...x.shape.slice(0, -1), kernel.shape[1]]);
  }
  if (w.bias) y = tf.add(y, w.bias);
  return activationFn(act, where)(y);
}

function conv2d(x: tf.Tensor, w: Record<string, tf.Tensor>, config: any, where: string): tf.Tensor {
  channelsLast(config, where);
  const dil = pair(cfg(config, 'dilation_rate', 1));
  const strides = pair(cfg(config, 'strides', 1)),
    pad = padding(config, where),
    act = cfg<string>(config, 'activation', 'linear');
  if (fusesExactly(w, act)) {
    return tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: w.kernel as tf.Tensor4D,
      strides,
      pad,
      dataFormat: 'NHWC',
      dilations: dil,
      bias: w.bias,
      activation: act,
    });
  }
  let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, w.kernel as tf.Tensor4D, strides, pad, 'NHWC', dil);
  if (w.bias) y = tf.add(y, w.bias);
  return activationFn(act, where)(y);
}

/**
 * maxPool(conv(x)) as one LosslensConvPool kernel (the conv output pooled while in cache, never
 * written), or null where that does not apply: not an inference pass the conv fuses exactly in
 * (fusesExactly), no native kernels on the wasm backend, a pool whose stride is not its size or
 * whose windows do not tile the conv's output. The same values as the two layers.
 */
export function convPoolForward(x: tf.Tensor, w: Record<string, tf.Tensor>, convConfig: any, poolConfig: any, where: string): tf.Tensor | null {
  const attrs = convPoolAttrs(x, w, convConfig, poolConfig, where);
  return attrs && (tf.engine().runKernel(CONV_POOL, { x, filter: w.kernel!, bias: w.bias! }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
}

/** convPoolForward's kernel keeping the conv's output y too (a gradient pass reads it): { y, pooled }, or null where it does not apply. */
export function convPoolKeeping(
  x: tf.Tensor,
  w: Record<string, tf.Tensor>,
  convConfig: any,
  poolConfig: any,
  where: string,
): { y: tf.Tensor; pooled: tf.Tensor } | null {
  const attrs = convPoolAttrs(x, w, convConfig, poolConfig, where);
  if (!attrs) return null;
  const [pooled, y] = tf
    .engine()
    .runKernel(CONV_POOL, { x, filter: w.kernel!, bias: w.bias! }, { ...attrs, keep: true } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return { y: y!, pooled: pooled! };
}

/**
 * The filter and bias gradients of a conv under the max pool that its LosslensConvPool made (so the
 * windows tile the frame, its output), from the pool's gradient: one LosslensConvPoolFilter kernel.
 */
export function convPoolFilter(
  x: tf.Tensor,
  r: { frame: tf.Tensor; dy: tf.Tensor; kH: number; kW: number; positive: boolean },
  filterShape: number[],
  conv: { strides: [number, number]; pad: 'same' | 'valid'; dilations: [number, number] },
): { dw: tf.Tensor; db: tf.Tensor } | null {
  if (!convPoolFused() || tf.getBackend() !== 'wasm') return null;
  const attrs: ConvPoolFilterAttrs = { ...conv, kH: r.kH, kW: r.kW, positive: r.positive, filterShape };
  const [dw, db] = tf.engine().runKernel(CONV_POOL_FILTER, { x, frame: r.frame, dy: r.dy }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return { dw: dw!, db: db! };
}

function convPoolAttrs(x: tf.Tensor, w: Record<string, tf.Tensor>, convConfig: any, poolConfig: any, where: string): ConvPoolAttrs | null {
  const act = cfg<string>(convConfig, 'activation', 'linear');
  if (!convPoolFused() || tf.getBackend() !== 'wasm' || x.rank !== 4 || !fusesExactly(w, act)) return null;
  channelsLast(convConfig, where);
  channelsLast(poolConfig, where);
  const [kH, kW] = pair(cfg(poolConfig, 'pool_size', 2)),
    [sH, sW] = pair(cfg(poolConfig, 'strides', [kH, kW]));
  if (kH !== sH || kW !== sW) return null;
  const attrs: ConvPoolAttrs = {
    strides: pair(cfg(convConfig, 'strides', 1)),
    pad: padding(convConfig, where),
    dilations: pair(cfg(convConfig, 'dilation_rate', 1)),
    activation: act,
    kH,
    kW,
  };
  padding(poolConfig, where); // same or valid: alike when the windows tile the output
  const c = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    w.kernel!.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
  );
  return c.outHeight % kH || c.outWidth % kW || c.outHeight === 0 || c.outWidth === 0 ? null : attrs;
}

function pool(kind: 'max' | 'avg'): LayerOp {
  return {
    params: none,
    forward: ([x], _w, config, where) => {
      channelsLast(config, where);
      const size = pair(cfg(config, 'pool_size', 2));
      const strides = pair(cfg(config, 'strides', size));
      const fn = kind === 'max' ? tf.maxPool : tf.avgPool;
      return fn(x as tf.Tensor4D, size, strides, padding(config, where));
    },
  };
}

function batchNorm(x: tf.Tensor, w: Record<string, tf.Tensor>, config: any): tf.Tensor {
  let axis = cfg<number | number[]>(config, 'axis', -1);
  axis = Array.isArray(axis) ? axis[0] : axis;
  const ax = axis < 0 ? x.rank + axis : axis;
  const shape = x.shape.map((d, i) => (i === ax ? d : 1));
  const r = (t: tf.Tensor) => (ax === x.rank - 1 ? t : tf.reshape(t, shape));
  const eps = cfg(config, 'epsilon', 1e-3);
  let scale = tf.rsqrt(tf.add(r(w.moving_variance), eps));
  if (w.gamma) scale = tf.mul(scale, r(w.gamma));
  let y = tf.mul(tf.sub(x, r(w.moving_mean)), scale);
  if (w.beta) y = tf.add(y, r(w.beta));
  return y;
}

function mergeAxis(config: any, rank: number): number {
  const a = cfg(config, 'axis', -1);
  return a < 0 ? rank + a : a;
}

/** Ops by Keras class name, without a prototype: a class_name such as "toString" finds nothing (look up with layerOp). */
export const LAYER_OPS: Readonly<Record<string, LayerOp>> = Object.assign(Object.create(null) as Record<string, LayerOp>, {
  InputLayer: identity,
  Dense: { params: kernelAndBias, forward: ([x], w, c, where) => dense(x, w, c, where) },
  Conv2D: { params: kernelAndBias, forward: ([x], w, c, where) => conv2d(x, w, c, where) },
  MaxPooling2D: pool('max'),
  AveragePooling2D: pool('avg'),
  GlobalAveragePooling2D: { params: none, forward: ([x], _w, c, where) => (channelsLast(c, where), tf.mean(x, [1, 2])) },
  GlobalMaxPooling2D: { params: none, forward: ([x], _w, c, where) => (channelsLast(c, where), tf.max(x, [1, 2])) },
  Flatten: { params: none, forward: ([x]) => tf.reshape(x, [x.shape[0], -1]) },
  Reshape: { params: none, forward: ([x], _w, c) => tf.reshape(x, [x.shape[0], ...cfg<number[]>(c, 'target_shape', [])]) },
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  Activation: { params: none, forward: ([x], _w, c, where) => activationFn(cfg(c, 'activation', 'linear'), where)(x) },
  LeakyReLU: { params: none, forward: ([x], _w, c) => tf.leakyRelu(x, cfg(c, 'alpha', 0.3)) },
  ELU: { params: none, forward: ([x], _w, c, where) => (cfg(c, 'alpha', 1) === 1 ? tf.elu(x) : failAlpha(where)) },
  Softmax: { params: none, forward: ([x], _w, _c, where) => activationFn('softmax', where)(x) },
  BatchNormalization: {
    params: (c) => [
      ...(cfg(c, 'scale', true) ? [{ param: 'gamma', role: 'gamma' as const, trainable: true, filterAxis: null }] : []),
      ...(cfg(c, 'center', true) ? [{ param: 'beta', role: 'beta' as const, trainable: true, filterAxis: null }] : []),
      { param: 'moving_mean', role: 'other', trainable: false, filterAxis: null },
      { param: 'moving_variance', role: 'other', trainable: false, filterAxis: null },
    ],
    forward: ([x], w, c) => batchNorm(x, w, c),
  },
  Add: { params: none, forward: (xs) => (xs.length === 1 ? xs[0] : tf.addN(xs)) },
  Subtract: { params: none, forward: ([a, b]) => tf.sub(a, b) },
  Multiply: { params: none, forward: (xs) => xs.reduce((a, b) => tf.mul(a, b)) },
  Average: { params: none, forward: (xs) => tf.div(tf.addN(xs), xs.length) },
  Concatenate: { params: none, forward: (xs, _w, c) => tf.concat(xs, mergeAxis(c, xs[0].rank)) },
  ...SEQUENCE_LAYERS,
  ...DECODER_LAYERS,
  ...NORMALIZATION_LAYERS,
  ...PREPROCESSING_LAYERS,
  ...MOBILE_LAYERS,
  ...ONE_D_LAYERS,
} satisfies Record<string, LayerOp>);

/** The op of Keras class `className`, or undefined when losslens has none. */
export function layerOp(className: unknown): LayerOp | undefined {
  return typeof className === 'string' && Object.hasOwn(LAYER_OPS, className) ? LAYER_OPS[className] : undefined;
}
setInnerLayerLookup(layerOp);

function failAlpha(where: string): never {
  throw unsupportedError(`${where}: ELU with alpha ≠ 1`);
}

export const SUPPORTED_LAYERS = Object.keys(LAYER_OPS);
