/** The run's records → the four figures' Vega specs: λmax against 2/η, tr(H), per-layer gradient norms, gradient noise. */
import { lineChartSpec, type LineSeries } from '../render/line-chart.js';
import type { FitRecord } from './record.js';
import type { FitOptimizerInfo } from './model-snapshot.js';

const finite = (xs: number[]) => xs.filter((v) => Number.isFinite(v) && v > 0);
/** A log axis when the positive values span more than a decade. */
const scaleOf = (xs: number[]): 'log' | 'linear' => {
  const ys = finite(xs);
  return ys.length > 0 && ys.length === xs.length && Math.max(...ys) > 10 * Math.min(...ys) ? 'log' : 'linear';
};
const val = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);

function sharpness(rs: FitRecord[], opt: FitOptimizerInfo): object {
  const x = rs.map((r) => r.step);
  const series: LineSeries[] = [{ name: 'λmax(H) on the probe', x, y: rs.map((r) => val(r.lambdaMax?.value)) }];
  if (opt.learningRate !== null) series.push({ name: `2/η (η = ${opt.learningRate})`, x, y: x.map(() => 2 / opt.learningRate!), dashed: true });
  if (opt.threshold !== null && opt.thresholdFormula !== '2/η') {
    const what = opt.thresholdKind === 'preconditioned' ? ' (bounds λmax(P⁻¹H))' : '';
    series.push({ name: `threshold ${opt.thresholdFormula}${what}`, x, y: x.map(() => opt.threshold!), dashed: true });
  }
  return lineChartSpec({
    title: `Sharpness during model.fit (${opt.name})`,
    xLabel: 'step (batches trained)',
    yLabel: 'λmax / threshold',
    series,
    yScale: scaleOf(series.flatMap((s) => s.y)),
    points: x.length <= 60,
  });
}

function trace(rs: FitRecord[]): object {
  const x = rs.map((r) => r.step);
  const y = rs.map((r) => val(r.trace?.value));
  const se = rs.map((r) => val(r.trace?.stderr));
  const band = { lo: y.map((v, i) => v - 2 * se[i]!), hi: y.map((v, i) => v + 2 * se[i]!) };
  return lineChartSpec({
    title: 'Hessian trace on the probe (Hutchinson, ±2 standard errors)',
    xLabel: 'step (batches trained)',
    yLabel: 'tr(H)',
    series: [{ name: 'tr(H)', x, y, band }],
    points: x.length <= 60,
  });
}

function gradNorms(rs: FitRecord[]): object {
  const x = rs.map((r) => r.step);
  const layers = [...new Set(rs.flatMap((r) => (r.gradNorms ?? []).map((g) => g.layer)))];
  const series = layers.map((layer) => ({ name: layer, x, y: rs.map((r) => val(r.gradNorms?.find((g) => g.layer === layer)?.norm)) }));
  return lineChartSpec({
    title: 'Gradient norm per layer on the probe',
    xLabel: 'step (batches trained)',
    yLabel: '‖∂L/∂θ_layer‖',
    series,
    yScale: scaleOf(series.flatMap((s) => s.y)),
    points: x.length <= 60,
  });
}

function noise(rs: FitRecord[]): object {
  const x = rs.map((r) => r.step);
  return lineChartSpec({
    title: 'Gradient noise on the probe',
    xLabel: 'step (batches trained)',
    yLabel: 'B_simple (samples)',
    rightLabel: 'SNR at the noise batch size',
    series: [
      { name: 'B_simple = tr Σ / ‖G‖²', x, y: rs.map((r) => val(r.noise?.bSimple)) },
      { name: 'SNR', x, y: rs.map((r) => val(r.noise?.snr)), axis: 'right', dashed: true },
    ],
    points: x.length <= 60,
  });
}

/** The figures' file stems and specs (noise left out when no record measured it). */
export function fitFigureSpecs(rs: FitRecord[], opt: FitOptimizerInfo): { name: string; spec: object }[] {
  const out = [
    { name: 'sharpness', spec: sharpness(rs, opt) },
    { name: 'trace', spec: trace(rs) },
    { name: 'grad-norms', spec: gradNorms(rs) },
  ];
  if (rs.some((r) => r.noise)) out.push({ name: 'noise', spec: noise(rs) });
  if (!rs.some((r) => r.trace)) out.splice(1, 1);
  return out;
}
