/**
 * The report's findings in plain words: each with a code, a severity, a short title and the
 * number behind it ("ill-conditioned: κ₊ = 3.6e4"), the threshold it crossed, the figure that
 * shows it and, for warnings, a remedy. Pure: summaries in, findings out.
 */
import type { FullReport } from './report-types.js';
import type { FindingThresholds } from './report-options.js';
import type { Finding as GradientFinding } from '../gradients/findings.js';
import { sig, pct } from './format.js';
import { symmetryAndNoiseFindings } from './symmetry-noise-findings.js';

export type ReportFindingCode =
  | 'ill-conditioned'
  | 'well-conditioned'
  | 'no-positive-curvature'
  | 'unconverged-eigenvalues'
  | 'saddle'
  | 'negative-curvature'
  | 'near-minimum'
  | 'not-critical'
  | 'sharp-minimum'
  | 'stable-step'
  | 'generalization-gap'
  | 'vanishing-gradients'
  | 'exploding-gradients'
  | 'gradient-spike'
  | 'saturated-layer'
  | 'dead-relus'
  | 'healthy-gradients'
  | 'symmetric-units'
  | 'zero-layer'
  | 'gradient-noise';

export interface ReportFinding {
  code: ReportFindingCode;
  severity: 'warning' | 'info';
  part: 'hessian' | 'eval' | 'gradients';
  /** A few plain words: "ill-conditioned", "at a saddle", "vanishing gradients". */
  title: string;
  /** The number behind it: "κ₊ = 3.6e4". */
  message: string;
  /** `${title}: ${message}` — the line shown first. */
  text: string;
  value: number | null;
  threshold: number | null;
  /** The figure behind the finding (a file of the report). */
  figure: string;
  detail?: string;
  remedy?: string;
}

export type Draft = Omit<ReportFinding, 'text'>;
const make = (d: Draft): ReportFinding => ({ ...d, text: `${d.title}: ${d.message}` });

export function reportFindings(r: FullReport, t: FindingThresholds): ReportFinding[] {
  const out = [...hessianFindings(r, t), ...evalFindings(r, t), ...r.gradients.findings.map((f) => gradientFinding(f, r)), ...symmetryAndNoiseFindings(r)].map(
    make,
  );
  return [...out.filter((f) => f.severity === 'warning'), ...out.filter((f) => f.severity !== 'warning')];
}

/** A warning when any reported extreme value is an unconverged Ritz value (older summaries lack the flags). */
function unconvergedFinding(h: FullReport['hessian']): Draft | null {
  const each = h.eigenvalues.convergedEach;
  if (!each) return null;
  const bad = [
    ...each.top.map((c, i) => (c ? null : `λtop${i + 1} = ${sig(h.eigenvalues.top[i], 3)}`)),
    ...each.bottom.map((c, i) => (c ? null : `λbottom${i + 1} = ${sig(h.eigenvalues.bottom[i], 3)}`)),
  ].filter((x): x is string => x !== null);
  if (bad.length === 0) return null;
  const worst = Math.max(0, ...h.residuals.bottom, ...h.residuals.top);
  return {
    part: 'hessian',
    code: 'unconverged-eigenvalues',
    severity: 'warning',
    title: 'unconverged eigenvalues',
    message: `${bad.length} of ${each.top.length + each.bottom.length} extreme Ritz values did not converge`,
    value: bad.length,
    threshold: 0,
    figure: 'spectrum.png',
    detail: `${bad.join(', ')} (largest residual ${sig(worst, 3)}, rule: residual ≤ max(${h.residuals.tol}·|λ|, ${sig(h.residuals.floor ?? NaN, 2)}·ρ)); they are Ritz values, not eigenvalues: κ, κ₊, the saddle count and the verdicts use only the converged ones`,
    remedy: `raise the HVP budget (--max-matvecs, now ${h.eigenvalues.maxMatvecs ?? '?'}) or the basis (--max-iter): the bottom end of a Hessian converges slowly`,
  };
}

