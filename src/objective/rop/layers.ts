/**
 * Layer rules of the forward-over-reverse HVP (hvp.ts). Forward, a layer maps its input pair
 * (x, R{x}) to its output pair; backward, the output's gradient pair (g, R{g}) to the input's and
 * to R{∂L/∂w} for each of its trainable weights — the Hessian-vector product's block.
 * For a layer z = op(x, W) bilinear in (x, W) (Dense, Conv2D), with V the weight's tangent:
 *   R{z} = op(R{x}, W) + op(x, V) (+ V_b)
 *   g_x = op_xᵀ(g_z, W),  R{g_x} = op_xᵀ(R{g_z}, W) + op_xᵀ(g_z, V)
 *   R{g_W} = op_Wᵀ(R{x}, g_z) + op_Wᵀ(x, R{g_z}),  R{g_b} = Σ R{g_z}
 * The transposed ops are the registered first-order gradients (src/objective/gradients: the
 * native backward kernels or the im2col forms), so each product runs on the fastest kernel the
 * tape would take.
 */
import * as tf from '@tensorflow/tfjs';
import { cfg } from '../../model/layer-ops.js';
import { canonicalActivation } from '../../model/activations.js';
import { maxPoolFrame } from '../gradients/pool.js';
import { ACTS, add, leaky, type Dual, type Maybe } from './dual.js';

export interface LayerStep {
  out: Dual;
  /** @param needInput whether an earlier layer has weights (else the input's gradient is skipped) */
  back(g: Dual, needInput: boolean): { gx: Dual | null; hv: Record<string, tf.Tensor> };
}
type Weights = Record<string, tf.Tensor>;
type Tangents = Record<string, Maybe>;
export type Rule = (x: Dual, w: Weights, v: Tangents, config: any) => LayerStep;

const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]);
const act = (config: any) => ACTS[canonicalActivation(cfg(config, 'activation', 'linear'))]!;

/** R{z} + V_b, broadcast to z's shape when the rest of R{z} is zero. */
function withBias(rz: Maybe, vb: Maybe, shape: number[]): Maybe {
  if (!vb) return rz;
  return rz ? tf.add(rz, vb) : tf.broadcastTo(vb, shape);
}

/** A bilinear layer z = op(x, W) + b followed by its activation, given op and its two transposes. */
function bilinear(x: Dual, w: Weights, v: Tangents, config: any, ops: {
  fwd(x: tf.Tensor, k: tf.Tensor, bias?: tf.Tensor): tf.Tensor;
  dx(dz: tf.Tensor, k: tf.Tensor): tf.Tensor;
  dw(x: tf.Tensor, dz: tf.Tensor): tf.Tensor;
  biasAxes: number[];
}): LayerStep {
  const W = w.kernel!, V = v.kernel ?? null, vb = v.bias ?? null;
  const zy = ops.fwd(x.y, W, w.bias);
  const zr = withBias(add(x.r && ops.fwd(x.r, W), V && ops.fwd(x.y, V)), vb, zy.shape);
  const a = act(config)({ y: zy, r: zr });
  return {
    out: a.out,
    back: (g, needInput) => {
      const gz = a.back(g);
      const hv: Record<string, tf.Tensor> = {};
      if (V) hv.kernel = add(x.r && ops.dw(x.r, gz.y), gz.r && ops.dw(x.y, gz.r)) ?? tf.zerosLike(W);
      if (vb) hv.bias = gz.r ? tf.sum(gz.r, ops.biasAxes) : tf.zerosLike(vb);
      const gx = needInput ? { y: ops.dx(gz.y, W), r: add(gz.r && ops.dx(gz.r, W), V && ops.dx(gz.y, V)) } : null;
      return { gx, hv };
    },
  };
}

const dense: Rule = (x, w, v, config) => bilinear(x, w, v, config, {
  fwd: (xx, k, bias) => tf.fused.matMul({ a: xx as tf.Tensor2D, b: k as tf.Tensor2D, bias }),
  dx: (dz, k) => tf.matMul(dz as tf.Tensor2D, k as tf.Tensor2D, false, true),
  dw: (xx, dz) => tf.matMul(xx as tf.Tensor2D, dz as tf.Tensor2D, true, false),
  biasAxes: [0],
});

const conv2d: Rule = (x, w, v, config) => {
  const strides = pair(cfg(config, 'strides', 1)), dilations = pair(cfg(config, 'dilation_rate', 1));
  const pad = cfg<'same' | 'valid'>(config, 'padding', 'valid');
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
  const grad = tf.getGradient('Conv2D')!.gradFunc;
  return bilinear(x, w, v, config, {
    fwd: (xx, k, bias) => tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: k as tf.Tensor4D, strides, pad, dataFormat: 'NHWC', dilations, bias }),
    dx: (dz, k) => grad(dz, [x.y, k], attrs).x!(),
    dw: (xx, dz) => grad(dz, [xx, w.kernel!], attrs).filter!(),
    biasAxes: [0, 1, 2],
  });
};

function poolArgs(config: any) {
  const size = pair(cfg(config, 'pool_size', 2));
  return { size, strides: pair(cfg(config, 'strides', size)), pad: cfg<'same' | 'valid'>(config, 'padding', 'valid') };
}

const maxPool: Rule = (x, _w, _v, config) => {
  const { size, strides, pad } = poolArgs(config);
  const y = tf.maxPool(x.y as tf.Tensor4D, size, strides, pad);
  const frame = maxPoolFrame(x.y as tf.Tensor4D, y, { filterSize: size, strides, pad });
  if (!frame) throw new Error('forward-over-reverse HVP: max pool without a tile frame (ropSupport should have refused it)');
  return {
    out: { y, r: x.r && frame.tangent(x.r as tf.Tensor4D) },
    back: (g, needInput) => ({ gx: needInput ? { y: frame.inputGrad(g.y as tf.Tensor4D), r: g.r && frame.inputGrad(g.r as tf.Tensor4D) } : null, hv: {} }),
  };
};

