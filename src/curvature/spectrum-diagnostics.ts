/**
 * Plain-language diagnostics from the Hessian's extreme Ritz values, its SLQ density, the
 * gradient norm and the learning rate. Every quantity carries its definition string, which
 * goes verbatim into summary.json and the README.
 */
import { optionError } from '../errors.js';
import { negativeSpectralMass, spectralFraction, type SlqResult } from './slq-density.js';

type Slq = Pick<SlqResult, 'nodes' | 'weights'>;

/** Condition numbers from the extreme eigenvalues: κ = λmax/|λmin| and κ₊ over the positive part, each null with the reason when undefined. */
export interface ConditionNumbers {
  kappa: number | null;
  kappaReason: string;
  kappaPositive: number | null;
  /** Where the smallest positive eigenvalue came from. */
  kappaPositiveSource: 'bottom-ritz' | 'slq-nodes' | null;
  kappaPositiveReason: string;
  negativeToPositiveRatio: number | null;
  definitions: { kappa: string; kappaPositive: string; negativeToPositiveRatio: string };
}

/** Eigenvalue estimates at one end with their converged flags (absent flags: all converged). */
export interface EndValues {
  values: number[];
  converged?: boolean[];
  errorBounds?: number[];
}

const okAt = (e: EndValues, i: number) => e.converged === undefined || e.converged[i] === true;

/**
 * Only converged pairs enter: κ needs a converged λmax and λmin; κ₊ takes the smallest
 * converged bottom value above the floor, else the smallest SLQ node above it (a coarse
 * estimate, said so), else null with the reason.
 * @param top Ritz values at the top, descending; @param bottom at the bottom, ascending.
 * @param relTol eigenvalues ≤ relTol·λmax count as zero for kappaPositive (default 1e-6).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { conditionNumbers } from 'losslens/curvature';
 *
 * // top values descending, bottom ascending: κ = λmax/|λmin|
 * const c = conditionNumbers({ top: [100, 50], bottom: [0.5, 1] });
 * assert.equal(c.kappa, 200);
 * assert.equal(c.kappaPositive, 200);
 * ```
 */
export function conditionNumbers(args: { top: number[] | EndValues; bottom: number[] | EndValues; slq?: Slq; relTol?: number }): ConditionNumbers {
  const top: EndValues = Array.isArray(args.top) ? { values: args.top } : args.top;
  const bottom: EndValues = Array.isArray(args.bottom) ? { values: args.bottom } : args.bottom;
  const slq = args.slq;
  const relTol = args.relTol ?? 1e-6;
  if (top.values.length === 0) throw optionError('top', 'needs at least one Ritz value');
  const lmax = top.values[0];
  const topOk = okAt(top, 0);
  const hasBottom = bottom.values.length > 0;
  const lmin = hasBottom ? bottom.values[0] : Math.min(...top.values);
  const bottomOk = hasBottom ? okAt(bottom, 0) : topOk;
  const kappaOk = topOk && bottomOk;
  const floor = relTol * lmax;
  // a λmin at or below the floor is zero within resolution (a singular GGN's null space, float32 noise)
  const kappa = kappaOk && lmax > 0 && lmin > floor ? lmax / lmin : null;
  const kappaReason = !topOk
    ? 'λmax did not converge: κ is not computed from an unconverged Ritz value'
    : !bottomOk
      ? 'λmin did not converge: κ is not computed from an unconverged Ritz value'
      : kappa !== null
        ? 'λmin > 0: the Hessian is positive definite here'
        : lmax <= 0
          ? 'λmax ≤ 0: no positive curvature'
          : lmin > 0
            ? `λmin = ${Number(lmin.toPrecision(4))} ≤ ${relTol}·λmax: zero within resolution, κ is undefined (singular)`
            : `λmin = ${Number(lmin.toPrecision(4))} ≤ 0: κ is undefined (not positive definite)`;
  let smallestPositive: number | undefined = bottom.values.find((x, i) => x > floor && okAt(bottom, i));
  let source: ConditionNumbers['kappaPositiveSource'] = smallestPositive !== undefined ? 'bottom-ritz' : null;
  const skipped = bottom.values.some((x, i) => x > floor && !okAt(bottom, i));
  if (smallestPositive === undefined && slq) {
    const nodes = slq.nodes.flat().filter((x) => x > floor);
    if (nodes.length > 0) {
      smallestPositive = Math.min(...nodes);
      source = 'slq-nodes';
    }
  }
  const kappaPositive = topOk && lmax > 0 && smallestPositive !== undefined ? lmax / smallestPositive : null;
  const kappaPositiveReason = !topOk
    ? 'λmax did not converge'
    : source === 'bottom-ritz'
      ? 'smallest converged bottom eigenvalue above the floor'
      : source === 'slq-nodes'
        ? `no converged bottom eigenvalue above the floor${skipped ? ' (unconverged ones skipped)' : ''}: the smallest SLQ node above it, a coarse quadrature estimate`
        : `no converged eigenvalue above the floor${skipped ? ' (unconverged ones skipped)' : ''} and no density to fall back on`;
  return {
    kappa,
    kappaReason,
    kappaPositive,
    kappaPositiveSource: kappaPositive === null ? null : source,
    kappaPositiveReason,
    negativeToPositiveRatio: kappaOk && lmax > 0 ? Math.max(0, -lmin) / lmax : null,
    definitions: {
      kappa: `κ = λmax/λmin, defined only when λmin > ${relTol}·λmax (positive definite beyond resolution) and both converged`,
      kappaPositive: `κ+ = λmax / (smallest eigenvalue > ${relTol}·λmax); that eigenvalue is the smallest converged bottom eigenvalue above the floor when one exists, else the smallest SLQ node above it (a quadrature node: a coarse estimate inside a dense cluster); unconverged Ritz values never enter`,
      negativeToPositiveRatio:
        '|λmin|/λmax when λmin < 0, else 0 (null when either did not converge): how strong the most negative curvature is relative to the sharpest positive one',
    },
  };
}

