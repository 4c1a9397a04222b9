/**
 * Grouped bars per category (e.g. per-layer λmax, or dead/saturated fractions per layer),
 * optionally on a log y axis.
 */
import type { Spec } from 'vega';
import { baseConfig, frame, titleOf, PALETTE } from './theme.js';
import { logAxisLabels } from './line-chart.js';
import { measureText } from './text-metrics.js';

/** A grouped bar chart: categories on x, one bar per group, a linear or log y scale. */
export interface BarChartInput {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  groups: { name: string; values: number[] }[];
  yScale?: 'linear' | 'log';
}

/**
 * A Vega spec of labelled bars (e.g. a value per layer), optionally on a log axis; render it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { barChartSpec } from 'losslens/figures';
 *
 * const spec = barChartSpec({
 *   title: 'λmax per layer',
 *   xLabel: 'layer',
 *   yLabel: 'λmax',
 *   categories: ['dense_1', 'dense_2'],
 *   groups: [{ name: 'λmax', values: [40, 2] }],
 *   yScale: 'log',
 * });
 * const bars = (spec as { data: { values: { category: string; value: number }[] }[] }).data[0].values;
 * assert.deepEqual(
 *   bars.map((b) => [b.category, b.value]),
 *   [['dense_1', 40], ['dense_2', 2]],
 * ); // one bar per category and group
 * ```
 */
export function barChartSpec(input: BarChartInput): Spec {
  const log = input.yScale === 'log';
  const rows = input.groups
    .flatMap((g) => {
      if (g.values.length !== input.categories.length) throw new RangeError(`bar chart: group "${g.name}" needs ${input.categories.length} values`);
      return g.values.map((value, i) => ({ category: input.categories[i], group: g.name, value }));
    })
    .filter((r) => Number.isFinite(r.value) && (!log || r.value > 0));
  const longest = Math.max(0, ...input.categories.map((c) => measureText(c, 11)));
  const layout = frame({ right: 32 });
  const slanted = longest * input.categories.length > layout.width * 0.85;
  const bottom = slanted ? Math.min(200, 56 + longest * 0.6) : 64;
  const base = log ? { signal: 'height' } : { scale: 'y', value: 0 };
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    ...frame({ bottom }),
    config: baseConfig,
    title: titleOf(input.title),
    data: [{ name: 'bars', values: rows }],
    scales: [
      { name: 'x', type: 'band', domain: input.categories, range: 'width', paddingInner: 0.2, paddingOuter: 0.1 },
      { name: 'offset', type: 'band', domain: input.groups.map((g) => g.name), range: [0, { signal: "bandwidth('x')" }], paddingInner: 0.08 },
      { name: 'y', type: log ? 'log' : 'linear', domain: { data: 'bars', field: 'value' }, range: 'height', nice: true, zero: !log },
      { name: 'color', type: 'ordinal', domain: input.groups.map((g) => g.name), range: PALETTE },
    ],
    axes: [
      {
        orient: 'bottom',
        scale: 'x',
        title: input.xLabel,
        labelAngle: slanted ? -35 : 0,
        labelAlign: slanted ? 'right' : 'center',
        labelBaseline: slanted ? 'top' : 'top',
        labelLimit: 180,
      },
      { orient: 'left', scale: 'y', title: input.yLabel, grid: true, tickCount: 7, ...(log ? logAxisLabels(rows.map((r) => r.value)) : {}) },
    ],
    legends:
      input.groups.length > 1
        ? [{ fill: 'color', orient: 'top-right', fillColor: 'rgba(255,255,255,0.9)', strokeColor: '#ccc', padding: 8, labelFontSize: 12, symbolType: 'square' }]
        : [],
    marks: [
      {
        type: 'rect',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { signal: "scale('x', datum.category) + scale('offset', datum.group)" },
            width: { scale: 'offset', band: 1 },
            y: { scale: 'y', field: 'value' },
            y2: base,
            fill: { scale: 'color', field: 'group' },
          },
        },
      },
    ],
  } as unknown as Spec;
}
