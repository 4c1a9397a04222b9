/**
 * The sharpness history → one line chart over steps: λmax(H) against 2/η (dashed) and, where the
 * optimizer's own threshold differs (momentum, Adam), that threshold too; for adaptive optimizers
 * λmax(P⁻¹H), labelled as the preconditioned sharpness. A log y axis when the values span more
 * than a decade. Cohen et al. 2021: under full-batch GD the solid line climbs to the dashed one.
 */
import type { Spec } from 'vega';
import { lineChartSpec, type LineSeries } from '../render/line-chart.js';
import type { SharpnessHistory } from '../train/sharpness-tracker.js';

export function sharpnessSpec(h: SharpnessHistory, title = 'Sharpness along training'): Spec {
  const x = h.step;
  const series: LineSeries[] = [{ name: 'λmax(H), sharpness', x, y: h.lambdaMax }];
  if (h.preconditioned) {
    const y = h.preconditioned.lambdaMax.map((v) => (v === null ? NaN : v));
    series.push({ name: 'λmax(P⁻¹H), preconditioned sharpness', x, y });
  }
  series.push({ name: '2/η', x, y: h.twoOverLr, dashed: true });
  const sameAsTwo = h.threshold.every((t, i) => Math.abs(t - h.twoOverLr[i]) <= 1e-12 * t);
  if (!sameAsTwo) series.push({ name: `threshold ${h.rule.formula}`, x, y: h.threshold, dashed: true });
  const ys = series.flatMap((s) => s.y).filter((v) => Number.isFinite(v) && v > 0);
  const log = ys.length > 0 && Math.max(...ys) > 10 * Math.min(...ys);
  const on = h.objective.kind === 'full-batch' ? `full batch, ${h.objective.samples} samples` : `fixed subset of ${h.objective.samples} training samples`;
  return lineChartSpec({
    title: `${title} (${on})`,
    xLabel: 'step (updates taken)',
    yLabel: 'sharpness / threshold',
    series,
    yScale: log ? 'log' : 'linear',
    points: x.length <= 60,
  });
}