/** The fraction of eigenvalues below −τ·λmax at one τ: its estimate, standard error and where it came from (SLQ density or eigenpairs). */
export interface SaddleThreshold {
  tau: number;
  threshold: number;
  /** Point estimate of #{λ < threshold}/dim (exact count/dim for source 'eigenpairs'). */
  fraction: number;
  /** Probe spread of the SLQ estimate (null for an exact count or one probe). */
  stderr: number | null;
  estimatedCount: number;
  /** Interval for the count: exact (lo = hi) from eigenpairs, or the SLQ quadrature's resolution. */
  count: { lo: number; hi: number };
  fractionInterval: { lo: number; hi: number };
  /**
   * 'eigenpairs': counted from converged bottom eigenpairs that reach the threshold; 'slq-interval': the
   * threshold lies inside the SLQ nodes' resolution; 'dense' / 'iterative': from saddle-counts.ts.
   */
  source: 'eigenpairs' | 'slq-interval' | 'unresolved' | 'dense' | 'iterative';
  note: string;
}

/** The saddle index: the fraction of negative eigenvalues below each threshold −τ·λmax, and the negative spectral mass, with their definitions. */
export interface SaddleIndex {
  thresholds: SaddleThreshold[];
  negativeSpectralMass: { fraction: number; stderr: number | null };
  definitions: { fraction: string; estimatedCount: string; count: string; negativeSpectralMass: string };
}

/**
 * #{λ < −τ·λmax} for each τ. Where the converged bottom eigenpairs reach past the threshold
 * (the largest of them is above it), the count is exact, up to values within their error
 * bound of the threshold (then an interval). Otherwise from SLQ with the resolution of its
 * quadrature: by the Chebyshev–Markov–Stieltjes inequalities, a probe's spectral CDF at t
 * between nodes θ_j ≤ t < θ_{j+1} lies in [Σ_{i<j} wᵢ, Σ_{i≤j+1} wᵢ], i.e. the quadrature sum
 * minus the node below t and plus the node above it. The interval is the probe mean of those
 * bounds (at least the number of converged eigenvalues below t), besides the probe stderr.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { saddleIndex } from 'losslens/curvature';
 *
 * // converged bottom eigenvalues reaching past −τ·λmax make the count exact: 2 of 100 lie below −0.01
 * const s = saddleIndex(null, 10, 100, [1e-3], { values: [-5, -0.5, 0.2] });
 * assert.equal(s.thresholds[0].threshold, -0.01);
 * assert.equal(s.thresholds[0].estimatedCount, 2);
 * assert.equal(s.thresholds[0].fraction, 0.02);
 * ```
 */
