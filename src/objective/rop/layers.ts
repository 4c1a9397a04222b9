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
import tf from '../../tf.cjs';
import { cfg, convPoolFilter, convPoolKeeping } from '../../model/layer-ops.js';
import { canonicalActivation } from '../../model/activations.js';
import { maxPoolFrame } from '../gradients/pool.js';
import { ACTS, add, leaky, type Dual, type Maybe, type Routed } from './dual.js';
import { fusedConvForward } from '../../kernels/conv-grad-mode.js';

export interface LayerStep {
  out: Dual;
  /**
   * @param needInput whether an earlier layer has weights (else the input's gradient is skipped)
   * @param wantGrad whether to return ∂L/∂w of the layer's weights as well (gw)
   */
  back(g: Dual, needInput: boolean, wantGrad: boolean): { gx: Dual | null; hv: Record<string, tf.Tensor>; gw: Record<string, tf.Tensor> };
}
type Weights = Record<string, tf.Tensor>;
type Tangents = Record<string, Maybe>;
/** next: the layer after this one (a conv may make a max pool's output with its own). */
export type Rule = (x: Dual, w: Weights, v: Tangents, config: any, next?: { className: string; config: any }) => LayerStep;

const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]);
const actName = (config: any) => canonicalActivation(cfg(config, 'activation', 'linear'));

/** R{z} + V_b, broadcast to z's shape when the rest of R{z} is zero. */
function withBias(rz: Maybe, vb: Maybe, shape: number[]): Maybe {
  if (!vb) return rz;
  return rz ? tf.add(rz, vb) : tf.broadcastTo(vb, shape);
}

/**
 * A bilinear layer z = op(x, W) + b and its activation. The output is computed with exactly the
 * ops of model/layer-ops.ts (so a loss from this pass equals the loss pass's to the bit); `fused`,
 * when given, is layer-ops' one-kernel form of op + bias + relu/linear, whose relu mask is read
 * off the output (y > 0 ⇔ z > 0).
 */
export function bilinear(
  x: Dual,
  w: Weights,
  v: Tangents,
  config: any,
  ops: {
    fwd(x: tf.Tensor, k: tf.Tensor): tf.Tensor;
    fused?: (x: tf.Tensor, k: tf.Tensor, bias: tf.Tensor, act: 'relu' | 'linear') => tf.Tensor;
    /** The fused form's output and the next layer's max pool of it from one kernel, or null. */
    fusedPool?: (x: tf.Tensor) => { y: tf.Tensor; pooled: tf.Tensor } | null;
    /** The weights' gradients from that pool's gradient without its input gradient (Dual.routed), or null. */
    dwRouted?: (x: tf.Tensor, routed: Routed) => { dw: tf.Tensor; db: tf.Tensor } | null;
    dx(dz: tf.Tensor, k: tf.Tensor): tf.Tensor;
    dw(x: tf.Tensor, dz: tf.Tensor): tf.Tensor;
    biasAxes: number[];
  },
): LayerStep {
  const W = w.kernel!,
    V = v.kernel ?? null,
    vb = v.bias ?? null,
    name = actName(config);
  const fusedOk = ops.fused && w.bias && (name === 'relu' || name === 'linear');
  // a first layer (x has no tangent): R{z} = op(x, V) + V_b in the one-kernel form, where it fuses exactly (the
  // same float32 sums, then the same add) — one pass over z fewer (LeNet's first conv: 195×28×28×16 values)
  const first = !x.r && V && vb && ops.fused ? ops.fused(x.y, V, vb, 'linear') : null;
  const zr0 = first ? null : add(x.r && ops.fwd(x.r, W), V && ops.fwd(x.y, V));
  const rz = (shape: number[]) => first ?? withBias(zr0, vb, shape);
  let a: { out: Dual; back(g: Dual): Dual };
  if (fusedOk) {
    const both = ops.fusedPool?.(x.y) ?? null;
    const y = both ? both.y : ops.fused!(x.y, W, w.bias!, name as 'relu' | 'linear');
    a = name === 'relu' ? reluOfOutput(y, rz(y.shape)) : { out: { y, r: rz(y.shape) }, back: (g) => g };
    if (both) a.out.pooled = both.pooled;
  } else {
    let zy = ops.fwd(x.y, W);
    if (w.bias) zy = tf.add(zy, w.bias);
    a = ACTS[name]!({ y: zy, r: rz(zy.shape) });
  }
  return {
    out: a.out,
    back: (g, needInput, wantGrad) => {
      const gz = a.back(g);
      const hv: Record<string, tf.Tensor> = {},
        gw: Record<string, tf.Tensor> = {};
      // a first layer (no input tangent) under the max pool it feeds: its Hv block is the weights' gradient of the routed
      // R{g} — both from the pool's R{dy} in one kernel, R{g_z} never made
      const routedR = !x.r && (V || vb) && gz.routedR?.frame === a.out.y ? ops.dwRouted?.(x.y, gz.routedR) : null;
      if (V) hv.kernel = routedR ? routedR.dw : (add(x.r && ops.dw(x.r, gz.y), gz.r && ops.dw(x.y, gz.r)) ?? tf.zerosLike(W));
      if (vb) hv.bias = routedR ? routedR.db : gz.r ? tf.sum(gz.r, ops.biasAxes) : tf.zerosLike(vb);
      // a first layer under the max pool it feeds: both gradients from the pool's, its input gradient never made
      const routed = wantGrad && !needInput && !V && !vb && gz.routed?.frame === a.out.y ? ops.dwRouted?.(x.y, gz.routed) : null;
      if (routed) {
        gw.kernel = routed.dw;
        if (w.bias) gw.bias = routed.db;
      } else if (wantGrad) {
        gw.kernel = ops.dw(x.y, gz.y);
        if (w.bias) gw.bias = tf.sum(gz.y, ops.biasAxes);
      }
      // each dual made when read: below a first layer's input (no tangent there) nothing reads the primal g_x when only Hv is
      // wanted — LeNet's HVP runs one input-gradient convolution of its second conv fewer
      const gx = needInput
        ? lazyDual(
            () => ops.dx(gz.y, W),
            () => add(gz.r && ops.dx(gz.r, W), V && ops.dx(gz.y, V)),
          )
        : null;
      return { gx, hv, gw };
    },
  };
}