function hessianFindings(r: FullReport, t: FindingThresholds): Draft[] {
  const h = r.hessian;
  const lmax = h.eigenvalues.top[0];
  const lmin = h.eigenvalues.bottom[0] ?? Math.min(...h.eigenvalues.top);
  const out: Draft[] = [];
  const base = { part: 'hessian' as const };
  if (!(lmax > 0)) {
    return [
      {
        ...base,
        code: 'no-positive-curvature',
        severity: 'warning',
        title: 'no positive curvature',
        message: `λmax = ${sig(lmax, 3)} ≤ 0`,
        value: lmax,
        threshold: 0,
        figure: 'spectrum.png',
        remedy: 'the checkpoint sits on a concave ridge or a plateau: train further',
      },
    ];
  }
  const unconverged = unconvergedFinding(h);
  if (unconverged) out.push(unconverged);
  const kp = h.conditionNumbers.kappaPositive;
  if (kp !== null) {
    const ill = kp > t.illConditionedAbove;
    out.push({
      ...base,
      code: ill ? 'ill-conditioned' : 'well-conditioned',
      severity: ill ? 'warning' : 'info',
      title: ill ? 'ill-conditioned' : 'well-conditioned',
      message: `κ₊ = ${sig(kp)}`,
      value: kp,
      threshold: t.illConditionedAbove,
      figure: 'spectrum.png',
      detail: `κ₊ = λmax / the smallest clearly positive eigenvalue (λmax = ${sig(lmax, 3)}; from ${h.conditionNumbers.kappaPositiveSource ?? '—'}); ${ill ? `above ${sig(t.illConditionedAbove)}: gradient descent crawls along the flattest curved directions` : `at most ${sig(t.illConditionedAbove)}`}`,
      ...(ill ? { remedy: 'precondition: an adaptive optimizer (Adam, RMSprop), batch normalisation, inputs scaled to unit variance' } : {}),
    });
  }
  const sx = h.saddleIndex.thresholds.find((x) => x.tau === t.negativeTau) ?? h.saddleIndex.thresholds[0];
  const cp = h.criticalPoint;
  const negMsg = `${pct(sx.fraction)} of eigenvalues below −${sig(sx.tau)}·λmax`;
  const countText = !sx.source
    ? `≈ ${Math.round(sx.estimatedCount)} of ${h.params} eigenvalues (SLQ estimate ± ${sig(sx.stderr ?? NaN)})`
    : sx.source === 'eigenpairs'
      ? `${sx.count.lo === sx.count.hi ? sx.count.lo : `${sx.count.lo}–${sx.count.hi}`} of ${h.params} eigenvalues (exact: converged bottom eigenpairs reach the threshold)`
      : sx.source === 'unresolved'
        ? `at least ${sx.count.lo} of ${h.params} eigenvalues (no density computed)`
        : `${Math.round(sx.count.lo)}–${Math.round(sx.count.hi)} of ${h.params} eigenvalues (SLQ: the threshold lies within a quadrature node's spacing; point estimate ${Math.round(sx.estimatedCount)} ± ${sig((sx.stderr ?? NaN) * h.params)} probe stderr)`;
  const negDetail = `λmin = ${sig(lmin, 3)}${h.eigenvalues.convergedEach && !h.eigenvalues.convergedEach.bottom[0] ? ' (not converged)' : ''}, λmax = ${sig(lmax, 3)}; ${countText}`;
  if (cp.verdict === 'near-saddle') {
    out.push({
      ...base,
      code: 'saddle',
      severity: 'warning',
      title: 'at a saddle',
      message: negMsg,
      value: sx.fraction,
      threshold: t.negativeFraction,
      figure: 'density.png',
      detail: `${negDetail}; ${cp.reason}`,
      remedy: 'train further: SGD noise or a step along the most negative eigenvector escapes a saddle',
    });
  } else if (sx.fraction > t.negativeFraction) {
    out.push({
      ...base,
      code: 'negative-curvature',
      severity: 'warning',
      title: 'negative curvature',
      message: negMsg,
      value: sx.fraction,
      threshold: t.negativeFraction,
      figure: 'density.png',
      detail: `${negDetail}; not yet at a critical point, so not a saddle in the strict sense`,
      remedy: 'train further; the loss still descends along the negative-curvature directions',
    });
  } else if (cp.verdict === 'near-minimum') {
    out.push({
      ...base,
      code: 'near-minimum',
      severity: 'info',
      title: 'at a minimum',
      message: `λmin = ${sig(lmin, 3)} ≥ −1e-3·λmax and the gradient is small`,
      value: lmin,
      threshold: null,
      figure: 'density.png',
      detail: cp.reason,
    });
  }
  if (cp.verdict === 'not-critical') {
    out.push({
      ...base,
      code: 'not-critical',
      severity: 'info',
      title: 'not at a critical point',
      message: `one gradient step could still lower the loss by ≥ ${pct(cp.ratio)}`,
      value: cp.ratio,
      threshold: 1e-3,
      figure: 'slice-1d.png',
    });
  }
  if (r.lr !== null) {
    const thr = 2 / r.lr;
    const sharp = lmax > thr;
    const title = sharp ? (cp.verdict === 'near-minimum' ? 'sharp minimum' : 'too sharp for the learning rate') : 'stable for the learning rate';
    out.push({
      ...base,
      code: sharp ? 'sharp-minimum' : 'stable-step',
      severity: sharp ? 'warning' : 'info',
      title,
      message: `λmax = ${sig(lmax, 3)} ${sharp ? '>' : '<'} 2/lr = ${sig(thr, 3)} for lr ${r.lr}`,
      value: lmax,
      threshold: thr,
      figure: 'spectrum.png',
      detail: h.stability.reason,
      ...(sharp
        ? { remedy: `plain gradient descent with lr ${r.lr} is unstable here (edge of stability): lower the learning rate below ${sig(thr, 2)} or use warm-up` }
        : {}),
    });
  }
  return out;
}

