/**
 * The trajectory's figures, each quantity against the training step: λmax with 2/η dashed where
 * the learning rate is known (Cohen et al. 2021: under gradient descent λmax climbs to 2/η), the
 * trace with ±2 standard errors, loss with accuracy on a second axis, the SLQ densities as a heat
 * strip (one column per checkpoint, log₁₀ density), and the 1-D slices overlaid.
 */
import { lineChartSpec, heatmapSpec, type LineSeries } from '../render/index.js';
import { PALETTE } from '../render/theme.js';
import { renderFigure, type Figure } from '../render/figure.js';
import type { TrajectorySummary, TrajectoryRow } from '../pipelines/trajectory-summary.js';

const axis = (s: TrajectorySummary) => (s.unit === 'step' ? 'step (updates taken)' : s.unit);

function column(rows: TrajectoryRow[], k: keyof TrajectoryRow): { x: number[]; y: number[] } {
  const kept = rows.filter((r) => typeof r[k] === 'number' && Number.isFinite(r[k] as number));
  return { x: kept.map((r) => r.step), y: kept.map((r) => r[k] as number) };
}

/** λmax against the step, 2/η dashed where known; a log axis when the values span more than a decade. */
export function sharpnessTrajectorySpec(s: TrajectorySummary): object {
  const series: LineSeries[] = [{ name: 'λmax(H)', ...column(s.rows, 'lambdaMax') }];
  const eta = column(s.rows, 'twoOverLr');
  if (eta.x.length) series.push({ name: '2/η', ...eta, dashed: true });
  const ys = series.flatMap((l) => l.y).filter((v) => v > 0);
  const log = ys.length > 0 && Math.min(...series[0].y) > 0 && Math.max(...ys) > 10 * Math.min(...ys);
  return lineChartSpec({
    title: 'Sharpness along the trajectory',
    xLabel: axis(s),
    yLabel: 'λmax, 2/η',
    series,
    yScale: log ? 'log' : 'linear',
    points: true,
  });
}

export function traceTrajectorySpec(s: TrajectorySummary): object {
  const rows = s.rows.filter((r) => r.trace !== undefined);
  const se = rows.map((r) => r.traceStderr ?? 0);
  const series: LineSeries[] = [
    {
      name: 'trace (Hutchinson) ± 2 s.e.',
      x: rows.map((r) => r.step),
      y: rows.map((r) => r.trace!),
      band: { lo: rows.map((r, i) => r.trace! - 2 * se[i]), hi: rows.map((r, i) => r.trace! + 2 * se[i]) },
    },
  ];
  return lineChartSpec({ title: 'Hessian trace along the trajectory', xLabel: axis(s), yLabel: 'tr H', series, points: true });
}

export function lossTrajectorySpec(s: TrajectorySummary): object {
  const series: LineSeries[] = [{ name: 'loss', ...column(s.rows, 'loss') }];
  const acc = column(s.rows, 'accuracy');
  if (acc.x.length) series.push({ name: 'accuracy', ...acc, axis: 'right' });
  return lineChartSpec({
    title: `Loss along the trajectory (${s.samples} samples)`,
    xLabel: axis(s),
    yLabel: 'loss',
    series,
    points: true,
    ...(acc.x.length ? { rightLabel: 'accuracy' } : {}),
  });
}

/** One column per checkpoint: x the step where the steps are evenly spaced, else the checkpoint's place in step order. */
export function densityStripSpec(d: NonNullable<TrajectorySummary['density']>, unit = 'step (updates taken)'): object {
  const gaps = d.steps.slice(1).map((v, i) => v - d.steps[i]);
  const even = gaps.every((g) => Math.abs(g - gaps[0]) <= 1e-9 * Math.max(1, gaps[0]));
  const x = even ? d.steps : d.steps.map((_, i) => i);
  const peak = Math.max(...d.density.flat());
  const floor = peak * 1e-6;
  const z = d.grid.map((_, j) => d.density.map((col) => Math.log10(Math.max(col[j], floor))));
  return heatmapSpec({
    title: `Hessian spectral density along the trajectory (SLQ, σ = ${d.sigma.toPrecision(2)})`,
    xLabel: even ? unit : `checkpoint (in ${unit.split(' ')[0]} order)`,
    yLabel: 'eigenvalue λ',
    x,
    y: d.grid,
    z,
    contours: 0,
    colorbarTitle: 'log₁₀ density',
  });
}

export function slicesSpec(sl: NonNullable<TrajectorySummary['slices']>, unit = 'step'): object {
  // the palette's colours repeat after PALETTE.length curves: the repeats are dashed so that no two curves look alike
  const series: LineSeries[] = sl.curves.map((c, i) => ({ name: `${unit} ${c.step}`, x: sl.alphas, y: c.loss, dashed: i >= PALETTE.length }));
  const ys = series.flatMap((l) => l.y);
  const log = ys.every((v) => v > 0) && Math.max(...ys) > 100 * Math.min(...ys);
  return lineChartSpec({
    title: '1-D loss slices along a filter-normalised direction',
    xLabel: 'α',
    yLabel: 'loss L(θ + α·d)',
    series,
    yScale: log ? 'log' : 'linear',
    legend: series.length > 12 ? 'none' : undefined,
  });
}

export async function trajectoryFigures(s: TrajectorySummary, scale: number): Promise<Figure[]> {
  const out: Figure[] = [];
  const has = (k: keyof TrajectoryRow) => s.rows.some((r) => r[k] !== undefined);
  if (has('lambdaMax')) out.push(await renderFigure('trajectory-sharpness', sharpnessTrajectorySpec(s), scale));
  if (has('trace')) out.push(await renderFigure('trajectory-trace', traceTrajectorySpec(s), scale));
  if (has('loss')) out.push(await renderFigure('trajectory-loss', lossTrajectorySpec(s), scale));
  if (s.density && s.density.steps.length >= 2) out.push(await renderFigure('trajectory-density', densityStripSpec(s.density, axis(s)), scale));
  if (s.slices) out.push(await renderFigure('trajectory-slices', slicesSpec(s.slices, s.unit), scale));
  return out;
}