/**
 * relu from its output y (the fused conv's): mask step(y), the same as step(z), made only when
 * used. A gradient already masked for y (a max pool over y folded the mask into its share) passes
 * through unmultiplied: a training step's gradient then runs neither the Step nor the Multiply.
 */
function reluOfOutput(y: tf.Tensor, rz: Maybe) {
  let m: tf.Tensor | undefined;
  const mask = () => (m ??= tf.step(y));
  const out = lazily({ y, reluOutput: true, rPre: rz } as Dual, 'r', () => rz && tf.mul(mask(), rz));
  return {
    out,
    back: (g: Dual): Dual => (g.maskedFor === y ? g : { y: tf.mul(mask(), g.y), r: g.r && tf.mul(mask(), g.r) }), // g as is: its y may be made only when read
  };
}

const dense: Rule = (x, w, v, config) =>
  bilinear(x, w, v, config, {
    fwd: (xx, k) => tf.matMul(xx as tf.Tensor2D, k as tf.Tensor2D),
    fused: fusedConvForward() ? (xx, k, bias, activation) => tf.fused.matMul({ a: xx as tf.Tensor2D, b: k as tf.Tensor2D, bias, activation }) : undefined, // layer-ops.ts's inference form
    dx: (dz, k) => tf.matMul(dz as tf.Tensor2D, k as tf.Tensor2D, false, true),
    dw: (xx, dz) => tf.matMul(xx as tf.Tensor2D, dz as tf.Tensor2D, true, false),
    biasAxes: [0],
  });

