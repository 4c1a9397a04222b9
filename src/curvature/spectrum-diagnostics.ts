/**
 * Plain-language diagnostics from the Hessian's extreme Ritz values, its SLQ density, the
 * gradient norm and the learning rate. Every quantity carries its definition string, which
 * goes verbatim into summary.json and the README.
 */
import { optionError } from '../errors.js';
import { negativeSpectralMass, spectralFraction, type SlqResult } from './slq-density.js';

type Slq = Pick<SlqResult, 'nodes' | 'weights'>;

export interface ConditionNumbers {
  kappa: number | null;
  kappaReason: string;
  kappaPositive: number | null;
  /** Where the smallest positive eigenvalue came from. */
  kappaPositiveSource: 'bottom-ritz' | 'slq-nodes' | null;
  negativeToPositiveRatio: number | null;
  definitions: { kappa: string; kappaPositive: string; negativeToPositiveRatio: string };
}

/**
 * @param top Ritz values at the top, descending; @param bottom at the bottom, ascending.
 * @param relTol eigenvalues ≤ relTol·λmax count as zero for kappaPositive (default 1e-6).
 */
export function conditionNumbers(args: { top: number[]; bottom: number[]; slq?: Slq; relTol?: number }): ConditionNumbers {
  const { top, bottom, slq } = args;
  const relTol = args.relTol ?? 1e-6;
  if (top.length === 0) throw optionError('top', 'needs at least one Ritz value');
  const lmax = top[0];
  const lmin = bottom.length > 0 ? bottom[0] : Math.min(...top);
  const kappa = lmax > 0 && lmin > 0 ? lmax / lmin : null;
  const kappaReason = kappa !== null ? 'λmin > 0: the Hessian is positive definite here'
    : lmax <= 0 ? 'λmax ≤ 0: no positive curvature' : `λmin = ${Number(lmin.toPrecision(4))} ≤ 0: κ is undefined (not positive definite)`;
  const floor = relTol * lmax;
  let smallestPositive: number | undefined = bottom.find((x) => x > floor);
  let source: ConditionNumbers['kappaPositiveSource'] = smallestPositive !== undefined ? 'bottom-ritz' : null;
  if (smallestPositive === undefined && slq) {
    const nodes = slq.nodes.flat().filter((x) => x > floor);
    if (nodes.length > 0) { smallestPositive = Math.min(...nodes); source = 'slq-nodes'; }
  }
  return {
    kappa, kappaReason,
    kappaPositive: lmax > 0 && smallestPositive !== undefined ? lmax / smallestPositive : null,
    kappaPositiveSource: source,
    negativeToPositiveRatio: lmax > 0 ? Math.max(0, -lmin) / lmax : null,
    definitions: {
      kappa: 'κ = λmax/λmin, defined only when λmin > 0 (positive definite Hessian)',
      kappaPositive: `κ+ = λmax / (smallest eigenvalue > ${relTol}·λmax); that eigenvalue is the smallest bottom Ritz value above the floor when one exists (converged, accurate), else the smallest SLQ node above it (a quadrature node: a coarse estimate inside a dense cluster)`,
      negativeToPositiveRatio: '|λmin|/λmax when λmin < 0, else 0: how strong the most negative curvature is relative to the sharpest positive one',
    },
  };
}

export interface SaddleIndex {
  thresholds: { tau: number; threshold: number; fraction: number; stderr: number | null; estimatedCount: number }[];
  negativeSpectralMass: { fraction: number; stderr: number | null };
  definitions: { fraction: string; estimatedCount: string; negativeSpectralMass: string };
}

/** Estimated fraction (and count) of eigenvalues below −τ·λmax, from the SLQ quadrature. */
export function saddleIndex(slq: Slq, lambdaMax: number, dim: number, taus: number[] = [1e-3, 1e-4, 1e-5]): SaddleIndex {
  if (!(lambdaMax > 0)) throw optionError('lambdaMax', `must be > 0 to scale τ, got ${lambdaMax}`);
  const thresholds = taus.map((tau) => {
    const threshold = -tau * lambdaMax;
    const { fraction, stderr } = spectralFraction(slq, (x) => x < threshold);
    return { tau, threshold, fraction, stderr, estimatedCount: fraction * dim };
  });
  return {
    thresholds,
    negativeSpectralMass: negativeSpectralMass(slq),
    definitions: {
      fraction: 'SLQ estimate of #{λ < −τ·λmax}/dim: quadrature weight of nodes below the threshold, averaged over probes; stderr across probes',
      estimatedCount: 'fraction · dim (the approximate Morse index at that threshold)',
      negativeSpectralMass: 'SLQ weight of nodes < 0 averaged over probes (sensitive to the near-zero cluster; prefer a τ > 0 threshold)',
    },
  };
}

