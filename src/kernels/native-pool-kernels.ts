/**
 * Native max-pool share / spread / gather / route (the kernels of src/kernels/pool-share.ts, in
 * native/pool.c), MaxPool itself where its windows tile the input, and Sum over leading axes (a bias gradient, which wasm runs as a Transpose and a
 * Sum), on the wasm heap in place; other cases run the replaced kernel.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend } from './kernel-io.js';
import { POOL_GATHER, POOL_ROUTE, POOL_SHARE, POOL_SPREAD, type PoolShareAttrs } from './pool-share.js';
import type { NativeAddon } from './native-addon.js';
import { f32, fallback, prod, type Fn } from './native-fallback.js';
import { checkInputShape, checkPoolTiles } from './geometry-check.js';

/** share(x), spread(dy, share), gather(t, share), route(x, dy) on tile-frame tensors [n, ho·kh, wo·kw, c]. */
function pool(addon: NativeAddon, name: string, which: 'share' | 'spread' | 'gather' | 'route'): Fn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const g = attrs as unknown as PoolShareAttrs;
    const ins = inputs as Record<string, tf.TensorInfo>;
    const tile = which === 'share' || which === 'route' ? ins.x! : ins.share!;
    const { n, ho, wo, c } = checkPoolTiles(name, tile.shape, g);
    if (which === 'spread' || which === 'route') checkInputShape(name, 'dy', ins.dy!.shape, [n, ho, wo, c]);
    if (which === 'gather') checkInputShape(name, 't', ins.t!.shape, tile.shape);
    if (!f32(...Object.values(ins)) || prod(tile.shape) === 0) return fallback(name, args);
    const t = Int32Array.of(n, ho, wo, c, g.kH, g.kW);
    const be = backend as AnyBackend;
    const { info, data } = kernelOutput(be, which === 'gather' ? [n, ho, wo, c] : tile.shape);
    if (which === 'share') addon.poolShare(kernelInput(be, ins.x!), data, t, g.positive ? 1 : 0);
    else if (which === 'route') addon.poolRoute(kernelInput(be, ins.x!), kernelInput(be, ins.dy!), data, t, g.positive ? 1 : 0);
    else if (which === 'spread') addon.poolSpread(kernelInput(be, ins.dy!), kernelInput(be, ins.share!), data, t);
    else addon.poolGather(kernelInput(be, ins.t!), kernelInput(be, ins.share!), data, t);
    return info;
  };
}

/**
 * MaxPool with pool == stride over an input its windows tile exactly (no padding, nothing left
 * over: 'valid' or 'same' alike), NHWC float32; anything else the wasm kernel. wasm's runs at
 * ~0.5 ms for a LeNet batch's first pool, 17% of a loss pass. A NaN in a window gives NaN (the
 * share's convention; tfjs's cpu kernel skips NaN, XNNPACK's result depends on the order).
 */
function maxPool(addon: NativeAddon): Fn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const a = attrs as unknown as { filterSize: number | number[]; strides: number | number[]; pad: unknown; dimRoundingMode?: string };
    const pair = (v: number | number[]) => (Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v]);
    const [kh, kw] = pair(a.filterSize),
      [sh, sw] = pair(a.strides);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const tiles = x.shape.length === 4 && kh === sh && kw === sw && h % kh === 0 && w % kw === 0 && (a.pad === 'valid' || a.pad === 'same');
    if (!f32(x) || !tiles || a.dimRoundingMode != null || n * h * w * c === 0) return fallback('MaxPool', args);
    const be = backend as AnyBackend;
    const { info, data } = kernelOutput(be, [n, h / kh, w / kw, c]);
    addon.maxPool(kernelInput(be, x), data, Int32Array.of(n, h / kh, w / kw, c, kh!, kw!));
    return info;
  };
}

/** Sum over the leading axes [0, k) (any other reduction: the wasm kernel). */
function sum(addon: NativeAddon): Fn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const k = axes.length;
    if (x.dtype !== 'float32' || k === 0 || k === x.shape.length || axes.some((a, i) => a !== i) || prod(x.shape) === 0) return fallback('Sum', args);
    const rest = x.shape.slice(k);
    const be = backend as AnyBackend;
    const { info, data } = kernelOutput(be, keepDims ? [...axes.map(() => 1), ...rest] : rest);
    addon.sumRows(kernelInput(be, x), data, prod(x.shape.slice(0, k)), prod(rest));
    return info;
  };
}

export function nativePoolKernels(addon: NativeAddon): Record<string, Fn> {
  return {
    [POOL_SHARE]: pool(addon, POOL_SHARE, 'share'),
    [POOL_SPREAD]: pool(addon, POOL_SPREAD, 'spread'),
    [POOL_GATHER]: pool(addon, POOL_GATHER, 'gather'),
    [POOL_ROUTE]: pool(addon, POOL_ROUTE, 'route'),
    Sum: sum(addon),
    MaxPool: maxPool(addon),
  };
}
