/**
 * Gradient clipping, in place on the flat gradient (norms in Float64).
 *   by global norm c: g ← g · min(1, c/‖g‖₂)        (direction kept; ‖g‖ ≤ c afterwards)
 *   by value c:       gᵢ ← min(max(gᵢ, −c), c)      (each component; direction may change)
 * Applied after the gradient of the data loss is taken and before the optimizer adds
 * weight decay (see optimizers.ts).
 */
import { optionError } from '../errors.js';

export function globalNorm(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** Scale g so that ‖g‖ ≤ maxNorm; returns the norm before clipping. */
export function clipByGlobalNorm(g: Float32Array, maxNorm: number): number {
  if (!(maxNorm > 0)) throw optionError('clipNorm', `must be > 0, got ${maxNorm}`);
  const norm = globalNorm(g);
  if (norm > maxNorm) {
    const f = maxNorm / norm;
    for (let i = 0; i < g.length; i++) g[i] *= f;
  }
  return norm;
}

/** Clamp every component into [−c, c]; returns how many were clamped. */
export function clipByValue(g: Float32Array, c: number): number {
  if (!(c > 0)) throw optionError('clipValue', `must be > 0, got ${c}`);
  let n = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] > c) { g[i] = c; n++; }
    else if (g[i] < -c) { g[i] = -c; n++; }
  }
  return n;
}
