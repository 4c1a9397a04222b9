/**
 * MaxPool / AvgPool gradients composed of differentiable ops (pad, slice, reshape, mul,
 * reduce), replacing the MaxPoolGrad / AvgPoolGrad kernels, which have no gradients (so
 * double backprop threw) and which on wasm give wrong values for windows whose maximum is
 * negative. NHWC, 'same' / 'valid' padding, any pool size and stride.
 *
 * x is padded to P = (k−1) + Ho·s rows/cols (−∞ for max, so padding never wins; 0 for avg).
 * - pool size == stride (the common case): windows tile x padded or cropped to Ho·k × Wo·k
 *   (usually x itself), so one reshape to [N, Ho, k, Wo, k, C] exposes them; dx = dy broadcast over each window × weights.
 * - otherwise (overlapping or gapped windows): the k² strided "patches" xp[a + i·s, b + j·s]
 *   are taken with slice+reshape, and the gradient is scattered back through their transposes.
 * Weights: avg → 1/(number of in-bounds inputs of the window) (tfjs's 'same' convention);
 * max → mask(x == window max)/ (number of tied maxima): ties SPLIT dy evenly (stock tfjs
 * gives all of dy to the first maximum; both are valid subgradients; they agree without ties).
 * The mask is built with Equal, whose gradient is registered as zero: a constant, so the
 * second derivative of max pooling is exactly zero almost everywhere, as it should be.
 * On wasm and cpu the tiled max-pool case runs on the share/spread/gather kernels of
 * src/kernels/pool-share.ts instead (same values, ties split alike; LOSSLENS_POOL_GRAD=ops: this form).
 */
import tf from '../../tf.cjs';
import { padOrCrop4 } from './conv.js';
import { maxPoolShare, poolGather, poolRoute, poolShareAvailable, poolSpread, registerPoolShare } from '../../kernels/pool-share.js';
import { readConfig } from '../../config.js';

type Pair = [number, number];
const pair = (v: number | number[]): Pair => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]);

interface PoolGeometry {
  n: number;
  c: number;
  in: Pair;
  out: Pair;
  k: Pair;
  s: Pair;
  before: Pair;
  padded: Pair;
}

function poolGeometry(x: tf.Tensor, dy: tf.Tensor, attrs: Record<string, unknown>, kind: string): PoolGeometry {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as {
    filterSize: number | number[];
    strides: number | number[];
    pad: unknown;
    dimRoundingMode?: string;
  };
  if (pad !== 'same' && pad !== 'valid') throw new Error(`second-order ${kind} gradient: padding ${JSON.stringify(pad)} (only 'same', 'valid')`);
  if (dimRoundingMode != null) throw new Error(`second-order ${kind} gradient: dimRoundingMode is not supported`);
  if (x.rank !== 4) throw new Error(`second-order ${kind} gradient: rank-${x.rank} input (only NHWC rank 4)`);
  const k = pair(filterSize),
    s = pair(strides);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const inHW: Pair = [h, w],
    out: Pair = [dy.shape[1] as number, dy.shape[2] as number];
  const before = [0, 1].map((i) => (pad === 'same' ? Math.floor(Math.max(0, (out[i] - 1) * s[i] + k[i] - inHW[i]) / 2) : 0)) as Pair;
  const padded = [0, 1].map((i) => k[i] - 1 + out[i] * s[i]) as Pair;
  return { n, c, in: inHW, out, k, s, before, padded };
}

function padInput(x: tf.Tensor4D, g: PoolGeometry, value: number): tf.Tensor4D {
  return padOrCrop4(x, g.before[0], g.padded[0] - g.in[0] - g.before[0], g.before[1], g.padded[1] - g.in[1] - g.before[1], value);
}

/** Crop a padded-extent gradient [n, h', w', c] (h' ≤ padded) back to the input's frame. */
function cropToInput(d: tf.Tensor4D, g: PoolGeometry): tf.Tensor4D {
  const [, h, w] = d.shape;
  return padOrCrop4(d, -g.before[0], g.in[0] + g.before[0] - h, -g.before[1], g.in[1] + g.before[1] - w);
}

/** 1 / (in-bounds inputs per window), shape [Ho, Wo] as a constant. */
function inverseCounts(g: PoolGeometry): tf.Tensor2D {
  const along = (i: 0 | 1) =>
    Array.from({ length: g.out[i] }, (_, o) => {
      const lo = o * g.s[i] - g.before[i];
      return Math.min(g.in[i], lo + g.k[i]) - Math.max(0, lo);
    });
  const ch = along(0),
    cw = along(1);
  return tf.tensor2d(
    ch.flatMap((a) => cw.map((b) => 1 / (a * b))),
    [g.out[0], g.out[1]],
  );
}

