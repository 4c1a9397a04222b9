/**
 * The edge-of-stability finding: the fraction of tracked steps whose sharpness (λmax, or λmax(P⁻¹H)
 * for adaptive optimizers) is within `margin` (10%) of the optimizer's stability threshold or
 * above it. Cohen et al. 2021: under full-batch GD λmax rises until it reaches 2/η and then hovers
 * there while the loss keeps falling non-monotonically; past the threshold a quadratic model diverges.
 */
import type { SharpnessHistory } from './sharpness-tracker.js';

export interface SharpnessFinding {
  code: 'edge-of-stability' | 'below-stability-threshold';
  severity: 'warning' | 'info';
  /** Tracked steps with a value. */
  tracked: number;
  /** Fraction of them at ≥ (1 − margin)·threshold. */
  atOrPastFraction: number;
  /** Fraction of them above the threshold. */
  pastFraction: number;
  /** Largest sharpness / threshold seen. */
  maxRatio: number;
  margin: number;
  sharpness: 'λmax(H)' | 'λmax(P⁻¹H)';
  message: string;
  remedy: string;
}

export function sharpnessFinding(h: SharpnessHistory, margin = 0.1): SharpnessFinding {
  const pre = h.rule.kind === 'preconditioned';
  const values = pre ? h.preconditioned!.lambdaMax : h.lambdaMax;
  const ratios = values.map((v, i) => (v === null ? null : v / h.threshold[i])).filter((r): r is number => r !== null && Number.isFinite(r));
  const at = ratios.filter((r) => r >= 1 - margin).length;
  const past = ratios.filter((r) => r > 1).length;
  const n = ratios.length;
  const maxRatio = n ? Math.max(...ratios) : NaN;
  const sharpness = pre ? 'λmax(P⁻¹H)' : 'λmax(H)';
  const thr = `the stability threshold ${h.rule.formula}`;
  const pct = (k: number) => `${((100 * k) / Math.max(n, 1)).toFixed(0)}%`;
  if (at > 0) {
    return {
      code: 'edge-of-stability',
      severity: 'warning',
      tracked: n,
      atOrPastFraction: at / n,
      pastFraction: past / n,
      maxRatio,
      margin,
      sharpness,
      message: `${sharpness} is within ${margin * 100}% of or above ${thr} at ${at} of ${n} tracked steps (${pct(at)}; above it at ${past}, ${pct(past)}); at most ${maxRatio.toFixed(3)}× the threshold`,
      remedy:
        'training runs at the edge of stability: the loss can oscillate or rise between steps (Cohen et al. 2021); expected under full-batch GD, but if the loss diverges lower the learning rate or add warm-up',
    };
  }
  return {
    code: 'below-stability-threshold',
    severity: 'info',
    tracked: n,
    atOrPastFraction: 0,
    pastFraction: 0,
    maxRatio,
    margin,
    sharpness,
    message: `${sharpness} stays below ${(1 - margin).toFixed(2)}× ${thr} at all ${n} tracked steps (at most ${Number.isFinite(maxRatio) ? maxRatio.toFixed(3) : 'n/a'}×)`,
    remedy: 'nothing to do',
  };
}
