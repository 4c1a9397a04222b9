/**
 * Linear interpolation between two minima (Goodfellow et al. 2015): L((1−α)θ_A + αθ_B),
 * and the barrier height: max over α ∈ [0, 1] of the loss minus the larger end loss.
 */
import type { Objective, ParamLayout } from '../objective/types.js';
import { inputError } from '../errors.js';
import { linspace } from './slice.js';

export interface InterpolationResult {
  alphas: number[];
  train: { loss: number[]; accuracy?: number[] };
  test?: { loss: number[]; accuracy?: number[] };
  ends: { lossA: number; lossB: number };
  /** max_{α∈[0,1]} L(α) − max(L(0), L(1)); ≤ 0 means no barrier on the segment. */
  barrier: number;
  /** α where the path's maximum on [0, 1] lies. */
  barrierAlpha: number;
  distance: number;
}

/** Refuse checkpoints whose trainable layouts differ, naming the first difference. */
export function assertSameLayout(a: ParamLayout, b: ParamLayout, fileA: string, fileB: string): void {
  if (a.blocks.length !== b.blocks.length) {
    throw inputError(fileB, `architecture differs from ${fileA}: ${b.blocks.length} trainable weights vs ${a.blocks.length}`);
  }
  a.blocks.forEach((x, i) => {
    const y = b.blocks[i];
    if (x.shape.join('x') !== y.shape.join('x')) {
      throw inputError(fileB, `architecture differs from ${fileA}: weight ${y.name} has shape [${y.shape}] where ${x.name} has [${x.shape}]`);
    }
  });
}

export async function interpolate(
  train: Objective,
  test: Objective | undefined,
  thetaA: Float32Array,
  thetaB: Float32Array,
  opts: { range: [number, number]; points: number; onProgress?: (d: number, t: number) => void },
): Promise<InterpolationResult> {
  const alphas = linspace(opts.range[0], opts.range[1], opts.points);
  // make sure both ends are on the grid exactly
  for (const end of [0, 1]) if (end >= opts.range[0] && end <= opts.range[1] && !alphas.includes(end)) alphas.push(end);
  alphas.sort((x, y) => x - y);
  const p = new Float32Array(thetaA.length);
  const trL: number[] = [], trA: number[] = [], teL: number[] = [], teA: number[] = [];
  let i = 0;
  for (const a of alphas) {
    for (let k = 0; k < p.length; k++) p[k] = (1 - a) * thetaA[k] + a * thetaB[k];
    const r = await train.evaluate(p);
    trL.push(r.loss);
    if (r.accuracy !== undefined) trA.push(r.accuracy);
    if (test) {
      const s = await test.evaluate(p);
      teL.push(s.loss);
      if (s.accuracy !== undefined) teA.push(s.accuracy);
    }
    opts.onProgress?.(++i, alphas.length);
  }
  const lossA = alphas.includes(0) ? trL[alphas.indexOf(0)] : await train.loss(thetaA);
  const lossB = alphas.includes(1) ? trL[alphas.indexOf(1)] : await train.loss(thetaB);
  let peak = -Infinity, peakAlpha = 0;
  alphas.forEach((a, k) => {
    if (a >= 0 && a <= 1 && trL[k] > peak) [peak, peakAlpha] = [trL[k], a];
  });
  let dist = 0;
  for (let k = 0; k < thetaA.length; k++) dist += (thetaA[k] - thetaB[k]) ** 2;
  return {
    alphas,
    train: { loss: trL, ...(trA.length ? { accuracy: trA } : {}) },
    ...(test ? { test: { loss: teL, ...(teA.length ? { accuracy: teA } : {}) } } : {}),
    ends: { lossA, lossB },
    barrier: peak - Math.max(lossA, lossB),
    barrierAlpha: peakAlpha,
    distance: Math.sqrt(dist),
  };
}