/**
 * Windows of a pool-size == stride pool as [n, Ho, k, Wo, k, c]: x padded (or cropped) straight to
 * the Ho·k × Wo·k tiles, which is x itself in the common case (e.g. 28×28, pool 2, 'valid') —
 * wasm's strided Slice costs ~30 ns an element, 1/5 of a small CNN's HVP when it ran here.
 */
function windows6(x: tf.Tensor4D, g: PoolGeometry, value: number): tf.Tensor {
  const th = g.out[0] * g.k[0],
    tw = g.out[1] * g.k[1];
  const xt = padOrCrop4(x, g.before[0], th - g.in[0] - g.before[0], g.before[1], tw - g.in[1] - g.before[1], value);
  return tf.reshape(xt, [g.n, g.out[0], g.k[0], g.out[1], g.k[1], g.c]);
}

/** xp[a + i·s, b + j·s] for all output (i, j): [n, Ho, Wo, c]. */
function patch(xp: tf.Tensor4D, g: PoolGeometry, a: number, b: number): tf.Tensor4D {
  const [ho, wo] = g.out,
    [sh, sw] = g.s;
  const rows = tf.reshape(tf.slice(xp, [0, a, b, 0], [g.n, ho * sh, wo * sw, g.c]), [g.n, ho, sh, wo, sw, g.c]);
  return tf.reshape(tf.slice(rows, 0, [g.n, ho, 1, wo, 1, g.c]), [g.n, ho, wo, g.c]);
}

