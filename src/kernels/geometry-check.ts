/**
 * The geometry checks at our kernels' entry points (im2col / col2im, the pool-share kernels, the
 * native conv and pool kernels), run before any output is allocated: every field a safe integer in
 * range, no extent, stride, dilation, padding or window reach above 2^30 (the native kernels index
 * in 32-bit ints, and an Int32Array would wrap a larger value silently), no output above 2^30
 * elements (4 GiB of float32, all wasm's heap), and the input tensors of the shapes the geometry
 * says. A failure is a thrown Error naming the kernel: a clean refusal, never a read or write
 * outside an array (on wasm every tensor is a view of one heap, so a wrong shape would read others).
 */
import type { Im2ColAttrs } from './im2col.js';
import type { PoolTileAttrs } from './pool-share.js';

/** Largest extent, stride, dilation, padding or window reach (2^30). */
export const KERNEL_GEOMETRY_MAX = 2 ** 30;
/** Largest output (elements) one kernel call may allocate (2^30). */
export const KERNEL_MAX_ELEMENTS = 2 ** 30;

const inRange = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= KERNEL_GEOMETRY_MAX;

function refuse(kernel: string, problem: string): never {
  throw new Error(`${kernel}: ${problem}`);
}

/** Refuse an output of `shape` that is not safe integers or holds more than KERNEL_MAX_ELEMENTS. */
export function checkOutputSize(kernel: string, shape: readonly number[]): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) refuse(kernel, `output shape [${shape.join(', ')}] must hold non-negative integers`);
    n *= d;
  }
  if (n > KERNEL_MAX_ELEMENTS) refuse(kernel, `output shape [${shape.join(', ')}] holds ${n} values, more than ${KERNEL_MAX_ELEMENTS} (2^30)`);
}

/**
 * Refuse an im2col geometry the kernels cannot run: extents and padding ≥ 0, kernel, strides and
 * dilations ≥ 1, each at most 2^30 as is the reach of the last window's farthest tap, and the column
 * matrix [n·outH·outW, kH·kW·ci] and x within KERNEL_MAX_ELEMENTS.
 */
export function checkIm2ColGeometry(kernel: string, g: Im2ColAttrs): void {
  const x = g?.xShape;
  if (!Array.isArray(x) || x.length !== 4 || !x.every((d) => inRange(d, 0))) refuse(kernel, `xShape ${JSON.stringify(x)} must be 4 integers in [0, 2^30]`);
  for (const f of ['kH', 'kW', 'sH', 'sW', 'dH', 'dW'] as const) if (!inRange(g[f], 1)) refuse(kernel, `${f} ${String(g[f])} must be an integer in [1, 2^30]`);
  for (const f of ['top', 'left', 'outH', 'outW'] as const) if (!inRange(g[f], 0)) refuse(kernel, `${f} ${String(g[f])} must be an integer in [0, 2^30]`);
  const reachH = Math.max(0, g.outH - 1) * g.sH + (g.kH - 1) * g.dH,
    reachW = Math.max(0, g.outW - 1) * g.sW + (g.kW - 1) * g.dW;
  if (reachH > KERNEL_GEOMETRY_MAX || reachW > KERNEL_GEOMETRY_MAX) refuse(kernel, `the windows reach ${Math.max(reachH, reachW)} pixels, more than 2^30`);
  checkOutputSize(kernel, x);
  checkOutputSize(kernel, [x[0]! * g.outH * g.outW, g.kH * g.kW * x[3]!]);
}

/** Refuse an input whose shape is not `want` (the geometry's). */
export function checkInputShape(kernel: string, what: string, shape: readonly number[], want: readonly number[]): void {
  if (shape.length !== want.length || shape.some((d, i) => d !== want[i]))
    refuse(kernel, `${what} has shape [${shape.join(', ')}], the geometry's is [${want.join(', ')}]`);
}

/**
 * The window counts of a tile-frame shape [n, ho·kH, wo·kW, c] with kH×kW windows that tile it;
 * refused where the windows are not integers in [1, 2^30] or do not tile it.
 */
export function checkPoolTiles(kernel: string, tile: readonly number[], g: PoolTileAttrs): { n: number; ho: number; wo: number; c: number } {
  if (!inRange(g?.kH, 1) || !inRange(g?.kW, 1)) refuse(kernel, `pool windows ${String(g?.kH)}×${String(g?.kW)} must be integers in [1, 2^30]`);
  if (tile.length !== 4 || tile[1]! % g.kH !== 0 || tile[2]! % g.kW !== 0) refuse(kernel, `${g.kH}×${g.kW} windows do not tile the frame [${tile.join(', ')}]`);
  checkOutputSize(kernel, tile);
  const [n, th, tw, c] = tile as [number, number, number, number];
  return { n, ho: th / g.kH, wo: tw / g.kW, c };
}