const conv2d: Rule = (x, w, v, config, next) => {
  const strides = pair(cfg(config, 'strides', 1)),
    dilations = pair(cfg(config, 'dilation_rate', 1));
  const pad = cfg<'same' | 'valid'>(config, 'padding', 'valid');
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
  const grad = tf.getGradient('Conv2D')!.gradFunc;
  return bilinear(x, w, v, config, {
    fwd: (xx, k) => tf.conv2d(xx as tf.Tensor4D, k as tf.Tensor4D, strides, pad, 'NHWC', dilations),
    // layer-ops.ts's inference form (no tape: always so here), where the installed kernels fuse exactly
    fused: fusedConvForward()
      ? (xx, k, bias, activation) =>
          tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: k as tf.Tensor4D, strides, pad, dataFormat: 'NHWC', dilations, bias, activation })
      : undefined,
    // a max pool next: the conv's output pooled in the same kernel, while in cache (the same values)
    fusedPool: next?.className === 'MaxPooling2D' ? (xx) => convPoolKeeping(xx, w, config, next.config, 'a conv before its max pool') : undefined,
    dwRouted: (xx, r) => convPoolFilter(xx, r, w.kernel!.shape, { strides, pad, dilations }),
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
  const y = (x.pooled as tf.Tensor4D | undefined) ?? tf.maxPool(x.y as tf.Tensor4D, size, strides, pad); // pooled: made by the conv before
  // over a relu's output, the share takes in the relu's mask (x.r is already masked: the tangent is unchanged)
  const positive = x.reluOutput === true;
  const frame = maxPoolFrame(x.y as tf.Tensor4D, y, { filterSize: size, strides, pad }, positive);
  if (!frame) throw new Error('forward-over-reverse HVP: max pool without a tile frame (ropSupport should have refused it)');
  const masked = positive ? { maskedFor: x.y } : {};
  // the share is zero wherever step(x.y) is (and step is 1 at every max it shares): gathering the unmasked tangent
  // gives the same pooled tangent without the Step and Multiply over the relu's output
  const tin = positive && x.rPre !== undefined ? x.rPre : x.r;
  return {
    out: { y, r: tin && frame.tangent(tin as tf.Tensor4D) },
    // a gradient alone (no tangent in or out) routes dy through the window maxima in one kernel, when read
    back: (g, needInput) => {
      if (!needInput) return { gx: null, hv: {}, gw: {} };
      // dy read only with the route: the primal dy may itself be made only when read (lazyDual)
      const routed = (dy: () => tf.Tensor) => (x.pooled ? () => ({ frame: x.y, dy: dy(), kH: size[0], kW: size[1], positive }) : undefined);
      // inputGradOnce spreads through the share where the tangent made one, else routes dy in one kernel: the same bits
      const gr = g.r;
      return {
        gx: routedGradient(
          () => frame.inputGradOnce(g.y as tf.Tensor4D),
          gr && (() => frame.inputGrad(gr as tf.Tensor4D)),
          masked,
          routed(() => g.y),
          gr ? routed(() => gr) : undefined,
        ),
        hv: {},
        gw: {},
      };
    },
  };
};

/** `o` with `key` made by `make` when first read, then kept (an enumerable getter). */
function lazily<T extends object, K extends keyof T>(o: T, key: K, make: () => T[K]): T {
  let made = false,
    value: T[K];
  Object.defineProperty(o, key, { get: () => (made ? value : ((made = true), (value = make()))), enumerable: true });
  return o;
}

/** A gradient pair whose y and r are each made when first read (and then kept). */
function lazyDual(makeY: () => tf.Tensor, makeR: () => Maybe): Dual {
  return lazily(lazily({} as Dual, 'y', makeY), 'r', makeR);
}

/**
 * A max pool's input gradient pair, each made when first read; with `routed` / `routedR` (the conv
 * before made the pool in its kernel: the windows tile its output) that conv may take its weights'
 * gradients, or its Hv block, from the pool's dy or R{dy} without them.
 */
function routedGradient(
  make: () => tf.Tensor,
  makeR: (() => tf.Tensor) | null,
  masked: { maskedFor?: tf.Tensor },
  routed: (() => Routed) | undefined,
  routedR: (() => Routed) | undefined,
): Dual {
  const d = Object.assign(
    lazyDual(make, () => (makeR ? makeR() : null)),
    masked,
  );
  if (routed) lazily(d, 'routed', routed);
  if (routedR) lazily(d, 'routedR', routedR);
  return d;
}

