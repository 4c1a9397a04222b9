/**
 * Figure specs of a double-descent sweep (specs only; render/ turns them into PNGs):
 *  - model-wise: median test and train error over parameter count (log x) with min–max bands over
 *    seeds, the estimated interpolation threshold and n·K marked, the label noise in the title;
 *  - epoch-wise: median test error over epochs, one line per width (at most `maxLines`, spread
 *    geometrically over the widths and always including the peak's).
 */
import { lineChartSpec, type LineSeries, type VerticalMark } from '../render/line-chart.js';
import type { DoubleDescentAnalysis, epochCurves } from '../double-descent/analysis.js';

export interface ModelwiseFigureOptions {
  /** e.g. "MLP on fixtures/mlp-relu" or "random ReLU features". */
  family: string;
  /** Fraction of training labels replaced (0 for none); for regression, the target-noise σ. */
  noiseLabel: string;
  /** "misclassification rate" (default) or "MSE". */
  errorName?: string;
  /** Log y (default: when the median test error spans more than a factor 20). */
  yScale?: 'linear' | 'log';
}

export function modelwiseSpec(a: DoubleDescentAnalysis, o: ModelwiseFigureOptions): object {
  const pts = a.points;
  const te = pts.map((p) => p.testError.median);
  const pos = te.filter((v) => v > 0);
  const log = o.yScale ? o.yScale === 'log' : pos.length > 0 && Math.max(...pos) / Math.min(...pos) > 20;
  // On a log axis an interpolating train error (0 or 1e-29) would stretch the axis: floor it.
  const floor = log ? Math.min(...pos) / 100 : -Infinity;
  const fl = (v: number) => Math.max(v, floor);
  const x = pts.map((p) => p.params);
  const series: LineSeries[] = [
    { name: 'test (median, min–max over seeds)', x, y: te, band: { lo: pts.map((p) => p.testError.lo), hi: pts.map((p) => p.testError.hi) } },
    {
      name: log ? `train (floored at ${floor.toPrecision(2)})` : 'train',
      x,
      y: pts.map((p) => fl(p.trainError.median)),
      dashed: true,
      band: { lo: pts.map((p) => fl(p.trainError.lo)), hi: pts.map((p) => fl(p.trainError.hi)) },
    },
  ];
  const marks: VerticalMark[] = [];
  const tol = a.threshold.interpolationTol;
  const same = a.threshold.params === a.threshold.expectedParams ? ' = n·K' : '';
  // Short labels: the two rules may stand close together on the log axis (details go to summary.json).
  void tol;
  if (a.threshold.params !== null) marks.push({ x: a.threshold.params, label: `train err ≈ 0${same}` });
  const [lo, hi] = [Math.min(...x), Math.max(...x)];
  if (a.threshold.expectedParams >= lo && a.threshold.expectedParams <= hi && a.threshold.expectedParams !== a.threshold.params) {
    marks.push({ x: a.threshold.expectedParams, label: 'n·K' });
  }
  return lineChartSpec({
    title: `Double descent — ${o.family}, ${o.noiseLabel}`,
    xLabel: 'parameters (log scale)',
    yLabel: `error (${o.errorName ?? 'misclassification rate'})`,
    xScale: 'log',
    yScale: log ? 'log' : 'linear',
    series,
    marks,
    points: true,
  });
}

export interface EpochwiseFigureOptions {
  family: string;
  noiseLabel: string;
  errorName?: string;
  /** Widths drawn at most (default 7). */
  maxLines?: number;
  /** Always draw this width (e.g. the peak's). */
  highlight?: number;
}

type Curves = ReturnType<typeof epochCurves>;

/** Evenly spread picks from the sorted curves, always including `keep` and the extremes. */
export function pickCurves(curves: Curves, max: number, keep?: number): Curves {
  if (curves.length <= max) return curves;
  const idx = new Set<number>();
  for (let k = 0; k < max; k++) idx.add(Math.round((k * (curves.length - 1)) / (max - 1)));
  const ki = curves.findIndex((c) => c.width === keep);
  if (ki >= 0 && !idx.has(ki)) {
    const nearest = [...idx].sort((a, b) => Math.abs(a - ki) - Math.abs(b - ki))[0];
    if (nearest !== 0 && nearest !== curves.length - 1) idx.delete(nearest);
    idx.add(ki);
  }
  return [...idx].sort((a, b) => a - b).map((i) => curves[i]);
}

export function epochwiseSpec(curves: Curves, o: EpochwiseFigureOptions): object {
  const shown = pickCurves(curves, o.maxLines ?? 7, o.highlight);
  const series: LineSeries[] = shown.map((c) => ({
    name: `width ${c.width} (${fmt(c.params)} params)${c.width === o.highlight ? ' — peak' : ''}`,
    x: c.epoch,
    y: c.testError.map((s) => s.median),
  }));
  return lineChartSpec({
    title: `Test error over epochs — ${o.family}, ${o.noiseLabel}`,
    xLabel: 'epoch',
    yLabel: `test error (${o.errorName ?? 'misclassification rate'}, median over seeds)`,
    series,
  });
}

function fmt(v: number): string {
  return v >= 1e4 ? `${(v / 1000).toFixed(v >= 1e5 ? 0 : 1)}k` : String(v);
}
