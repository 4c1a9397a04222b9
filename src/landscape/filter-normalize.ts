/**
 * Direction normalisation of Li et al. 2018 ("Visualizing the Loss Landscape of Neural Nets"):
 * each filter (output unit) block of d is rescaled to the norm of the same block of θ, so that
 * slices of nets with different weight scales are comparable. 1-D parameters (biases,
 * BatchNorm γ/β) are zeroed unless included.
 */
import type { ParamBlock, ParamLayout } from '../objective/types.js';
import { optionError } from '../errors.js';

/** How a random direction is scaled to the weights: per filter (Li et al. 2018), per layer, or not at all. */
export const NORM_MODES = ['filter', 'layer', 'none'] as const;
/** One of {@link NORM_MODES}. */
export type NormMode = (typeof NORM_MODES)[number];

/** How a direction is scaled to the weights (`norm`) and whether 1-D parameters (biases, BatchNorm) keep their components (`includeBias`). */
export interface NormalizeOptions {
  norm: NormMode;
  includeBias: boolean;
}

/** Indices (relative to the block) of each filter: the slices along the block's filterAxis. */
export function filterGroups(block: ParamBlock): { stride: number; count: number; axisLen: number } {
  const axis = block.filterAxis ?? block.shape.length - 1;
  const axisLen = block.shape[axis] ?? 1;
  const stride = block.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { stride, count: block.size / axisLen, axisLen };
}

/**
 * Apply the normalisation to d in place (d is a fresh direction in θ's layout).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 * import { normalizeDirection } from 'losslens/landscape';
 *
 * // 'layer': each weight's block of d gets the norm of the same block of θ
 * const { theta0, layout } = loadModel(await readCheckpoint('fixtures/linreg'));
 * const d = normalizeDirection(new Float64Array(6).fill(1), theta0, layout, { norm: 'layer', includeBias: true });
 * const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
 * assert.ok(Math.abs(norm(d.subarray(0, 5)) - norm(theta0.subarray(0, 5))) < 1e-6);
 * assert.ok(Math.abs(d[5] - Math.abs(theta0[5])) < 1e-7); // the bias block: one value
 * ```
 */
export function normalizeDirection(d: Float64Array, theta: Float32Array, layout: ParamLayout, opts: NormalizeOptions): Float64Array {
  if (!(NORM_MODES as readonly string[]).includes(opts.norm)) throw optionError('norm', `unknown "${opts.norm}"; valid: ${NORM_MODES.join(', ')}`);
  for (const b of layout.blocks) {
    const oneD = b.shape.length <= 1;
    if (oneD && !opts.includeBias) {
      d.fill(0, b.offset, b.offset + b.size);
      continue;
    }
    if (opts.norm === 'none') continue;
    if (opts.norm === 'layer' || oneD) {
      rescale(d, theta, b.offset, b.size);
      continue;
    }
    const { stride, axisLen } = filterGroups(b);
    // filter f of a block holds elements  offset + outer*axisLen*stride + f*stride + inner
    const outer = b.size / (axisLen * stride);
    for (let f = 0; f < axisLen; f++) rescaleStrided(d, theta, b.offset, outer, axisLen * stride, f * stride, stride);
  }
  return d;
}

function rescale(d: Float64Array, theta: Float32Array, off: number, size: number): void {
  let nd = 0;
  let nt = 0;
  for (let i = off; i < off + size; i++) {
    nd += d[i] * d[i];
    nt += theta[i] * theta[i];
  }
  const k = nd > 0 ? Math.sqrt(nt / nd) : 0;
  for (let i = off; i < off + size; i++) d[i] *= k;
}

function rescaleStrided(d: Float64Array, theta: Float32Array, off: number, outer: number, outerStride: number, start: number, inner: number): void {
  let nd = 0;
  let nt = 0;
  for (let o = 0; o < outer; o++) {
    const base = off + o * outerStride + start;
    for (let i = base; i < base + inner; i++) {
      nd += d[i] * d[i];
      nt += theta[i] * theta[i];
    }
  }
  const k = nd > 0 ? Math.sqrt(nt / nd) : 0;
  for (let o = 0; o < outer; o++) {
    const base = off + o * outerStride + start;
    for (let i = base; i < base + inner; i++) d[i] *= k;
  }
}
