/** The short human table `losslens hessian` prints. */
import type { HessianResult } from '../src/curvature/analyze-hessian.js';
import type { RepeatsResult } from '../src/curvature/hessian-repeats.js';
import { formatTable, num } from './table.js';

export function hessianTable(r: Omit<HessianResult, 'vectors'>, rep?: RepeatsResult): string {
  const pm = (s?: { mean: number; std: number }) => (s ? `  (${num(s.mean)} ± ${num(s.std)} over ${rep!.repeats} subsets)` : '');
  const rows: string[][] = [
    ['parameters / samples', `${r.params} / ${r.samples}`],
    ['loss, ‖∇L‖', `${num(r.loss)}, ${num(r.gradNorm)}`],
    ['λ top', r.eigenvalues.top.map((v) => num(v)).join(', ') + pm(rep?.lambdaMax)],
    ['λ bottom', r.eigenvalues.bottom.map((v) => num(v)).join(', ')],
    ['max residual top / bottom', `${num(Math.max(...r.residuals.top))} / ${num(Math.max(0, ...r.residuals.bottom))}`],
    ['trace', `${num(r.trace.estimate)} ± ${num(r.trace.stderr ?? NaN)} (${r.trace.probes} probes)` + pm(rep?.trace)],
    ['κ = λmax/λmin', r.conditionNumbers.kappa === null ? `undefined (${r.conditionNumbers.kappaReason.split(':')[0]})` : num(r.conditionNumbers.kappa)],
    ['κ₊', num(r.conditionNumbers.kappaPositive ?? NaN)],
    ['|λmin|/λmax', num(r.conditionNumbers.negativeToPositiveRatio ?? NaN)],
    ...r.saddleIndex.thresholds.map((t) => [`fraction λ < −${t.tau}·λmax`, `${num(t.fraction)} ± ${num(t.stderr ?? NaN)} (≈${Math.round(t.estimatedCount)} eigenvalues)`]),
    ['critical point', `${r.criticalPoint.verdict}: ${r.criticalPoint.reason}`],
    ['stability (GD)', r.stability.reason],
  ];
  if (r.perLayer) rows.push(...r.perLayer.map((l) => [`layer ${l.layer}`, `λmax ${num(l.lambdaMax)}, trace ${num(l.trace)} ± ${num(l.traceStderr ?? NaN)}`]));
  return formatTable(['hessian', ''], rows);
}
