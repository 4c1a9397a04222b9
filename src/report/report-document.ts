/**
 * What the Markdown and HTML renderers show, in one shape: findings, the model card, the key
 * numbers and the figures with captions. The tables are built here once, as plain strings.
 */
import type { FullReport } from './report-types.js';
import type { ReportFinding } from './findings.js';
import { sig, pct } from './format.js';

export interface DocumentFigure {
  name: string;
  /** The PNG's file name beside the report, e.g. "density.png". */
  file: string;
  /** What <img src> gets: the file name, or a data: URI when embedded. */
  src: string;
  caption: string;
  section: 'curvature' | 'landscape' | 'gradients';
  width: number;
  height: number;
  /** The Vega spec the PNG was drawn from: the page draws it live (interactive-page.ts). */
  spec?: unknown;
}

export interface ReportDocument {
  title: string;
  report: FullReport;
  findings: ReportFinding[];
  figures: DocumentFigure[];
  meta: { losslens: string; backend: string; seed: number; generatedAt: string; elapsedMs: number };
}

export type Rows = [string, string][];

export function modelRows(r: FullReport): Rows {
  const m = r.model;
  const d = r.data;
  const used = (c: { samples: number; analysisSamples: number }) =>
    c.analysisSamples < c.samples ? ` (analyses on a seeded subset of ${c.analysisSamples})` : '';
  const rows: Rows = [
    ['model', `${m.name} — ${m.file}`],
    ['input shape → outputs', `[${m.inputShape.join(', ')}] → ${m.outputDim}`],
    [
      'parameters',
      `${m.trainableParams.toLocaleString('en-US')} trainable${m.nonTrainableParams ? `, ${m.nonTrainableParams.toLocaleString('en-US')} non-trainable` : ''}`,
    ],
    ['loss', `${m.loss} (from the ${m.lossSource})`],
    ...(m.objective ? ([['objective', m.objective.description]] as Rows) : []),
    ...(m.dequantized ? ([['weights', m.dequantized]] as Rows) : []),
    ['train data', `${d.train.source}: ${d.train.samples} samples${used(d.train)}`],
  ];
  if (d.test) rows.push(['test data', `${d.test.source}: ${d.test.samples} samples${used(d.test)}`]);
  return rows;
}

export function layerRows(r: FullReport): string[][] {
  return r.model.layers.map((l) => [l.name, l.type, l.activation ?? '', `[${l.outputShape.join(', ')}]`, String(l.trainableParams + l.nonTrainableParams)]);
}

export const LAYER_HEADER = ['layer', 'type', 'activation', 'output shape', 'parameters'];

export function keyNumbers(r: FullReport): Rows {
  const e = r.eval;
  const h = r.hessian;
  const c = h.conditionNumbers;
  const acc = (a?: number) => (a === undefined ? '' : `, accuracy ${pct(a)}`);
  const rows: Rows = [['train loss', `${sig(e.train.loss, 4)}${acc(e.train.accuracy)}, ‖∇L‖ = ${sig(e.train.gradNorm, 3)}`]];
  if (e.test) rows.push(['test loss', `${sig(e.test.loss, 4)}${acc(e.test.accuracy)}`]);
  rows.push(
    [
      'λ top',
      marks(h.eigenvalues.top, h.eigenvalues.convergedEach?.top) + (h.eigenvalues.converged.top ? '' : ' (? = not converged: a Ritz value, not an eigenvalue)'),
    ],
    [
      'λ bottom',
      marks(h.eigenvalues.bottom, h.eigenvalues.convergedEach?.bottom) +
        (h.eigenvalues.converged.bottom ? '' : ' (? = not converged: a Ritz value, not an eigenvalue)'),
    ],
    ['trace', `${sig(h.trace.estimate, 3)} ± ${sig(h.trace.stderr ?? NaN)} (${h.trace.probes} probes)`],
    ['κ = λmax/λmin', c.kappa === null ? 'undefined (λmin ≤ 0)' : sig(c.kappa, 3)],
    ['κ₊', sig(c.kappaPositive, 3)],
    ['|λmin|/λmax', sig(c.negativeToPositiveRatio, 3)],
    ...h.saddleIndex.thresholds.map((t): [string, string] => [`λ < −${sig(t.tau)}·λmax`, saddleText(t)]),
    ['critical point', `${h.criticalPoint.verdict}: ${h.criticalPoint.reason}`],
    [
      'GD stability',
      h.stability.threshold === null ? h.stability.reason : `2/λmax = ${sig(h.stability.threshold, 3)}${r.lr !== null ? `; ${h.stability.reason}` : ''}`,
    ],
    ['1-D slice', sliceRange(r.slice1d.train.loss, r.slice1d.baseLoss)],
    ['2-D slice', sliceRange(r.slice2d.train.loss.flat(), r.slice2d.baseLoss)],
    [
      'gradients first/last layer',
      sig(r.gradients.attenuation[r.gradients.attenuation.basis].overall, 2) + ` (‖∂L/∂${r.gradients.attenuation.basis === 'weights' ? 'W' : 'a'}‖)`,
    ],
  );
  if (r.gradients.symmetry)
    rows.push(['units (effective / all)', r.gradients.symmetry.layers.map((l) => `${l.name} ${l.effectiveWidth}/${l.units}`).join(', ')]);
  if (r.noise) {
    const o = r.noise.overall;
    rows.push([
      'gradient noise B_simple',
      `${sig(o.bSimple.value, 3)} ± ${sig(o.bSimple.se, 2)}; SNR ${sig(o.snr.value, 3)} ± ${sig(o.snr.se, 2)} at B = ${r.noise.batchSize} (${r.noise.minibatches} minibatches of ${r.noise.samples})`,
    ]);
  }
  if (r.noise !== undefined)
    rows.push(['training batch size', r.trainingBatchSize ? String(r.trainingBatchSize) : "unknown (not in the checkpoint's training config)"]);
  return rows;
}

function marks(values: number[], converged?: boolean[]): string {
  return values.map((v, i) => sig(v, 3) + (converged && !converged[i] ? '?' : '')).join(', ');
}

function saddleText(t: FullReport['hessian']['saddleIndex']['thresholds'][number]): string {
  if (!t.count || !t.source) return `${pct(t.fraction)} (≈ ${Math.round(t.estimatedCount)} eigenvalues)`;
  if (t.source === 'eigenpairs')
    return `${t.count.lo === t.count.hi ? t.count.lo : `${t.count.lo}–${t.count.hi}`} eigenvalues (exact, from converged eigenpairs)`;
  if (t.source === 'unresolved') return `≥ ${t.count.lo} eigenvalues (no density computed)`;
  if (t.source === 'dense' || t.source === 'iterative')
    return `${t.count.lo === t.count.hi ? t.count.lo : `${Math.round(t.count.lo)}–${Math.round(t.count.hi)}`} eigenvalues (${t.count.lo === t.count.hi ? 'exact' : 'interval'}, ${t.source})`;
  return `${Math.round(t.count.lo)}–${Math.round(t.count.hi)} eigenvalues (SLQ resolution; ${pct(t.fraction)} point estimate)`;
}

function sliceRange(loss: number[], base: number): string {
  const finite = loss.filter(Number.isFinite);
  return `loss ${sig(Math.min(...finite), 3)} … ${sig(Math.max(...finite), 3)} (checkpoint ${sig(base, 3)})`;
}