export function saddleIndex(slq: Slq | null, lambdaMax: number, dim: number, taus: number[] = [1e-3, 1e-4, 1e-5], bottom?: EndValues): SaddleIndex {
  if (!(lambdaMax > 0)) throw optionError('lambdaMax', `must be > 0 to scale τ, got ${lambdaMax}`);
  const thresholds = taus.map((tau) => saddleAt(slq, -tau * lambdaMax, tau, dim, bottom));
  return {
    thresholds,
    negativeSpectralMass: slq ? negativeSpectralMass(slq) : { fraction: NaN, stderr: null },
    definitions: {
      fraction:
        'estimate of #{λ < −τ·λmax}/dim: an exact count/dim from converged bottom eigenpairs when they reach the threshold, else SLQ quadrature weight of nodes below the threshold averaged over probes (stderr across probes)',
      estimatedCount: 'fraction · dim (the approximate Morse index at that threshold)',
      count:
        "interval for the count: [n, n] from eigenpairs; from SLQ, the Chebyshev–Markov–Stieltjes bounds of each probe's quadrature (the node just below and just above the threshold are the resolution), averaged over probes, times dim, at least the converged eigenvalues below it",
      negativeSpectralMass: 'SLQ weight of nodes < 0 averaged over probes (sensitive to the near-zero cluster; prefer a τ > 0 threshold)',
    },
  };
}

function saddleAt(slq: Slq | null, t: number, tau: number, dim: number, bottom?: EndValues): SaddleThreshold {
  const conv = bottom ? convergedPrefix(bottom) : [];
  const eb = (i: number) => bottom?.errorBounds?.[i] ?? 0;
  const below = conv.filter((i) => bottom!.values[i] + eb(i) < t).length;
  const near = conv.filter((i) => Math.abs(bottom!.values[i] - t) <= eb(i)).length;
  const reaches = conv.length > 0 && bottom!.values[conv[conv.length - 1]] - eb(conv[conv.length - 1]) >= t;
  if (reaches) {
    const lo = below,
      hi = below + near;
    return {
      tau,
      threshold: t,
      fraction: lo / dim,
      stderr: null,
      estimatedCount: lo,
      count: { lo, hi },
      fractionInterval: { lo: lo / dim, hi: hi / dim },
      source: 'eigenpairs',
      note: `counted from ${conv.length} converged bottom eigenpairs, the largest of them above the threshold${near > 0 ? `; ${near} within its error bound of it` : ''}`,
    };
  }
  if (!slq) {
    return {
      tau,
      threshold: t,
      fraction: NaN,
      stderr: null,
      estimatedCount: NaN,
      count: { lo: below, hi: dim },
      fractionInterval: { lo: below / dim, hi: 1 },
      source: 'unresolved',
      note: `all ${below} converged bottom eigenvalues lie below the threshold and no density was computed: at least ${below}`,
    };
  }
  const { fraction, stderr } = spectralFraction(slq, (x) => x < t);
  const lo = mean(slq.nodes.map((ns, p) => cmsBounds(ns, slq.weights[p], t).lo));
  const hi = mean(slq.nodes.map((ns, p) => cmsBounds(ns, slq.weights[p], t).hi));
  const cLo = Math.max(below, lo * dim),
    cHi = Math.max(cLo, hi * dim);
  return {
    tau,
    threshold: t,
    fraction,
    stderr,
    estimatedCount: fraction * dim,
    count: { lo: cLo, hi: cHi },
    fractionInterval: { lo: cLo / dim, hi: cHi / dim },
    source: 'slq-interval',
    note: `the threshold lies inside the SLQ quadrature's resolution (more eigenvalues below it than the ${conv.length} converged bottom pairs): an interval from the nodes around it${below > 0 ? `, at least the ${below} converged ones below it` : ''}`,
  };
}

/** Indices 0..j−1 of the bottom values while they are converged (a gap would hide missed values). */
function convergedPrefix(b: EndValues): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.values.length && okAt(b, i); i++) out.push(i);
  return out;
}

/** Chebyshev–Markov–Stieltjes bounds on one probe's spectral CDF at t (nodes ascending). */
export function cmsBounds(nodes: number[], weights: number[], t: number): { lo: number; hi: number } {
  let j = -1;
  for (let i = 0; i < nodes.length; i++) if (nodes[i] < t) j = i;
  let lo = 0,
    hi = 0;
  for (let i = 0; i < nodes.length; i++) {
    if (i < j) lo += weights[i];
    if (i <= j + 1) hi += weights[i];
  }
  return { lo, hi: Math.min(1, hi) };
}

