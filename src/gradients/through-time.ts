/**
 * Gradients through time: per recurrent layer (and direction), ‖∂L/∂h_t‖ at every step over the
 * minibatches — the batch mean of the per-sample norms ‖∂ℓ_i/∂h_t⁽ⁱ⁾‖ (step-gradients.ts), mean and
 * sd over the minibatches — and how much of the last step's gradient reaches the first. An unroll
 * over T steps is a T-layer net with shared weights, so the findings use the same thresholds as the
 * layer attenuation (vanishingBelow, explodingAbove): a first-step share below 1e-3 is far under
 * the minibatch gradient noise (its SNR is typically below 1), so dependencies that span the
 * sequence cannot be learned. Steps are in processing order: t = 1 ran first, t = T last (nearest
 * the output when the layer returns its last state only); `position` is the input time index.
 * Pure numbers: testable without tfjs.
 */
import { meanStd } from './attenuation.js';
import type { GradientOptions } from './options.js';
import type { StepSite } from './step-gradients.js';

export interface StepNorm {
  t: number;
  position: number;
  norm: number;
  std: number;
}

/** One recurrent layer's gradient norm per time step, and its attenuation from the last step to the first. */
export interface LayerThroughTime {
  layer: string;
  direction: StepSite['direction'];
  steps: StepNorm[];
  /** ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ in processing order. */
  ratioFirstToLast: number;
  /** ratioFirstToLast^(1/(T−1)): the typical factor per step backwards (1 for one step). */
  perStep: number;
  /** ‖∂L/∂R‖ of the unroll's recurrent kernel R, mean ± sd over the minibatches (null when frozen). */
  recurrentKernelGrad: { mean: number; std: number } | null;
}

export type ThroughTimeCode = 'vanishing-through-time' | 'exploding-through-time' | 'healthy-through-time';

/** A finding about gradients through time (vanishing or exploding along the steps of a recurrent layer). */
export interface ThroughTimeFinding {
  code: ThroughTimeCode;
  severity: 'warning' | 'info';
  layers: string[];
  value: number;
  threshold: number;
  figure: 'through-time.png';
  message: string;
  remedy: string;
}

/** Gradient norms through time for each recurrent layer, what `norm` measures, and the findings. */
export interface ThroughTime {
  /** What `norm` is, in words (also shown in the digest and the figure). */
  measure: string;
  layers: LayerThroughTime[];
  findings: ThroughTimeFinding[];
}

export const THROUGH_TIME_MEASURE = '‖∂ℓ_i/∂h_t‖ per sample, mean over the batch (then mean ± sd over the minibatches)';

const REMEDY: Record<ThroughTimeCode, string> = {
  'vanishing-through-time':
    'use an LSTM or GRU instead of a SimpleRNN (forget-gate bias 1: unit_forget_bias), an orthogonal recurrent kernel, shorter sequences, or attention / skip connections across time',
  'exploding-through-time': 'clip gradients by global norm; initialise the recurrent kernel orthogonally (spectral radius ≤ 1); lower the learning rate',
  'healthy-through-time': 'nothing to do',
};

const div = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
const fmt = (x: number) => (Math.abs(x) >= 1e-2 && Math.abs(x) < 1e3 ? x.toFixed(3) : x.toExponential(2));

/** The label of a site in findings and figures: the layer, with its direction when it runs backwards or twice. */
export const siteLabel = (l: Pick<LayerThroughTime, 'layer' | 'direction'>, all: Pick<LayerThroughTime, 'layer'>[]) =>
  l.direction === 'backward' || all.filter((o) => o.layer === l.layer).length > 1 ? `${l.layer} (${l.direction})` : l.layer;

/**
 * Aggregate the per-batch step norms (`perBatch[b][site][t]`) of `sites` and the recurrent kernels'
 * gradient norms (`recurrent[b][site]`, null when frozen), and diagnose them.
 */
export function throughTime(
  sites: StepSite[],
  perBatch: number[][][],
  o: Pick<GradientOptions, 'vanishingBelow' | 'explodingAbove'>,
  recurrent?: (number | null)[][],
): ThroughTime {
  const layers = sites.map((site, s): LayerThroughTime => {
    const steps = site.positions.map((position, t) => {
      const { mean, std } = meanStd(perBatch.map((b) => b[s]![t]!));
      return { t: t + 1, position, norm: mean, std };
    });
    const ratio = div(steps[0]!.norm, steps[steps.length - 1]!.norm);
    const rk = recurrent?.map((b) => b[s]);
    return {
      layer: site.layer,
      direction: site.direction,
      steps,
      ratioFirstToLast: ratio,
      perStep: steps.length > 1 ? Math.pow(ratio, 1 / (steps.length - 1)) : 1,
      recurrentKernelGrad: rk?.length && rk.every((v) => typeof v === 'number') ? meanStd(rk as number[]) : null,
    };
  });
  return { measure: THROUGH_TIME_MEASURE, layers, findings: throughTimeFindings(layers, o) };
}

export function throughTimeFindings(layers: LayerThroughTime[], o: Pick<GradientOptions, 'vanishingBelow' | 'explodingAbove'>): ThroughTimeFinding[] {
  if (layers.length === 0) return [];
  const out: ThroughTimeFinding[] = [];
  const say = (l: LayerThroughTime) =>
    `${siteLabel(l, layers)}: the gradient reaching step 1 is ${fmt(l.ratioFirstToLast)} of step ${l.steps.length}'s (×${fmt(l.perStep)} per step backwards)`;
  for (const l of layers) {
    const r = l.ratioFirstToLast;
    const code = r < o.vanishingBelow ? 'vanishing-through-time' : r > o.explodingAbove ? 'exploding-through-time' : null;
    if (!code) continue;
    const threshold = code === 'vanishing-through-time' ? o.vanishingBelow : o.explodingAbove;
    out.push(
      finding(
        code,
        'warning',
        [l.layer],
        r,
        threshold,
        `${say(l)}: ${code === 'vanishing-through-time' ? 'vanishing' : 'exploding'} through time (threshold ${fmt(threshold)})`,
      ),
    );
  }
  const finite = layers.filter((l) => !Number.isNaN(l.ratioFirstToLast)); // NaN comes only from non-finite gradients
  if (out.length || finite.length === 0) return out;
  const worst = finite.reduce((a, b) => (Math.abs(Math.log(b.ratioFirstToLast)) > Math.abs(Math.log(a.ratioFirstToLast)) ? b : a));
  return [
    finding(
      'healthy-through-time',
      'info',
      layers.map((l) => l.layer),
      worst.ratioFirstToLast,
      o.vanishingBelow,
      `${say(worst)}, within [${fmt(o.vanishingBelow)}, ${fmt(o.explodingAbove)}]${layers.length > 1 ? ' (the furthest from 1 of the recurrent layers)' : ''}`,
    ),
  ];
}

function finding(code: ThroughTimeCode, severity: 'warning' | 'info', layers: string[], value: number, threshold: number, message: string): ThroughTimeFinding {
  return { code, severity, layers: [...new Set(layers)], value, threshold, figure: 'through-time.png', message, remedy: REMEDY[code] };
}