export type CriticalVerdict = 'near-minimum' | 'near-saddle' | 'not-critical';

export interface CriticalPointArgs {
  gradNorm: number;
  lambdaMax: number;
  lambdaMin: number;
  loss: number;
  /** Near critical when ‖∇L‖²/(2·c·max(|L|, lossFloor)) ≤ gradTol; default 1e-3. */
  gradTol?: number;
  /** Default 1e-8. */
  lossFloor?: number;
  /** Saddle when λmin < −negTol·c; default 1e-3. */
  negTol?: number;
}

/**
 * Curvature scale c = max(|λmax|, |λmin|). By the descent lemma one gradient step with step
 * 1/c lowers the loss by at least ‖∇L‖²/(2c); a point is "near critical" when that guaranteed
 * decrease is a small fraction (gradTol) of the loss itself, a ratio invariant to rescaling
 * the loss or reparametrising θ by a scalar.
 */
export function criticalPointVerdict(a: CriticalPointArgs): { verdict: CriticalVerdict; ratio: number; reason: string; definition: string } {
  const gradTol = a.gradTol ?? 1e-3, lossFloor = a.lossFloor ?? 1e-8, negTol = a.negTol ?? 1e-3;
  const c = Math.max(Math.abs(a.lambdaMax), Math.abs(a.lambdaMin));
  const ratio = c > 0 ? a.gradNorm ** 2 / (2 * c * Math.max(Math.abs(a.loss), lossFloor)) : a.gradNorm === 0 ? 0 : Infinity;
  const definition = `ratio = ‖∇L‖²/(2·max(|λmax|,|λmin|)·max(|L|, ${lossFloor})): the descent-lemma guaranteed one-step decrease relative to the loss; near critical when ratio ≤ ${gradTol}; saddle when λmin < −${negTol}·max(|λmax|,|λmin|)`;
  if (ratio > gradTol) {
    return { verdict: 'not-critical', ratio, definition, reason: `a gradient step could still lower the loss by ≥ ${fmt(ratio)} of its value (> ${gradTol})` };
  }
  if (a.lambdaMin < -negTol * c) {
    return { verdict: 'near-saddle', ratio, definition, reason: `near critical (ratio ${fmt(ratio)}) with negative curvature λmin = ${fmt(a.lambdaMin)} < −${negTol}·${fmt(c)}` };
  }
  return { verdict: 'near-minimum', ratio, definition, reason: `near critical (ratio ${fmt(ratio)}) and λmin = ${fmt(a.lambdaMin)} ≥ −${negTol}·${fmt(c)}: no significant negative curvature` };
}

/** Gradient-descent stability: GD on a quadratic with step lr is stable iff lr < 2/λmax. */
export function stabilityVerdict(lambdaMax: number, lr?: number): { threshold: number | null; lr: number | null; stable: boolean | null; reason: string; definition: string } {
  const definition = 'threshold = 2/λmax: plain (S)GD with learning rate lr diverges along the top eigenvector when lr > 2/λmax (edge of stability, Cohen et al. 2021); adaptive optimizers need the preconditioned sharpness instead';
  const threshold = lambdaMax > 0 ? 2 / lambdaMax : null;
  if (lr === undefined) return { threshold, lr: null, stable: null, definition, reason: 'no learning rate given' };
  if (!(lr > 0)) throw optionError('lr', `must be > 0, got ${lr}`);
  if (threshold === null) return { threshold, lr, stable: true, definition, reason: 'λmax ≤ 0: no direction of positive curvature limits the step' };
  const stable = lr < threshold;
  return { threshold, lr, stable, definition, reason: `lr = ${lr} ${stable ? '<' : '≥'} 2/λmax = ${fmt(threshold)} (lr·λmax = ${fmt(lr * lambdaMax)})` };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}