const avgPool: Rule = (x, _w, _v, config) => {
  const { size, strides, pad } = poolArgs(config);
  const attrs = { filterSize: size, strides, pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
  const grad = (dy: tf.Tensor) => tf.getGradient('AvgPool')!.gradFunc(dy, [x.y], attrs).x!();
  const pool = (t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, size, strides, pad);
  return {
    out: { y: pool(x.y), r: x.r && pool(x.r) },
    back: (g, needInput) => ({ gx: needInput ? { y: grad(g.y), r: g.r && grad(g.r) } : null, hv: {} }),
  };
};

/** A layer that only reshapes (Flatten, Reshape): the same reshape on every tensor of the pairs. */
function reshaping(shapeOf: (x: tf.Tensor, config: any) => number[]): Rule {
  return (x, _w, _v, config) => {
    const to = shapeOf(x.y, config), back = (t: tf.Tensor) => tf.reshape(t, x.y.shape);
    return {
      out: { y: tf.reshape(x.y, to), r: x.r && tf.reshape(x.r, to) },
      back: (g, needInput) => ({ gx: needInput ? { y: back(g.y), r: g.r && back(g.r) } : null, hv: {} }),
    };
  };
}

const identity: Rule = (x) => ({ out: x, back: (g, needInput) => ({ gx: needInput ? g : null, hv: {} }) });

function activation(pick: (config: any) => (z: Dual) => { out: Dual; back(g: Dual): Dual }): Rule {
  return (x, _w, _v, config) => {
    const a = pick(config)(x);
    return { out: a.out, back: (g, needInput) => ({ gx: needInput ? a.back(g) : null, hv: {} }) };
  };
}

/**
 * Inference BatchNormalization over the last axis, affine in x and in (γ, β) with the moving
 * statistics fixed: y = (x − μ)·γ·r + β, r = 1/√(σ² + ε). R{y} = R{x}·γr + (x − μ)·r·V_γ + V_β;
 * g_x = g_y·γr, R{g_x} = R{g_y}·γr + g_y·r·V_γ; R{g_γ} = Σ r·(R{x}·g_y + (x − μ)·R{g_y}), R{g_β} = Σ R{g_y}.
 */
const batchNorm: Rule = (x, w, v, config) => {
  const r = tf.rsqrt(tf.add(w.moving_variance!, cfg(config, 'epsilon', 1e-3)));
  const scale = w.gamma ? tf.mul(r, w.gamma) : r, xc = tf.sub(x.y, w.moving_mean!);
  const vg = v.gamma ?? null, vb = v.beta ?? null;
  const y = w.beta ? tf.add(tf.mul(xc, scale), w.beta) : tf.mul(xc, scale);
  const ry = withBias(add(x.r && tf.mul(x.r, scale), vg && tf.mul(tf.mul(xc, r), vg)), vb, y.shape);
  const axes = x.y.shape.slice(0, -1).map((_, i) => i);
  return {
    out: { y, r: ry },
    back: (g, needInput) => {
      const hv: Record<string, tf.Tensor> = {};
      if (vg) hv.gamma = tf.sum(tf.mul(r, add(x.r && tf.mul(x.r, g.y), g.r && tf.mul(xc, g.r)) ?? tf.zerosLike(xc)), axes);
      if (vb) hv.beta = g.r ? tf.sum(g.r, axes) : tf.zerosLike(vb);
      const gx = needInput ? { y: tf.mul(g.y, scale), r: add(g.r && tf.mul(g.r, scale), vg && tf.mul(tf.mul(g.y, r), vg)) } : null;
      return { gx, hv };
    },
  };
};

const globalAvgPool: Rule = (x) => {
  const [n, h, wd, c] = x.y.shape as [number, number, number, number];
  const back = (t: tf.Tensor) => tf.broadcastTo(tf.reshape(tf.div(t, h * wd), [n, 1, 1, c]), [n, h, wd, c]);
  return {
    out: { y: tf.mean(x.y, [1, 2]), r: x.r && tf.mean(x.r, [1, 2]) },
    back: (g, needInput) => ({ gx: needInput ? { y: back(g.y), r: g.r && back(g.r) } : null, hv: {} }),
  };
};

/** Rules by layer class; ropSupport (hvp.ts) checks each layer's config against what its rule covers. */
export const RULES: Record<string, Rule> = {
  InputLayer: identity, Dropout: identity, SpatialDropout1D: identity, GaussianNoise: identity, GaussianDropout: identity, AlphaDropout: identity,
  Dense: dense,
  Conv2D: conv2d,
  MaxPooling2D: maxPool,
  AveragePooling2D: avgPool,
  Flatten: reshaping((x) => [x.shape[0], x.size / x.shape[0]]),
  Reshape: reshaping((x, c) => [x.shape[0], ...cfg<number[]>(c, 'target_shape', [])]),
  Activation: activation((c) => ACTS[canonicalActivation(cfg(c, 'activation', 'linear'))]!),
  ReLU: activation((c) => ACTS[cfg<number | null>(c, 'max_value', null) === 6 ? 'relu6' : 'relu']!), // as layer-ops.ts reads it
  LeakyReLU: activation((c) => leaky(cfg(c, 'alpha', 0.3))),
  ELU: activation(() => ACTS.elu!), // alpha 1 (layer-ops.ts refuses others)
  Softmax: activation(() => ACTS.softmax!),
  BatchNormalization: batchNorm, // over the last axis (ropSupport refuses others)
  GlobalAveragePooling2D: globalAvgPool,
};
