/**
 * LayerNormalization as tfjs-layers 4.x computes it: moments of each sample over `axis`
 * (mean, then the mean of the squared deviation), y = (x − mean)·rsqrt(var + ε)·γ + β, γ and β
 * shaped like the normalized axes (in `axis` order) and reshaped onto them. Written with Mean,
 * Sub, Square, Rsqrt, Mul and Add, whose stock gradients are twice differentiable
 * (second-order-gradients.ts). The batch axis is refused: a sample's output would depend on
 * the rest of its batch, so the loss would not be a sum over samples.
 */
import tf from '../../tf.cjs';
import { cfg, type LayerOp, type ParamDecl, type ShapeContext } from '../layer-op.js';

const fmt = (s: unknown) => JSON.stringify(s);

/** The normalized axes of an input of `rank` (with the batch axis), in config order, or null when malformed. */
export function layerNormAxes(config: any, rank: number): number[] | null {
  const raw = cfg<unknown>(config, 'axis', -1);
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || !list.every((a) => Number.isSafeInteger(a))) return null;
  const axes = (list as number[]).map((a) => (a < 0 ? a + rank : a));
  return axes.every((a) => a >= 1 && a < rank) && new Set(axes).size === axes.length ? axes : null;
}

const params = (config: any): ParamDecl[] => [
  ...(cfg(config, 'scale', true) ? [{ param: 'gamma', role: 'gamma' as const, trainable: true, filterAxis: null }] : []),
  ...(cfg(config, 'center', true) ? [{ param: 'beta', role: 'beta' as const, trainable: true, filterAxis: null }] : []),
];

function outputShape([x]: number[][], ctx: ShapeContext): number[] {
  const c = ctx.config,
    rank = x!.length + 1;
  const axes = layerNormAxes(c, rank);
  if (!axes) throw ctx.fault(`axis ${fmt(cfg(c, 'axis', -1))} must be distinct axes of the input's ${rank} (not the batch axis 0)`);
  const eps = cfg<unknown>(c, 'epsilon', 1e-3);
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw ctx.fault(`epsilon ${fmt(eps)} must be a finite number ≥ 0`);
  if (cfg(c, 'rms_scaling', false)) throw ctx.fault('rms_scaling: tfjs-layers 4.x ignores it (it always centres), so the checkpoint cannot be run as saved');
  const want = axes.map((a) => x![a - 1]!);
  for (const p of ['gamma', 'beta']) {
    const s = ctx.weightShape(p);
    if (s && fmt(s) !== fmt(want)) throw ctx.fault(`${p} has shape ${fmt(s)}; it must be ${fmt(want)} (the normalized axes ${fmt(axes)})`);
  }
  return x!;
}

function forward(x: tf.Tensor, w: Record<string, tf.Tensor>, config: any): tf.Tensor {
  const axes = layerNormAxes(config, x.rank)!;
  const mean = tf.mean(x, axes, true);
  const dev = tf.sub(x, mean);
  const variance = tf.mean(tf.square(dev), axes, true);
  let y = tf.mul(dev, tf.rsqrt(tf.add(variance, cfg(config, 'epsilon', 1e-3))));
  // tfjs-layers reshapes γ and β (axis-ordered) onto the normalized axes, as Keras does
  const shape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  if (w.gamma) y = tf.mul(y, tf.reshape(w.gamma, shape));
  if (w.beta) y = tf.add(y, tf.reshape(w.beta, shape));
  return y;
}

export const NORMALIZATION_LAYERS = {
  LayerNormalization: { params, forward: ([x], w, c) => forward(x!, w, c), outputShape },
} satisfies Record<string, LayerOp>;
