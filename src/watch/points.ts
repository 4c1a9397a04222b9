/**
 * Measurements → the points the watch page's charts draw: one chart per quantity, each point `{ step, value,
 * series }`. Skipped measurements (null) and non-finite values draw nothing; charts on a log axis drop values ≤ 0.
 */
import type { FitRecord } from '../fit/record.js';

/** One point of a watch chart. */
export interface WatchPoint {
  step: number;
  value: number;
  series: string;
}

/** The charts of the watch page: name, title, y label, log y. */
export const WATCH_CHARTS = [
  { name: 'loss', title: 'Probe loss', y: 'loss', log: true },
  { name: 'sharpness', title: 'Sharpness λmax and the stability threshold 2/η', y: 'λmax', log: true },
  { name: 'trace', title: 'Hessian trace tr(H) (Hutchinson)', y: 'tr(H)', log: false },
  { name: 'grad-norms', title: 'Gradient norm per layer', y: '‖∂L/∂W‖', log: true },
  { name: 'noise', title: 'Gradient noise: SNR and B_simple', y: 'value', log: true },
] as const;

/** A chart's name. */
export type WatchChart = (typeof WATCH_CHARTS)[number]['name'];

function series(r: FitRecord): Record<WatchChart, [string, number | null | undefined][]> {
  return {
    loss: [['probe loss', r.loss]],
    sharpness: [
      ['λmax', r.lambdaMax?.value],
      ['2/η', r.twoOverEta],
    ],
    trace: [['tr(H)', r.trace?.value]],
    'grad-norms': (r.gradNorms ?? []).map((g) => [g.layer, g.norm]),
    noise: [
      ['SNR', r.noise?.snr],
      ['B_simple', r.noise?.bSimple],
    ],
  };
}

/** The points each chart gains from `records`. */
export function recordPoints(records: FitRecord[]): Record<WatchChart, WatchPoint[]> {
  const out = Object.fromEntries(WATCH_CHARTS.map((c) => [c.name, [] as WatchPoint[]])) as Record<WatchChart, WatchPoint[]>;
  for (const r of records) {
    const s = series(r);
    for (const c of WATCH_CHARTS)
      for (const [name, v] of s[c.name])
        if (typeof v === 'number' && Number.isFinite(v) && (!c.log || v > 0)) out[c.name].push({ step: r.step, value: v, series: name });
  }
  return out;
}

/** The Vega spec of an empty watch chart (data `points` filled by the page), lines per series with points. */
export function watchChartSpec(c: (typeof WATCH_CHARTS)[number]): object {
  const enc = { x: { scale: 'x', field: 'step' }, y: { scale: 'y', field: 'value' } };
  return {
    width: 600,
    height: 240,
    padding: { left: 70, right: 130, top: 36, bottom: 48 },
    autosize: 'none',
    title: { text: c.title, fontSize: 14 },
    data: [{ name: 'points', values: [] }],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'points', field: 'step' }, range: 'width', zero: false, nice: true },
      { name: 'y', type: c.log ? 'log' : 'linear', domain: { data: 'points', field: 'value' }, range: 'height', zero: false, nice: true },
      { name: 'color', type: 'ordinal', domain: { data: 'points', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'step', grid: true },
      { orient: 'left', scale: 'y', title: c.y, grid: true },
    ],
    legends: [{ stroke: 'color', fill: 'color', orient: 'right', symbolType: 'stroke' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'one', data: 'points', groupby: 'series' } },
        marks: [
          { type: 'line', from: { data: 'one' }, encode: { update: { ...enc, stroke: { scale: 'color', field: 'series' }, strokeWidth: { value: 2 } } } },
        ],
      },
      { type: 'symbol', from: { data: 'points' }, encode: { update: { ...enc, fill: { scale: 'color', field: 'series' }, size: { value: 24 } } } },
    ],
  };
}
