/**
 * Max-pooling gradient kernels for pool size == stride (windows tile the input), registered for
 * wasm and cpu. The composed form in src/objective/gradients/pool.ts builds the tie-splitting
 * mask from rank-6 Max / Sub / Equal / Cast / Sum / RealDiv / Multiply, each a generic
 * broadcasting path on wasm (about 1/4 of a LeNet HVP); here it is three kernels, one pass each:
 *
 *   share  = maxPoolShare(xt)    1/(#ties) where xt equals its window's max, else 0; a constant
 *            (the mask's derivative is zero a.e.), so it is made off the gradient tape;
 *   spread(dy, share)[n, i·kh+a, j·kw+b, c] = dy[n, i, j, c] · share[n, i·kh+a, j·kw+b, c];
 *   gather(t, share)[n, i, j, c]  = Σ_ab t[n, i·kh+a, j·kw+b, c] · share[…]
 *   route(xt, dy) = spread(dy, share(xt)), bit for bit, in one pass: a gradient that needs the
 *            share once (no tangent) neither writes nor reads it (two passes over the frame fewer)
 *
 * spread and gather are linear in their first input and adjoint to each other, so each one's
 * gradient is the other: double backprop stays on these kernels. xt is the input in the tile
 * frame [N, Ho·kh, Wo·kw, C] (padded with −∞ or cropped by the caller).
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import { checkInputShape, checkPoolTiles } from './geometry-check.js';

export const POOL_SHARE = 'LosslensMaxPoolShare';
export const POOL_SPREAD = 'LosslensPoolSpread';
export const POOL_GATHER = 'LosslensPoolGather';
export const POOL_ROUTE = 'LosslensMaxPoolRoute';

export interface PoolTileAttrs {
  kH: number;
  kW: number;
}
/**
 * Share attrs. `positive`: the pooled input is a relu's output whose gradient mask step(x) the
 * share takes in (share·step(x)): windows whose max is ≤ 0 share nothing, so the relu's backward
 * need not multiply by its mask (rop/layers.ts). A NaN window stays NaN either way.
 */
export interface PoolShareAttrs extends PoolTileAttrs {
  positive?: boolean;
}

/**
 * Window counts and strides of a tile-frame tensor [N, Ho·kh, Wo·kw, C], refused (geometry-check.ts)
 * where the windows do not tile it; `pooled`, when given, must be [N, Ho, Wo, C] (dy), `frame` the tile's shape.
 */
function tileIndex(kernel: string, shape: number[], g: PoolTileAttrs, pooled?: tf.TensorInfo, frame?: tf.TensorInfo) {
  const { n, ho, wo, c } = checkPoolTiles(kernel, shape, g);
  if (pooled) checkInputShape(kernel, 'dy', pooled.shape, [n, ho, wo, c]);
  if (frame) checkInputShape(kernel, 'the share', frame.shape, shape);
  return { n, ho, wo, c, rowStride: shape[2]! * c };
}

function shareKernel(args: KernelArgs): tf.TensorInfo {
  return shareOrRoute(args, null);
}

/**
 * route(xt, dy): each window's share times the window's dy, the product spread makes
 * (dy · share, share ∈ {0, 1/ties, NaN} in float32): the same bits without the share array.
 */
function routeKernel(args: KernelArgs): tf.TensorInfo {
  return shareOrRoute(args, args.inputs.dy as tf.TensorInfo);
}

/** The share (dyInfo null: every window's dy taken as 1, which multiplies exactly) or the route. */
function shareOrRoute({ inputs, backend, attrs }: KernelArgs, dyInfo: tf.TensorInfo | null): tf.TensorInfo {
  const b = backend as AnyBackend,
    g = attrs as unknown as PoolShareAttrs;
  const xi = inputs.x as tf.TensorInfo;
  const positive = g.positive === true;
  const { n, ho, wo, c, rowStride } = tileIndex(dyInfo ? POOL_ROUTE : POOL_SHARE, xi.shape, g, dyInfo ?? undefined);
  const { info, data: o } = kernelOutput(b, xi.shape);
  const x = kernelInput(b, xi),
    dy = dyInfo ? kernelInput(b, dyInfo) : null;
  if (g.kH === 2 && g.kW === 2) share2x2(x, dy, o, n * ho, wo, c, rowStride, positive);
  else shareWindows(x, dy, o, { n, ho, wo, c, rowStride, kH: g.kH, kW: g.kW }, positive);
  return info;
}