function evalFindings(r: FullReport, t: FindingThresholds): Draft[] {
  const tr = r.eval.train;
  const te = r.eval.test;
  if (!te) return [];
  const gap = te.loss - tr.loss;
  if (!(te.loss > t.gapRatio * tr.loss && gap > t.minGap)) return [];
  const acc = tr.accuracy !== undefined && te.accuracy !== undefined ? `; accuracy ${pct(te.accuracy)} vs ${pct(tr.accuracy)}` : '';
  return [
    {
      part: 'eval',
      code: 'generalization-gap',
      severity: 'warning',
      title: 'generalisation gap',
      message: `test loss ${sig(te.loss, 3)} vs train loss ${sig(tr.loss, 3)}${acc}`,
      value: gap,
      threshold: t.minGap,
      figure: 'slice-1d.png',
      detail: `test loss is ${sig(te.loss / tr.loss, 3)}× the train loss (threshold ${t.gapRatio}× and +${t.minGap})`,
      remedy: 'more data or augmentation, weight decay, early stopping',
    },
  ];
}

const GRADIENT_TITLES: Record<GradientFinding['code'], [ReportFindingCode, string]> = {
  'vanishing-gradients': ['vanishing-gradients', 'vanishing gradients'],
  'exploding-gradients': ['exploding-gradients', 'exploding gradients'],
  'gradient-spike': ['gradient-spike', 'gradient spikes'],
  'saturated-layer': ['saturated-layer', 'saturated units'],
  'dead-relus': ['dead-relus', 'dead ReLUs'],
  healthy: ['healthy-gradients', 'healthy gradients'],
};

function gradientFinding(f: GradientFinding, r: FullReport): Draft {
  const [code, title] = GRADIENT_TITLES[f.code];
  const att = r.gradients.attenuation[r.gradients.attenuation.basis];
  const first = att.layers[0];
  const last = att.layers[att.layers.length - 1];
  let message = f.message;
  if (f.code === 'vanishing-gradients') message = `the first layer (${first}) receives ${sig(f.value)} of the output layer's (${last}) signal`;
  if (f.code === 'exploding-gradients') message = `the first layer (${first}) receives ${sig(f.value)}× the output layer's (${last}) signal`;
  if (f.code === 'healthy')
    message = `the first layer (${first}) receives ${sig(f.value)}× the output layer's (${last}) signal; no saturation, dead units or spikes`;
  return {
    part: 'gradients',
    code,
    severity: f.severity,
    title,
    message,
    value: f.value,
    threshold: f.threshold,
    figure: f.figure,
    ...(message !== f.message && f.code !== 'healthy' ? { detail: f.message } : {}),
    ...(f.code !== 'healthy' ? { remedy: f.remedy } : {}),
  };
}
