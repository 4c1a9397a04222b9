/** Scatter with optional point labels (e.g. sharpness vs test loss per run), drawn beside their points. */
import type { Spec } from 'vega';
import { baseConfig, frame, titleOf, PALETTE } from './theme.js';
import { logAxisLabels } from './line-chart.js';

/** A point of a scatter plot, optionally labelled. */
export interface ScatterPoint {
  x: number;
  y: number;
  label?: string;
  group?: string;
}

/** A scatter plot: axes, points with optional labels, linear or log scales. */
export interface ScatterInput {
  title: string;
  xLabel: string;
  yLabel: string;
  points: ScatterPoint[];
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
}

/**
 * A Vega spec of labelled points, optionally grouped by colour and on log axes; render it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { scatterSpec } from 'losslens/figures';
 *
 * // points a log axis cannot show (y ≤ 0) are left out
 * const input = [
 *   { x: 10, y: 0.2 },
 *   { x: 40, y: 0 },
 * ];
 * const spec = scatterSpec({ title: 'Sharpness vs test loss', xLabel: 'λmax', yLabel: 'test loss', points: input, yScale: 'log' });
 * const points = (spec as { data: { values: { x: number; y: number }[] }[] }).data[0].values;
 * assert.deepEqual(
 *   points.map((p) => [p.x, p.y]),
 *   [[10, 0.2]],
 * );
 * ```
 */
export function scatterSpec(input: ScatterInput): Spec {
  const ok = (v: number, scale?: string) => Number.isFinite(v) && (scale !== 'log' || v > 0);
  const points = input.points.filter((p) => ok(p.x, input.xScale) && ok(p.y, input.yScale)).map((p) => ({ ...p, group: p.group ?? '' }));
  const groups = [...new Set(points.map((p) => p.group))];
  const axis = (orient: string, scale: string, title: string, log: boolean) => ({
    orient,
    scale,
    title,
    grid: true,
    tickCount: 7,
    ...(log ? logAxisLabels(points.map((p) => (scale === 'x' ? p.x : p.y))) : {}),
  });
  const scale = (name: string, log: boolean, field: string) => ({
    name,
    type: log ? 'log' : 'linear',
    domain: { data: 'points', field },
    range: name === 'x' ? 'width' : 'height',
    nice: true,
    zero: false,
    padding: 16,
  });
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    ...frame(),
    config: baseConfig,
    title: titleOf(input.title),
    data: [{ name: 'points', values: points }],
    scales: [
      scale('x', input.xScale === 'log', 'x'),
      scale('y', input.yScale === 'log', 'y'),
      { name: 'color', type: 'ordinal', domain: groups, range: PALETTE },
    ],
    axes: [axis('bottom', 'x', input.xLabel, input.xScale === 'log'), axis('left', 'y', input.yLabel, input.yScale === 'log')],
    legends:
      groups.length > 1
        ? [{ fill: 'color', orient: 'top-left', fillColor: 'rgba(255,255,255,0.9)', strokeColor: '#ccc', padding: 8, labelFontSize: 12, symbolType: 'circle' }]
        : [],
    marks: [
      {
        type: 'symbol',
        name: 'dots',
        from: { data: 'points' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { scale: 'y', field: 'y' },
            size: { value: 64 },
            fill: { scale: 'color', field: 'group' },
            fillOpacity: { value: 0.85 },
            stroke: { value: 'white' },
            strokeWidth: { value: 1 },
          },
        },
      },
      {
        // Labels beside their points (vega's label transform needs a canvas, which Node lacks).
        type: 'text',
        from: { data: 'points' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { scale: 'y', field: 'y' },
            text: { signal: "datum.label || ''" },
            fontSize: { value: 11 },
            fill: { value: '#222' },
            align: { signal: "scale('x', datum.x) > width * 0.8 ? 'right' : 'left'" },
            dx: { signal: "scale('x', datum.x) > width * 0.8 ? -8 : 8" },
            baseline: { value: 'middle' },
          },
        },
      },
    ],
  } as unknown as Spec;
}
