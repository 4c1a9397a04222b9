/**
 * The 1-D layers of text and signal models as tfjs-layers 4.22 runs them, on [batch, steps,
 * channels] inputs: Conv1D (tf.conv1d, i.e. a Conv2D over an inserted unit height axis, so its
 * gradients and second derivatives are Conv2D's; + bias + activation), MaxPooling1D and
 * AveragePooling1D (a 2-D pool of [pool_size, 1] over x expanded at axis 2, then squeezed),
 * GlobalMaxPooling1D / GlobalAveragePooling1D (max / mean over the steps). tfjs-layers cannot run
 * padding "causal" (it throws NotImplementedError) and ignores data_format and keepdims on these
 * layers, so those are refused naming the layer and field. Weights: kernel [k, in, filters], bias.
 */
import tf from '../../tf.cjs';
import { activationFn } from '../activations.js';
import { cfg, type LayerOp, type ShapeContext } from '../layer-op.js';
import { channelsLastOnly, checkActivation, checkBias, paddingOf, positiveInts, stridesOrDilation, windowOut, type Fault } from './conv-config.js';

const json = (v: unknown) => JSON.stringify(v);
const one = (v: unknown): number => (Array.isArray(v) ? v[0] : v) as number;
const padOf = (config: unknown): 'same' | 'valid' => (cfg<unknown>(config, 'padding', 'valid') === 'same' ? 'same' : 'valid');
const CAUSAL = { causal: "tfjs-layers' Conv1D throws NotImplementedError on it" };

function stepsInput(x: number[], fault: Fault): void {
  if (x.length !== 2) throw fault(`needs [steps, channels] input, got ${json(x)}`);
}

function conv1DShape(ins: number[][], ctx: ShapeContext): number[] {
  const { config: c, fault } = ctx,
    x = ins[0]!;
  stepsInput(x, fault);
  channelsLastOnly(c, fault);
  checkActivation(c, fault);
  const k = ctx.weightShape('kernel')!;
  if (k.length !== 3) throw fault(`kernel has shape ${json(k)}; a Conv1D kernel is [width, in channels, filters]`);
  const [ks] = positiveInts(cfg(c, 'kernel_size', k[0]), 1, 'kernel_size', fault);
  if (ks !== k[0]) throw fault(`kernel_size ${json(cfg(c, 'kernel_size', k[0]))} does not match its kernel ${json(k)}`);
  const filters = cfg<unknown>(c, 'filters', k[2]);
  if (filters !== k[2]) throw fault(`filters ${json(filters)} does not match its kernel ${json(k)} (${k[2]} filters)`);
  if (x[1] !== k[1]) throw fault(`input has ${x[1]} channels ${json(x)} but the kernel ${json(k)} expects ${k[1]}`);
  const s = positiveInts(cfg(c, 'strides', 1), 1, 'strides', fault);
  const d = positiveInts(cfg(c, 'dilation_rate', 1), 1, 'dilation_rate', fault);
  stridesOrDilation(s, d, fault);
  const pad = paddingOf(c, fault, CAUSAL);
  checkBias(ctx.weightShape('bias'), k[2]!, fault);
  return [windowOut(x[0]!, (k[0]! - 1) * d[0]! + 1, s[0]!, pad, `the width-${k[0]} kernel with dilation_rate ${d[0]}`, fault, d[0]! > 1), k[2]!];
}

const conv1D: LayerOp = {
  params: (c) => [
    { param: 'kernel', role: 'kernel', trainable: true, filterAxis: -1 },
    ...(cfg(c, 'use_bias', true) ? [{ param: 'bias', role: 'bias' as const, trainable: true, filterAxis: null }] : []),
  ],
  forward: ([x], w, c, where) => {
    const y = tf.conv1d(x as tf.Tensor3D, w.kernel as tf.Tensor3D, one(cfg(c, 'strides', 1)), padOf(c), 'NWC', one(cfg(c, 'dilation_rate', 1)));
    return activationFn(cfg(c, 'activation', 'linear'), where)(w.bias ? tf.add(y, w.bias) : y);
  },
  outputShape: conv1DShape,
};

function pool1D(kind: 'max' | 'avg'): LayerOp {
  return {
    params: () => [],
    forward: ([x], _w, c) => {
      const k = one(cfg(c, 'pool_size', 2)),
        s = one(cfg(c, 'strides', k));
      const fn = kind === 'max' ? tf.maxPool : tf.avgPool;
      return tf.squeeze(fn(tf.expandDims(x!, 2) as tf.Tensor4D, [k, 1], [s, 1], padOf(c)), [2]);
    },
    outputShape: (ins, { config: c, fault }) => {
      const x = ins[0]!;
      stepsInput(x, fault);
      channelsLastOnly(c, fault);
      const [k] = positiveInts(cfg(c, 'pool_size', 2), 1, 'pool_size', fault);
      const [s] = positiveInts(cfg(c, 'strides', k), 1, 'strides', fault);
      return [windowOut(x[0]!, k!, s!, paddingOf(c, fault), `pool_size ${k}`, fault), x[1]!];
    },
  };
}

function globalPool1D(kind: 'max' | 'avg'): LayerOp {
  return {
    params: () => [],
    forward: ([x]) => (kind === 'max' ? tf.max(x!, 1) : tf.mean(x!, 1)),
    outputShape: (ins, { config: c, fault }) => {
      const x = ins[0]!;
      stepsInput(x, fault);
      channelsLastOnly(c, fault);
      if (cfg(c, 'keepdims', false) !== false)
        throw fault(`keepdims ${json(cfg(c, 'keepdims', false))} is not supported: tfjs-layers ignores it and drops the steps axis`);
      return [x[1]!];
    },
  };
}

export const ONE_D_LAYERS: Record<string, LayerOp> = {
  Conv1D: conv1D,
  MaxPooling1D: pool1D('max'),
  AveragePooling1D: pool1D('avg'),
  GlobalMaxPooling1D: globalPool1D('max'),
  GlobalAveragePooling1D: globalPool1D('avg'),
};
