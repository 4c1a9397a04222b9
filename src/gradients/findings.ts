/**
 * The diagnosis: findings with a code, the layers concerned, the figure behind the finding,
 * the threshold it crossed and a short remedy (the standard cures: variance-preserving
 * initialisation, non-saturating activations, batch normalisation, gradient clipping).
 */
import type { AttenuationProfile } from './attenuation.js';
import { spikes } from './attenuation.js';
import type { LayerHealth } from './forward-health.js';
import type { GradientOptions } from './options.js';

/** The kinds of gradient finding, `healthy` when none applies. */
export type FindingCode = 'vanishing-gradients' | 'exploding-gradients' | 'gradient-spike' | 'saturated-layer' | 'dead-relus' | 'healthy';

/** A gradient finding: its code, severity and layers, the value against its threshold, the figure that shows it, a message and a remedy. */
export interface Finding {
  code: FindingCode;
  severity: 'warning' | 'info';
  layers: string[];
  /** The figure behind the finding (attenuation ratio, spike ratio, worst fraction, …). */
  value: number;
  threshold: number;
  figure: 'attenuation.png' | 'activations.png' | 'trajectory.png';
  message: string;
  remedy: string;
}

/** The remedy suggested for each {@link FindingCode}, in words. */
export const REMEDIES: Record<FindingCode, string> = {
  'vanishing-gradients':
    'use non-saturating activations (ReLU family) with He initialisation, or Glorot/Xavier for tanh/sigmoid; add batch normalisation or residual connections',
  'exploding-gradients':
    'use a variance-preserving initialisation (Glorot/Xavier for tanh/sigmoid, He for ReLU) instead of large weights; clip gradients by norm; add batch normalisation; lower the learning rate',
  'gradient-spike': 'clip gradients by global norm and/or lower the learning rate; look for outlying samples in the batch',
  'saturated-layer':
    'keep pre-activations small: normalise the inputs, use Glorot/Xavier initialisation, batch-normalise before the activation, or switch to a non-saturating activation',
  'dead-relus':
    'use He initialisation (optionally a small positive bias), a lower learning rate, or Leaky ReLU / ELU, which keep a gradient for negative inputs',
  healthy: 'nothing to do',
};

const fmt = (x: number) => (Math.abs(x) >= 1e-2 && Math.abs(x) < 1e3 ? x.toFixed(3) : x.toExponential(2));

/** What {@link diagnose} reads: the attenuation profile and its basis, the total gradient norm of each minibatch, per-layer health and the output layer. */
export interface FindingInputs {
  attenuation: AttenuationProfile;
  basis: 'weights' | 'activations';
  /** Total ‖∂L/∂θ‖ of each minibatch (or checkpoint). */
  batchNorms: number[];
  health: LayerHealth[];
  outputLayer: string;
}

/**
 * The findings a gradient profile supports, each with its evidence and a remedy: vanishing or exploding
 * gradients, gradient spikes, saturated layers, dead ReLUs; `healthy` when none applies.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { attenuationProfile, diagnose, resolveGradientOptions } from 'losslens/gradients';
 *
 * // a gradient 1e-6 times smaller at the first layer than at the last is below the 1e-3 default threshold
 * const attenuation = attenuationProfile(['d1', 'd2', 'd3'], [1e-6, 1e-3, 1]);
 * const findings = diagnose({ attenuation, basis: 'weights', batchNorms: [1, 1, 1], health: [], outputLayer: 'd3' }, resolveGradientOptions({}));
 * assert.deepEqual(
 *   findings.map((f) => f.code),
 *   ['vanishing-gradients'],
 * );
 * ```
 */
export function diagnose(inp: FindingInputs, o: GradientOptions): Finding[] {
  const out: Finding[] = [];
  const att = inp.attenuation;
  const ends = [att.layers[0], att.layers[att.layers.length - 1]];
  const what = `‖∂L/∂${inp.basis === 'weights' ? 'W' : 'a'}‖ of ${ends[0]} / ${ends[1]}`;
  if (att.overall < o.vanishingBelow) {
    out.push(
      finding(
        'vanishing-gradients',
        ends,
        att.overall,
        o.vanishingBelow,
        'attenuation.png',
        `${what} = ${fmt(att.overall)} < ${fmt(o.vanishingBelow)} (×${fmt(att.perLayer)} per layer backwards)`,
      ),
    );
  } else if (att.overall > o.explodingAbove) {
    out.push(
      finding(
        'exploding-gradients',
        ends,
        att.overall,
        o.explodingAbove,
        'attenuation.png',
        `${what} = ${fmt(att.overall)} > ${fmt(o.explodingAbove)} (×${fmt(att.perLayer)} per layer backwards)`,
      ),
    );
  }
  const sp = spikes(inp.batchNorms, o.spikeFactor);
  if (sp.length) {
    const worst = sp.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    out.push(
      finding(
        'gradient-spike',
        [],
        worst.ratio,
        o.spikeFactor,
        'attenuation.png',
        `‖∂L/∂θ‖ of minibatch ${worst.index} is ${fmt(worst.ratio)}× the median of the others (${sp.length} spike(s) > ${o.spikeFactor}×)`,
      ),
    );
  }
  const sat = inp.health.filter((h) => h.name !== inp.outputLayer && h.saturatedFraction !== null && h.saturatedFraction > o.saturatedFraction);
  if (sat.length) {
    const worst = Math.max(...sat.map((h) => h.saturatedFraction!));
    out.push(
      finding(
        'saturated-layer',
        sat.map((h) => h.name),
        worst,
        o.saturatedFraction,
        'activations.png',
        `${sat.length} layer(s) have more than ${fmt(o.saturatedFraction * 100)}% of outputs saturated (|tanh| or sigmoid beyond ${o.saturation}); worst ${fmt(worst * 100)}%`,
      ),
    );
  }
  const dead = inp.health.filter((h) => h.deadFraction !== null && h.deadFraction > o.deadFraction);
  if (dead.length) {
    const worst = Math.max(...dead.map((h) => h.deadFraction!));
    out.push(
      finding(
        'dead-relus',
        dead.map((h) => h.name),
        worst,
        o.deadFraction,
        'activations.png',
        `${dead.length} ReLU layer(s) have more than ${fmt(o.deadFraction * 100)}% dead units (0 on every sample seen); worst ${fmt(worst * 100)}%`,
      ),
    );
  }
  if (out.length === 0) {
    out.push({
      ...finding(
        'healthy',
        [],
        att.overall,
        o.vanishingBelow,
        'attenuation.png',
        `${what} = ${fmt(att.overall)} lies within [${fmt(o.vanishingBelow)}, ${fmt(o.explodingAbove)}]; no saturation, dead units or spikes beyond the thresholds`,
      ),
      severity: 'info',
    });
  }
  return out;
}

function finding(code: FindingCode, layers: string[], value: number, threshold: number, figure: Finding['figure'], message: string): Finding {
  return { code, severity: 'warning', layers, value, threshold, figure, message, remedy: REMEDIES[code] };
}