const avgPool: Rule = (x, _w, _v, config) => {
  const { size, strides, pad } = poolArgs(config);
  const attrs = { filterSize: size, strides, pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
  const grad = (dy: tf.Tensor) => tf.getGradient('AvgPool')!.gradFunc(dy, [x.y], attrs).x!();
  const pool = (t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, size, strides, pad);
  return {
    out: { y: pool(x.y), r: x.r && pool(x.r) },
    back: (g, needInput) => ({ gx: needInput ? { y: grad(g.y), r: g.r && grad(g.r) } : null, hv: {}, gw: {} }),
  };
};

/** A layer that only reshapes (Flatten, Reshape): the same reshape on every tensor of the pairs. */
function reshaping(shapeOf: (x: tf.Tensor, config: any) => number[]): Rule {
  return (x, _w, _v, config) => {
    const to = shapeOf(x.y, config),
      back = (t: tf.Tensor) => tf.reshape(t, x.y.shape);
    return {
      out: { y: tf.reshape(x.y, to), r: x.r && tf.reshape(x.r, to) },
      back: (g, needInput) => ({ gx: needInput ? { y: back(g.y), r: g.r && back(g.r) } : null, hv: {}, gw: {} }),
    };
  };
}

const identity: Rule = (x) => ({ out: x, back: (g, needInput) => ({ gx: needInput ? g : null, hv: {}, gw: {} }) });

function activation(pick: (config: any) => (z: Dual) => { out: Dual; back(g: Dual): Dual }): Rule {
  return (x, _w, _v, config) => {
    const a = pick(config)(x);
    return { out: a.out, back: (g, needInput) => ({ gx: needInput ? a.back(g) : null, hv: {}, gw: {} }) };
  };
}

/**
 * Inference BatchNormalization over the last axis, affine in x and in (γ, β) with the moving
 * statistics fixed: y = (x − μ)·γ·r + β, r = 1/√(σ² + ε). R{y} = R{x}·γr + (x − μ)·r·V_γ + V_β;
 * g_x = g_y·γr, R{g_x} = R{g_y}·γr + g_y·r·V_γ; R{g_γ} = Σ r·(R{x}·g_y + (x − μ)·R{g_y}), R{g_β} = Σ R{g_y}.
 */
const batchNorm: Rule = (x, w, v, config) => {
  const r = tf.rsqrt(tf.add(w.moving_variance!, cfg(config, 'epsilon', 1e-3)));
  const scale = w.gamma ? tf.mul(r, w.gamma) : r,
    xc = tf.sub(x.y, w.moving_mean!);
  const vg = v.gamma ?? null,
    vb = v.beta ?? null;
  const y = w.beta ? tf.add(tf.mul(xc, scale), w.beta) : tf.mul(xc, scale);
  const ry = withBias(add(x.r && tf.mul(x.r, scale), vg && tf.mul(tf.mul(xc, r), vg)), vb, y.shape);
  const axes = x.y.shape.slice(0, -1).map((_, i) => i);
  return {
    out: { y, r: ry },
    back: (g, needInput, wantGrad) => {
      const hv: Record<string, tf.Tensor> = {},
        gw: Record<string, tf.Tensor> = {};
      if (wantGrad && w.gamma) gw.gamma = tf.sum(tf.mul(tf.mul(xc, r), g.y), axes);
      if (wantGrad && w.beta) gw.beta = tf.sum(g.y, axes);
      if (vg) hv.gamma = tf.sum(tf.mul(r, add(x.r && tf.mul(x.r, g.y), g.r && tf.mul(xc, g.r)) ?? tf.zerosLike(xc)), axes);
      if (vb) hv.beta = g.r ? tf.sum(g.r, axes) : tf.zerosLike(vb);
      const gx = needInput ? { y: tf.mul(g.y, scale), r: add(g.r && tf.mul(g.r, scale), vg && tf.mul(tf.mul(g.y, r), vg)) } : null;
      return { gx, hv, gw };
    },
  };
};

const globalAvgPool: Rule = (x) => {
  const [n, h, wd, c] = x.y.shape as [number, number, number, number];
  const back = (t: tf.Tensor) => tf.broadcastTo(tf.reshape(tf.div(t, h * wd), [n, 1, 1, c]), [n, h, wd, c]);
  return {
    out: { y: tf.mean(x.y, [1, 2]), r: x.r && tf.mean(x.r, [1, 2]) },
    back: (g, needInput) => ({ gx: needInput ? { y: back(g.y), r: g.r && back(g.r) } : null, hv: {}, gw: {} }),
  };
};

/** The rules of this file by layer class; rules.ts adds the recurrent and depthwise ones. */
export const BASE_RULES: Record<string, Rule> = {
  InputLayer: identity,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
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
