/**
 * Lines over x (loss along an interpolation, training curves, 1-D slices): optional bands
 * (e.g. median with a band over seeds), dashed series, a second y axis, labelled vertical rules.
 */
import type { Spec } from 'vega';
import { baseConfig, frame, titleOf, PALETTE } from './theme.js';

/** One series of a line chart: its name and points. */
export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  band?: { lo: number[]; hi: number[] };
  dashed?: boolean;
  axis?: 'left' | 'right';
}

/** A labelled vertical rule on a line chart. */
export interface VerticalMark {
  x: number;
  label: string;
}

/** A line chart: axes, series, scales and marks. */
export interface LineChartInput {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  yScale?: 'linear' | 'log';
  xScale?: 'linear' | 'log';
  /** Vertical rules with labels, e.g. the checkpoint or an interpolation threshold. */
  marks?: VerticalMark[];
  /** Title of the right y axis (series with axis: 'right'). */
  rightLabel?: string;
  points?: boolean;
  /** Legend position inside the plot (default top-right). */
  legend?: Corner | 'none';
}

type Corner = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left';

/** Log-axis tick labels: plain numbers in [1e-3, 1e4), else compact exponents (1e-6). */
export const LOG_LABEL = "datum.value >= 1e-3 && datum.value < 1e4 ? format(datum.value, '~g') : replace(format(datum.value, '.0e'), 'e+', 'e')";

/**
 * Axis properties for a log axis: ticks at whole decades when the data span two or more
 * (d3's 1-2-…-9 ticks crowd the axis), labelled with LOG_LABEL.
 */
export function logAxisLabels(values: number[] = []) {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.ceil(Math.log10(Math.max(...pos)));
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const decades = pos.length && hi - lo >= 2 ? Array.from({ length: Math.floor((hi - lo) / step) + 1 }, (_, k) => 10 ** (lo + k * step)) : undefined;
  return { ...(decades ? { values: decades } : {}), encode: { labels: { update: { text: { signal: LOG_LABEL } } } } };
}

/** The plot corner (40% × 30% of the area) that the fewest data points fall in. */
function emptiestCorner(series: LineSeries[], [x0, x1]: [number, number], logX: boolean, logY: boolean): Corner {
  const left = series.filter((s) => s.axis !== 'right');
  const ys = left
    .flatMap((s) => s.y)
    .filter((v) => Number.isFinite(v) && (!logY || v > 0))
    .map((v) => (logY ? Math.log10(v) : v));
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const norm = (v: number, a: number, b: number, log: boolean) =>
    ((log ? Math.log10(v) : v) - (log ? Math.log10(a) : a)) / ((log ? Math.log10(b / a) : b - a) || 1);
  const counts: Record<Corner, number> = { 'top-right': 0, 'top-left': 0, 'bottom-right': 0, 'bottom-left': 0 };
  for (const s of series) {
    const yr = s.axis === 'right' ? [Math.min(...s.y), Math.max(...s.y)] : [logY ? 10 ** y0 : y0, logY ? 10 ** y1 : y1];
    s.x.forEach((x, i) => {
      const u = norm(x, x0, x1, logX);
      const v = norm(s.y[i], yr[0], yr[1], logY && s.axis !== 'right');
      if (!Number.isFinite(u) || !Number.isFinite(v)) return;
      if (u > 0.6 && v > 0.7) counts['top-right']++;
      if (u < 0.4 && v > 0.7) counts['top-left']++;
      if (u > 0.6 && v < 0.3) counts['bottom-right']++;
      if (u < 0.4 && v < 0.3) counts['bottom-left']++;
    });
  }
  return (Object.keys(counts) as Corner[]).reduce((best, c) => (counts[c] < counts[best] ? c : best), 'top-right');
}

const DASH = [7, 4];

function rows(s: LineSeries, logY: boolean, logX: boolean) {
  if (s.x.length !== s.y.length) throw new RangeError(`line chart: series "${s.name}" has ${s.x.length} x but ${s.y.length} y`);
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  return s.x.map((x, i) => ({ x, y: s.y[i], lo: s.band?.lo[i], hi: s.band?.hi[i] })).filter((r) => ok(r.x, logX) && ok(r.y, logY));
}

function seriesMarks(s: LineSeries, k: number, color: string, points: boolean) {
  const data = `series${k}`;
  const y = s.axis === 'right' ? 'yRight' : 'y';
  const marks: object[] = [];
  if (s.band) {
    marks.push({
      type: 'area',
      from: { data: `${data}Band` },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x' },
          y: { scale: y, field: 'lo' },
          y2: { scale: y, field: 'hi' },
          fill: { value: color },
          fillOpacity: { value: 0.18 },
          interpolate: { value: 'linear' },
        },
      },
    });
  }
  marks.push({
    type: 'line',
    from: { data },
    encode: {
      enter: {
        x: { scale: 'x', field: 'x' },
        y: { scale: y, field: 'y' },
        stroke: { value: color },
        strokeWidth: { value: 2.2 },
        strokeDash: { value: s.dashed ? DASH : [] },
        strokeCap: { value: 'round' },
        strokeJoin: { value: 'round' },
      },
    },
  });
  if (points) {
    marks.push({
      type: 'symbol',
      from: { data },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x' },
          y: { scale: y, field: 'y' },
          size: { value: 30 },
          fill: { value: color },
          stroke: { value: 'white' },
          strokeWidth: { value: 0.8 },
        },
      },
    });
  }
  return marks;
}

