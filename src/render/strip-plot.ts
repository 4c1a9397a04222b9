/** Values per category, jittered deterministically, with a median tick (e.g. λmax over seeds per optimizer). */
import type { Spec } from 'vega';
import { baseConfig, frame, titleOf, PALETTE } from './theme.js';
import { logAxisLabels } from './line-chart.js';

/** A strip plot: one column of points per category. */
export interface StripInput {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: { name: string; values: number[] }[];
  yScale?: 'linear' | 'log';
}

/** Deterministic jitter in [−1, 1] from the point's position (golden-ratio low-discrepancy sequence). */
function jitter(i: number): number {
  return (((i + 1) * 0.6180339887) % 1) * 2 - 1;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A Vega spec of values per group as jittered points with medians (e.g. final losses per width).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { stripSpec } from 'losslens/figures';
 *
 * const spec = stripSpec({ title: 'Final loss per width', xLabel: 'width', yLabel: 'loss', categories: [{ name: '16', values: [0.3, 0.1, 0.2] }] });
 * const medians = (spec as { data: { name: string; values: { value: number }[] }[] }).data.find((d) => d.name === 'medians')!.values;
 * assert.equal(medians[0].value, 0.2);
 * ```
 */
export function stripSpec(input: StripInput): Spec {
  const log = input.yScale === 'log';
  const keep = (v: number) => Number.isFinite(v) && (!log || v > 0);
  const points = input.categories.flatMap((c) => c.values.filter(keep).map((value, i) => ({ category: c.name, value, jitter: jitter(i) })));
  const medians = input.categories.filter((c) => c.values.some(keep)).map((c) => ({ category: c.name, value: median(c.values.filter(keep)) }));
  const names = input.categories.map((c) => c.name);
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    ...frame(),
    config: baseConfig,
    title: titleOf(input.title),
    data: [
      { name: 'points', values: points },
      { name: 'medians', values: medians },
    ],
    scales: [
      { name: 'x', type: 'band', domain: names, range: 'width', paddingInner: 0.3, paddingOuter: 0.2 },
      { name: 'y', type: log ? 'log' : 'linear', domain: { data: 'points', field: 'value' }, range: 'height', nice: true, zero: false, padding: 12 },
      { name: 'color', type: 'ordinal', domain: names, range: PALETTE },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: input.xLabel, labelFontSize: 12 },
      { orient: 'left', scale: 'y', title: input.yLabel, grid: true, tickCount: 7, ...(log ? logAxisLabels(points.map((p) => p.value)) : {}) },
    ],
    marks: [
      {
        type: 'symbol',
        from: { data: 'points' },
        encode: {
          enter: {
            x: { signal: "scale('x', datum.category) + bandwidth('x') * (0.5 + 0.3 * datum.jitter)" },
            y: { scale: 'y', field: 'value' },
            size: { value: 48 },
            fill: { scale: 'color', field: 'category' },
            fillOpacity: { value: 0.7 },
            stroke: { value: 'white' },
            strokeWidth: { value: 0.8 },
          },
        },
      },
      {
        type: 'rule',
        from: { data: 'medians' },
        encode: {
          enter: {
            x: { signal: "scale('x', datum.category) + bandwidth('x') * 0.1" },
            x2: { signal: "scale('x', datum.category) + bandwidth('x') * 0.9" },
            y: { scale: 'y', field: 'value' },
            stroke: { value: '#111' },
            strokeWidth: { value: 2.5 },
          },
        },
      },
    ],
  } as unknown as Spec;
}