function shareWindows(x: Float32Array, dy: Float32Array | null, o: Float32Array, t: ReturnType<typeof tileIndex> & PoolTileAttrs, positive: boolean): void {
  const { n, ho, wo, c, rowStride, kH, kW } = t;
  for (let s = 0; s < n; s++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const base = ((s * ho + i) * kH * wo * kW + j * kW) * c,
          d = ((s * ho + i) * wo + j) * c; // x[s, i·kh, j·kw, 0], dy[s, i, j, 0]
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity,
            ties = 0,
            nan = false;
          for (let a = 0; a < kH; a++)
            for (let q = 0; q < kW; q++) {
              const v = x[base + a * rowStride + q * c + ch]!;
              if (v > m) {
                m = v;
                ties = 1;
              } else if (v === m) ties++;
              else if (v !== v) nan = true;
            }
          const share = windowShare(m, ties, positive),
            gy = dy ? dy[d + ch]! : 1;
          for (let a = 0; a < kH; a++)
            for (let q = 0; q < kW; q++) {
              const p = base + a * rowStride + q * c + ch;
              o[p] = gy * (nan ? NaN : x[p] === m ? share : 0); // a NaN window propagates NaN, as the composed form does
            }
        }
      }
}

/** What each of a window's `ties` maxima m gets, as stored (float32): 1/ties, or 0 over a relu's output (positive) when m ≤ 0 (step(x) = 0 at every max). */
function windowShare(m: number, ties: number, positive: boolean): number {
  return positive && !(m > 0) ? 0 : Math.fround(1 / ties);
}

/**
 * The share (or route) for 2×2 windows (the common pool), unrolled: the four values in registers, their max by
 * Math.max (a NaN anywhere makes it NaN: the window is NaN), the ties as the values equal to it —
 * what the general loop computes, 1.6× faster in V8 (tested against stock MaxPoolGrad, the composed
 * form and the C kernels).
 */
function share2x2(x: Float32Array, dy: Float32Array | null, o: Float32Array, rows: number, wo: number, c: number, rowStride: number, positive: boolean): void {
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < wo; j++) {
      const base = (r * 2 * wo * 2 + j * 2) * c,
        d = (r * wo + j) * c;
      for (let ch = 0; ch < c; ch++) {
        const p0 = base + ch,
          p1 = p0 + c,
          p2 = p0 + rowStride,
          p3 = p2 + c;
        const v0 = x[p0]!,
          v1 = x[p1]!,
          v2 = x[p2]!,
          v3 = x[p3]!;
        const m = Math.max(Math.max(v0, v1), Math.max(v2, v3));
        if (m !== m) {
          o[p0] = NaN;
          o[p1] = NaN;
          o[p2] = NaN;
          o[p3] = NaN;
          continue;
        }
        const e0 = v0 === m ? 1 : 0,
          e1 = v1 === m ? 1 : 0,
          e2 = v2 === m ? 1 : 0,
          e3 = v3 === m ? 1 : 0;
        const share = windowShare(m, e0 + e1 + e2 + e3, positive),
          gy = dy ? dy[d + ch]! : 1;
        o[p0] = gy * (e0 * share);
        o[p1] = gy * (e1 * share);
        o[p2] = gy * (e2 * share);
        o[p3] = gy * (e3 * share);
      }
    }
}

function spreadKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as AnyBackend,
    g = attrs as unknown as PoolTileAttrs;
  const si = inputs.share as tf.TensorInfo;
  const { n, ho, wo, c, rowStride } = tileIndex(POOL_SPREAD, si.shape, g, inputs.dy as tf.TensorInfo);
  const { info, data: o } = kernelOutput(b, si.shape);
  const dy = kernelInput(b, inputs.dy as tf.TensorInfo),
    sh = kernelInput(b, si);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const base = ((s * ho + i) * g.kH * wo * g.kW + j * g.kW) * c,
          d = ((s * ho + i) * wo + j) * c;
        for (let a = 0; a < g.kH; a++)
          for (let q = 0; q < g.kW; q++) {
            const p = base + a * rowStride + q * c;
            for (let ch = 0; ch < c; ch++) o[p + ch] = dy[d + ch]! * sh[p + ch]!;
          }
      }
  return info;
}

function gatherKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as AnyBackend,
    g = attrs as unknown as PoolTileAttrs;
  const ti = inputs.t as tf.TensorInfo;
  const { n, ho, wo, c, rowStride } = tileIndex(POOL_GATHER, ti.shape, g, undefined, inputs.share as tf.TensorInfo);
  const { info, data: o } = kernelOutput(b, [n, ho, wo, c]);
  o.fill(0);
  const t = kernelInput(b, ti),
    sh = kernelInput(b, inputs.share as tf.TensorInfo);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const base = ((s * ho + i) * g.kH * wo * g.kW + j * g.kW) * c,
          d = ((s * ho + i) * wo + j) * c;
        for (let a = 0; a < g.kH; a++)
          for (let q = 0; q < g.kW; q++) {
            const p = base + a * rowStride + q * c;
            for (let ch = 0; ch < c; ch++) o[d + ch]! += t[p + ch]! * sh[p + ch]!;
          }
      }
  return info;
}

/** The share of dy each input of its window gets; a constant made off the gradient tape. */
export function maxPoolShare(xt: tf.Tensor4D, g: PoolShareAttrs): tf.Tensor4D {
  const backend = tf.backend();
  const kernel = tf.getKernel(POOL_SHARE, tf.getBackend())!;
  const info = kernel.kernelFunc({ inputs: { x: xt }, backend, attrs: g as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info, backend) as tf.Tensor4D;
}

export function poolSpread(dy: tf.Tensor, share: tf.Tensor, g: PoolTileAttrs): tf.Tensor4D {
  return tf.engine().runKernel(POOL_SPREAD, { dy, share }, g as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** spread(dy, share(xt)) in one kernel (attrs as maxPoolShare's); off the tape: a gradient's last use of the share. */
export function poolRoute(xt: tf.Tensor4D, dy: tf.Tensor, g: PoolShareAttrs): tf.Tensor4D {
  return tf.engine().runKernel(POOL_ROUTE, { x: xt, dy }, g as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

export function poolGather(t: tf.Tensor, share: tf.Tensor, g: PoolTileAttrs): tf.Tensor4D {
  return tf.engine().runKernel(POOL_GATHER, { t, share }, g as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

let registered = false;

/** Register the four kernels for wasm and cpu and the spread/gather gradients (idempotent). */
export function registerPoolShare(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['wasm', 'cpu']) {
    tf.registerKernel({ kernelName: POOL_SHARE, backendName, kernelFunc: shareKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: POOL_SPREAD, backendName, kernelFunc: spreadKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: POOL_GATHER, backendName, kernelFunc: gatherKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: POOL_ROUTE, backendName, kernelFunc: routeKernel as unknown as tf.KernelFunc });
  }
  // share is made off the tape (maxPoolShare), so only the first inputs ever need a gradient
  tf.registerGradient({
    kernelName: POOL_SPREAD,
    inputsToSave: ['share'],
    gradFunc: (dy, [share], attrs) => ({ dy: () => poolGather(dy as tf.Tensor, share!, attrs as unknown as PoolTileAttrs) }),
  });
  tf.registerGradient({
    kernelName: POOL_GATHER,
    inputsToSave: ['share'],
    gradFunc: (dy, [share], attrs) => ({ t: () => poolSpread(dy as tf.Tensor, share!, attrs as unknown as PoolTileAttrs) }),
  });
}

export function poolShareAvailable(): boolean {
  return !!tf.getKernel(POOL_SHARE, tf.getBackend());
}