function ruleMarks() {
  return [
    {
      type: 'rule',
      from: { data: 'rules' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x' },
          y: { value: 0 },
          y2: { signal: 'height' },
          stroke: { value: '#555' },
          strokeWidth: { value: 1.2 },
          strokeDash: { value: [3, 3] },
        },
      },
    },
    {
      type: 'text',
      from: { data: 'rules' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x' },
          y: { value: -5 },
          text: { field: 'label' },
          align: { signal: "scale('x', datum.x) > width - 70 ? 'right' : scale('x', datum.x) < 70 ? 'left' : 'center'" },
          dx: { signal: "scale('x', datum.x) > width - 70 ? 4 : scale('x', datum.x) < 70 ? -4 : 0" },
          baseline: { value: 'bottom' },
          fontSize: { value: 12 },
          fill: { value: '#222' },
        },
      },
    },
  ];
}

/**
 * A Vega spec of one or more series on linear or log axes, with bands, vertical marks and a legend; render it
 * with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { lineChartSpec } from 'losslens/figures';
 *
 * const spec = lineChartSpec({ title: 'Loss along α', xLabel: 'α', yLabel: 'loss', series: [{ name: 'train', x: [-1, 0, 1], y: [2, 1, 2] }], yScale: 'log' });
 * const { data, scales } = spec as { data: { values: { x: number; y: number }[] }[]; scales: { name: string; type: string }[] };
 * assert.deepEqual(
 *   data[0].values.map((p) => [p.x, p.y]),
 *   [[-1, 2], [0, 1], [1, 2]],
 * );
 * assert.equal(scales.find((s) => s.name === 'y')!.type, 'log');
 * ```
 */
export function lineChartSpec(input: LineChartInput): Spec {
  const logY = input.yScale === 'log';
  const logX = input.xScale === 'log';
  const hasRight = input.series.some((s) => s.axis === 'right');
  const layout = frame(hasRight ? { right: 84 } : {});
  const colors = input.series.map((_, k) => PALETTE[k % PALETTE.length]);
  const data: object[] = [];
  input.series.forEach((s, k) => {
    const r = rows(s, logY && s.axis !== 'right', logX);
    data.push({ name: `series${k}`, values: r });
    if (s.band)
      data.push({ name: `series${k}Band`, values: r.filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi) && (!logY || (p.lo as number) > 0)) });
  });
  const xs = input.series.flatMap((s) => s.x).filter((v) => Number.isFinite(v) && (!logX || v > 0));
  const [xmin, xmax] = [Math.min(...xs), Math.max(...xs)];
  data.push({ name: 'rules', values: input.marks ?? [] });
  const ySources = (axis: 'left' | 'right') =>
    input.series.flatMap((s, k) =>
      (s.axis ?? 'left') === axis
        ? [
            { data: `series${k}`, field: 'y' },
            ...(s.band
              ? [
                  { data: `series${k}Band`, field: 'lo' },
                  { data: `series${k}Band`, field: 'hi' },
                ]
              : []),
          ]
        : [],
    );
  const yScale = (name: string, axis: 'left' | 'right', log: boolean) => ({
    name,
    type: log ? 'log' : 'linear',
    domain: { fields: ySources(axis) },
    range: 'height',
    nice: true,
    zero: false,
  });
  const scales: object[] = [
    { name: 'x', type: logX ? 'log' : 'linear', domain: [xmin, xmax], range: 'width', nice: false, zero: false },
    yScale('y', 'left', logY),
    { name: 'color', type: 'ordinal', domain: input.series.map((s) => s.name), range: colors },
  ];
  const axes: object[] = [
    { orient: 'bottom', scale: 'x', title: input.xLabel, grid: true, tickCount: 8 },
    {
      orient: 'left',
      scale: 'y',
      title: input.yLabel,
      grid: true,
      tickCount: 7,
      ...(logY ? logAxisLabels(input.series.filter((s) => s.axis !== 'right').flatMap((s) => [...s.y, ...(s.band?.lo ?? []), ...(s.band?.hi ?? [])])) : {}),
    },
  ];
  if (hasRight) {
    scales.push(yScale('yRight', 'right', false));
    axes.push({ orient: 'right', scale: 'yRight', title: input.rightLabel ?? '', tickCount: 7 });
  }
  const dashed = input.series.map((s) => !!s.dashed);
  const legendOrient = input.legend ?? emptiestCorner(input.series, [xmin, xmax], logX, logY);
  const legends =
    input.series.length > 1 && legendOrient !== 'none'
      ? [
          {
            stroke: 'color',
            orient: legendOrient,
            symbolType: 'stroke',
            symbolSize: 380,
            symbolStrokeWidth: 2.4,
            labelFontSize: 12,
            padding: 8,
            offset: 10,
            fillColor: 'rgba(255,255,255,0.88)',
            strokeColor: '#ccc',
            cornerRadius: 3,
            labelLimit: 260,
            encode: {
              symbols: {
                update: { strokeDash: { signal: `${JSON.stringify(dashed)}[indexof(domain('color'), datum.value)] ? ${JSON.stringify(DASH)} : []` } },
              },
            },
          },
        ]
      : [];
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    ...layout,
    config: baseConfig,
    title: titleOf(input.title),
    data,
    scales,
    axes,
    legends,
    marks: [
      {
        type: 'group',
        encode: { enter: { width: { signal: 'width' }, height: { signal: 'height' }, clip: { value: true } } },
        marks: input.series.flatMap((s, k) => seriesMarks(s, k, colors[k], input.points ?? false)),
      },
      ...ruleMarks(),
    ],
  } as unknown as Spec;
}
