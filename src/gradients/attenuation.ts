/**
 * The attenuation profile of per-layer gradient norms g_1 … g_L (first to last layer, L the
 * output layer): each layer relative to the last (g_k / g_L), the factor between consecutive
 * layers (g_k / g_{k+1}: how much the signal shrinks (< 1) or grows (> 1) crossing layer k+1
 * backwards), the overall ratio g_1 / g_L and its geometric mean per layer.
 * Pure numbers: testable without tfjs.
 */
export interface AttenuationProfile {
  layers: string[];
  norms: number[];
  /** g_k / g_last. */
  relativeToLast: number[];
  /** g_k / g_{k+1}, one fewer than layers. */
  factors: number[];
  /** g_first / g_last. */
  overall: number;
  /** overall^(1/(L−1)): the typical per-layer factor (1 when there is one layer). */
  perLayer: number;
}

/**
 * How a gradient norm changes from layer to layer: each layer's norm relative to the last, the factor between
 * neighbours, first/last overall and its geometric mean per layer.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { attenuationProfile } from 'losslens/gradients';
 *
 * const a = attenuationProfile(['dense_1', 'dense_2', 'dense_3'], [1e-4, 1e-2, 1]);
 * assert.ok(Math.abs(a.overall - 1e-4) < 1e-18); // first / last
 * assert.ok(Math.abs(a.perLayer - 1e-2) < 1e-15); // overall^(1/(L−1))
 * assert.deepEqual(a.relativeToLast, [1e-4, 1e-2, 1]);
 * ```
 */
export function attenuationProfile(layers: string[], norms: number[]): AttenuationProfile {
  if (layers.length !== norms.length || layers.length === 0) throw new Error('attenuationProfile: need one norm per layer');
  const last = norms[norms.length - 1];
  const div = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
  const overall = div(norms[0], last);
  return {
    layers,
    norms,
    relativeToLast: norms.map((g) => div(g, last)),
    factors: norms.slice(0, -1).map((g, k) => div(g, norms[k + 1])),
    overall,
    perLayer: layers.length > 1 ? Math.pow(overall, 1 / (layers.length - 1)) : 1,
  };
}

/** Mean and sample standard deviation. */
export function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Indices whose value exceeds factor × the median of the others (a spike). */
export function spikes(xs: number[], factor: number): { index: number; ratio: number }[] {
  if (xs.length < 3) return [];
  const out: { index: number; ratio: number }[] = [];
  xs.forEach((x, i) => {
    const rest = median(xs.filter((_, j) => j !== i));
    const ratio = rest > 0 ? x / rest : x > 0 ? Infinity : 0;
    if (ratio > factor) out.push({ index: i, ratio });
  });
  return out;
}