function mean(x: number[]): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}

/** The verdict on a point: near a minimum, near a saddle, or not near a critical point (gradient norm too large). */
export type CriticalVerdict = 'near-minimum' | 'near-saddle' | 'not-critical';

/** The inputs of {@link criticalPointVerdict}: ‖∇L‖, λmax, λmin, the loss and the tolerances. */
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
  /**
   * False when λmin is an unconverged Ritz value: it is then only an upper bound on λmin
   * (Ritz values lie inside the spectrum), so "saddle" still holds but "minimum" is not certain.
   */
  lambdaMinConverged?: boolean;
}

/**
 * Curvature scale c = max(|λmax|, |λmin|). By the descent lemma one gradient step with step
 * 1/c lowers the loss by at least ‖∇L‖²/(2c); a point is "near critical" when that guaranteed
 * decrease is a small fraction (gradTol) of the loss itself, a ratio invariant to rescaling
 * the loss or reparametrising θ by a scalar.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { criticalPointVerdict } from 'losslens/curvature';
 *
 * // no gradient to speak of and a negative eigenvalue of λmax's order: a saddle
 * const v = criticalPointVerdict({ gradNorm: 1e-8, lambdaMax: 4, lambdaMin: -2, loss: 0.5 });
 * assert.equal(v.verdict, 'near-saddle');
 * assert.equal(criticalPointVerdict({ gradNorm: 1e-8, lambdaMax: 4, lambdaMin: 0.1, loss: 0.5 }).verdict, 'near-minimum');
 * ```
 */
export function criticalPointVerdict(a: CriticalPointArgs): { verdict: CriticalVerdict; ratio: number; reason: string; definition: string } {
  const gradTol = a.gradTol ?? 1e-3,
    lossFloor = a.lossFloor ?? 1e-8,
    negTol = a.negTol ?? 1e-3;
  const c = Math.max(Math.abs(a.lambdaMax), Math.abs(a.lambdaMin));
  const ratio = c > 0 ? a.gradNorm ** 2 / (2 * c * Math.max(Math.abs(a.loss), lossFloor)) : a.gradNorm === 0 ? 0 : Infinity;
  const definition = `ratio = ‖∇L‖²/(2·max(|λmax|,|λmin|)·max(|L|, ${lossFloor})): the descent-lemma guaranteed one-step decrease relative to the loss; near critical when ratio ≤ ${gradTol}; saddle when λmin < −${negTol}·max(|λmax|,|λmin|)`;
  if (ratio > gradTol) {
    return { verdict: 'not-critical', ratio, definition, reason: `a gradient step could still lower the loss by ≥ ${fmt(ratio)} of its value (> ${gradTol})` };
  }
  if (a.lambdaMin < -negTol * c) {
    return {
      verdict: 'near-saddle',
      ratio,
      definition,
      reason: `near critical (ratio ${fmt(ratio)}) with negative curvature λmin = ${fmt(a.lambdaMin)} < −${negTol}·${fmt(c)}`,
    };
  }
  const caveat =
    a.lambdaMinConverged === false
      ? '; but λmin did not converge: its Ritz value is only an upper bound on λmin, so negative curvature may be missed (raise --max-matvecs)'
      : '';
  return {
    verdict: 'near-minimum',
    ratio,
    definition,
    reason: `near critical (ratio ${fmt(ratio)}) and λmin = ${fmt(a.lambdaMin)} ≥ −${negTol}·${fmt(c)}: no significant negative curvature${caveat}`,
  };
}

/**
 * Gradient-descent stability: GD on a quadratic with step lr is stable iff lr < 2/λmax.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { stabilityVerdict } from 'losslens/curvature';
 *
 * // gradient descent is stable on a quadratic iff lr < 2/λmax
 * assert.equal(stabilityVerdict(40, 0.01).threshold, 0.05);
 * assert.equal(stabilityVerdict(40, 0.01).stable, true);
 * assert.equal(stabilityVerdict(40, 0.1).stable, false);
 * ```
 */
export function stabilityVerdict(
  lambdaMax: number,
  lr?: number,
): { threshold: number | null; lr: number | null; stable: boolean | null; reason: string; definition: string } {
  const definition =
    'threshold = 2/λmax: plain (S)GD with learning rate lr diverges along the top eigenvector when lr > 2/λmax (edge of stability, Cohen et al. 2021); adaptive optimizers need the preconditioned sharpness instead';
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
