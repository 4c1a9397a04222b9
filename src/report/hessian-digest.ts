/** The short human table (digest) of a Hessian analysis, as `losslens hessian` prints it. */
import type { HessianResult } from '../curvature/analyze-hessian.js';
import type { RepeatsResult } from '../curvature/hessian-repeats.js';
import { formatTable, num } from './text-table.js';

export function hessianTable(r: Omit<HessianResult, 'vectors'>, rep?: RepeatsResult): string {
  const pm = (s?: { mean: number; std: number }) => (s ? `  (${num(s.mean)} ± ${num(s.std)} over ${rep!.repeats} subsets)` : '');
  const rows: string[][] = [
    ['parameters / samples', `${r.params} / ${r.samples}`],
    ['loss, ‖∇L‖', `${num(r.loss)}, ${num(r.gradNorm)}`],
    ['λ top', marked(r.eigenvalues.top, r.eigenvalues.convergedEach.top) + pm(rep?.lambdaMax)],
    ['λ bottom', marked(r.eigenvalues.bottom, r.eigenvalues.convergedEach.bottom)],
    [
      'max residual top / bottom',
      `${num(Math.max(...r.residuals.top))} / ${num(Math.max(0, ...r.residuals.bottom))} (${r.eigenvalues.matvecs} HVPs, ${r.eigenvalues.restarts} restarts)`,
    ],
    ...unconvergedRows(r),
    ['trace', `${num(r.trace.estimate)} ± ${num(r.trace.stderr ?? NaN)} (${r.trace.method}, ${r.trace.probes} HVPs)` + pm(rep?.trace)],
    ...(r.trace.slq
      ? [['trace (SLQ probes)', `${num(r.trace.slq.estimate)} ± ${num(r.trace.slq.stderr ?? NaN)} (${r.trace.slq.probes} probes, no extra HVPs)`]]
      : []),
    ...(r.frobenius ? [['‖H‖_F', `${num(r.frobenius.norm)} ± ${num(r.frobenius.stderr ?? NaN)} (${r.frobenius.probes} products)`]] : []),
    ...(r.density ? [['SLQ bounds', `λmax ≥ ${num(r.density.extremeBounds.lambdaMaxAtLeast)}, λmin ≤ ${num(r.density.extremeBounds.lambdaMinAtMost)}`]] : []),
    ['κ = λmax/λmin', r.conditionNumbers.kappa === null ? `undefined (${r.conditionNumbers.kappaReason.split(':')[0]})` : num(r.conditionNumbers.kappa)],
    [
      'κ₊',
      r.conditionNumbers.kappaPositive === null
        ? `undefined (${r.conditionNumbers.kappaPositiveReason})`
        : `${num(r.conditionNumbers.kappaPositive)}${r.conditionNumbers.kappaPositiveSource === 'slq-nodes' ? ' (from an SLQ node: coarse)' : ''}`,
    ],
    ['|λmin|/λmax', num(r.conditionNumbers.negativeToPositiveRatio ?? NaN)],
    ...r.saddleIndex.thresholds.map((t) => [`#λ < −${t.tau}·λmax`, saddleCell(t)]),
    ['critical point', `${r.criticalPoint.verdict}: ${r.criticalPoint.reason}`],
    ['stability (GD)', r.stability.reason],
  ];
  if (r.diagonal)
    rows.push(
      ...r.diagonal.perLayer.map((l) => [
        `diag ${l.layer}`,
        `Σ ${num(l.sum)} ± ${num(l.sumStderr ?? NaN)}, mean ${num(l.mean)}, max|·| ${num(l.maxAbs)}, ${num(100 * l.negativeFraction, 3)}% < 0 (${r.diagonal!.method})`,
      ]),
    );
  if (r.perLayer)
    rows.push(
      ...r.perLayer.map((l) => [
        `layer ${l.layer}`,
        `λmax ${num(l.lambdaMax)}${l.converged === false ? '?' : ''}, trace ${num(l.trace)} ± ${num(l.traceStderr ?? NaN)}`,
      ]),
    );
  return formatTable([r.curvature && r.curvature !== 'hessian' ? `${r.curvature} (curvature)` : 'hessian', ''], rows);
}

/** Values with a mark on each unconverged one: "?" = a Ritz value, not (yet) an eigenvalue. */
function marked(values: number[], converged: boolean[]): string {
  return values.map((v, i) => num(v) + (converged[i] ? '' : '?')).join(', ');
}

function unconvergedRows(r: Omit<HessianResult, 'vectors'>): string[][] {
  const n = [...r.eigenvalues.convergedEach.top, ...r.eigenvalues.convergedEach.bottom].filter((c) => !c).length;
  if (n === 0) return [];
  return [
    [
      '? unconverged',
      `${n} Ritz value${n > 1 ? 's' : ''} did not meet the residual rule within ${r.eigenvalues.maxMatvecs} HVPs: not eigenvalues; raise --max-matvecs (or --max-iter)`,
    ],
  ];
}

function saddleCell(t: HessianResult['saddleIndex']['thresholds'][number]): string {
  if (t.source === 'eigenpairs')
    return t.count.lo === t.count.hi
      ? `${t.count.lo} (exact: converged eigenpairs)`
      : `${t.count.lo}–${t.count.hi} (eigenpairs; some within their error of the threshold)`;
  if (t.source === 'unresolved') return `≥ ${t.count.lo} (no density; more eigenvalues below than the bottom pairs found)`;
  if (t.source === 'dense' || t.source === 'iterative')
    return t.exact ? `${t.count.lo} (exact: ${t.source})` : `${Math.round(t.count.lo)}–${Math.round(t.count.hi)} (${t.source}: ${t.cause})`;
  return `${Math.round(t.count.lo)}–${Math.round(t.count.hi)} (SLQ node resolution; fraction ${num(t.fraction)} ± ${num(t.stderr ?? NaN)} probe stderr)`;
}