/** Transpose of `patch`: place v[i, j] at (a + i·s, b + j·s) of a zero padded-extent tensor. */
function scatter(v: tf.Tensor4D, g: PoolGeometry, a: number, b: number): tf.Tensor4D {
  const [ho, wo] = g.out,
    [sh, sw] = g.s;
  const spread = tf.pad(tf.reshape(v, [g.n, ho, 1, wo, 1, g.c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const grid = tf.reshape(spread, [g.n, ho * sh, wo * sw, g.c]) as tf.Tensor4D;
  return tf.pad(grid, [
    [0, 0],
    [a, g.padded[0] - a - ho * sh],
    [b, g.padded[1] - b - wo * sw],
    [0, 0],
  ]);
}

const offsets = (g: PoolGeometry) => Array.from({ length: g.k[0] * g.k[1] }, (_, i) => [Math.floor(i / g.k[1]), i % g.k[1]] as Pair);
const tiles = (g: PoolGeometry) => g.k[0] === g.s[0] && g.k[1] === g.s[1];

/** Whether the tiled max-pool gradient runs on the share/spread kernels (wasm, cpu); LOSSLENS_POOL_GRAD=ops keeps the composed form. */
export function usePoolKernels(): boolean {
  return readConfig().poolKernels && poolShareAvailable();
}

export function maxPoolInputGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: PoolGeometry): tf.Tensor4D {
  if (tiles(g) && usePoolKernels()) {
    // the same tie-splitting mask and product as below, as kernels (src/kernels/pool-share.ts)
    const th = g.out[0] * g.k[0],
      tw = g.out[1] * g.k[1];
    const xt = padOrCrop4(x, g.before[0], th - g.in[0] - g.before[0], g.before[1], tw - g.in[1] - g.before[1], -Infinity);
    const attrs = { kH: g.k[0], kW: g.k[1] };
    return cropToInput(poolSpread(dy, maxPoolShare(xt, attrs), attrs), g);
  }
  if (tiles(g)) {
    const w6 = windows6(x, g, -Infinity);
    // (w6 − max) == 0 rather than w6 == max: wasm's comparison kernels take a generic slow path
    // when broadcasting a rank-6 operand (600 ms against 18 ms for the Sub here, 2/3 of a small
    // CNN's gradient); a scalar comparand is fast. a − b == 0 ⇔ a == b for finite floats, and
    // no window is all padding (−∞ − −∞ would be NaN).
    const mask = tf.cast(tf.equal(tf.sub(w6, tf.max(w6, [2, 4], true)), 0), 'float32');
    const share = tf.div(mask, tf.sum(mask, [2, 4], true));
    const d6 = tf.mul(tf.reshape(dy, [g.n, g.out[0], 1, g.out[1], 1, g.c]), share);
    return cropToInput(tf.reshape(d6, [g.n, g.out[0] * g.k[0], g.out[1] * g.k[1], g.c]) as tf.Tensor4D, g);
  }
  const xp = padInput(x, g, -Infinity);
  const ps = offsets(g).map(([a, b]) => patch(xp, g, a, b));
  const m = ps.reduce((acc, p) => tf.maximum(acc, p));
  const masks = ps.map((p) => tf.cast(tf.equal(p, m), 'float32'));
  const perTie = tf.div(
    dy,
    masks.reduce((acc, q) => tf.add(acc, q)),
  );
  const parts = offsets(g).map(([a, b], i) => scatter(tf.mul(perTie, masks[i]) as tf.Tensor4D, g, a, b));
  return cropToInput(tf.addN(parts), g);
}

/** A max pool's tile frame (pool == stride, share kernels): its share once, and the maps through it. */
export interface MaxPoolFrame {
  /** Σ over each window of share·t: the pool's derivative along t (t shaped like the pool's input). */
  tangent(t: tf.Tensor4D): tf.Tensor4D;
  /** The input gradient of an upstream dy (the registered gradient's value). */
  inputGrad(dy: tf.Tensor4D): tf.Tensor4D;
  /**
   * inputGrad(dy) for a pass that needs no other map (a gradient without tangents): where the
   * share was not made yet, one route kernel that never writes it. The same values.
   */
  inputGradOnce(dy: tf.Tensor4D): tf.Tensor4D;
}

/**
 * The frame of y = maxPool(x) for the forward-over-reverse HVP (src/objective/rop), which needs
 * the pool's derivative both ways on the same share; null where the registered gradient takes a
 * form without share kernels (pool ≠ stride, LOSSLENS_POOL_GRAD=ops). `positive` (x a relu's output):
 * both maps take in the relu's mask step(x), which the relu's own backward may then skip.
 */
export function maxPoolFrame(x: tf.Tensor4D, y: tf.Tensor4D, attrs: Record<string, unknown>, positive = false): MaxPoolFrame | null {
  const g = poolGeometry(x, y, attrs, 'MaxPool');
  if (!tiles(g) || !usePoolKernels()) return null;
  const th = g.out[0] * g.k[0],
    tw = g.out[1] * g.k[1];
  const frame = (t: tf.Tensor4D, value: number) => padOrCrop4(t, g.before[0], th - g.in[0] - g.before[0], g.before[1], tw - g.in[1] - g.before[1], value);
  const a = { kH: g.k[0], kW: g.k[1] };
  let share: tf.Tensor4D | undefined; // made when first needed (a gradient alone never needs it)
  const shared = () => (share ??= maxPoolShare(frame(x, -Infinity), { ...a, positive }));
  return {
    tangent: (t) => poolGather(frame(t, 0), shared(), a),
    inputGrad: (dy) => cropToInput(poolSpread(dy, shared(), a), g),
    inputGradOnce: (dy) => cropToInput(share ? poolSpread(dy, share, a) : poolRoute(frame(x, -Infinity), dy, { ...a, positive }), g),
  };
}

export function avgPoolInputGrad(dy: tf.Tensor4D, g: PoolGeometry): tf.Tensor4D {
  const inv = inverseCounts(g);
  if (tiles(g)) {
    const spread = tf.mul(
      tf.reshape(tf.mul(dy, tf.reshape(inv, [1, g.out[0], g.out[1], 1])), [g.n, g.out[0], 1, g.out[1], 1, g.c]),
      tf.ones([1, 1, g.k[0], 1, g.k[1], 1]),
    );
    return cropToInput(tf.reshape(spread, [g.n, g.out[0] * g.k[0], g.out[1] * g.k[1], g.c]) as tf.Tensor4D, g);
  }
  const v = tf.mul(dy, tf.reshape(inv, [1, g.out[0], g.out[1], 1])) as tf.Tensor4D;
  return cropToInput(tf.addN(offsets(g).map(([a, b]) => scatter(v, g, a, b))), g);
}

export const POOL_KERNELS = ['MaxPool', 'AvgPool'];

export function registerPoolGradients(): void {
  registerPoolShare();
  tf.registerGradient({
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => maxPoolInputGrad(x as tf.Tensor4D, dy as tf.Tensor4D, poolGeometry(x, dy as tf.Tensor, attrs as Record<string, unknown>, 'MaxPool')),
    }),
  });
  tf.registerGradient({
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => avgPoolInputGrad(dy as tf.Tensor4D, poolGeometry(x, dy as tf.Tensor, attrs as Record<string, unknown>, 'AvgPool')),
    }),
  });
}
