/** Shared pieces of study figures: a crisp (unsmoothed) matrix heatmap spec (and renderFigure, re-exported). */
import { baseConfig, frame, titleOf } from '../render/index.js';
export { renderFigure as figure } from '../render/figure.js';

/**
 * A square matrix (e.g. pairwise barriers) as one crisp cell per entry on band scales, with the
 * value printed in each cell while they are large enough to read; NaN cells (no pair) stay blank.
 */
export function matrixHeatmapSpec(m: number[][], o: { title: string; axisLabel: string; colorbarTitle: string }): object {
  const n = m.length;
  const cells = m.flatMap((row, i) => row.map((v, j) => ({ i: String(i), j: String(j), v: Number.isFinite(v) ? v : null })));
  const finite = cells.map((c) => c.v).filter((v): v is number => v !== null);
  const [lo, hi] = finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1];
  const mid = (lo + hi) / 2;
  const layout = frame({ right: 128 });
  const idx = Array.from({ length: n }, (_, i) => String(i));
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    ...layout,
    config: baseConfig,
    title: titleOf(o.title),
    data: [{ name: 'cells', values: cells }],
    scales: [
      { name: 'x', type: 'band', domain: idx, range: 'width', padding: 0 },
      { name: 'y', type: 'band', domain: [...idx].reverse(), range: 'height', padding: 0 },
      { name: 'color', type: 'linear', domain: [lo, hi > lo ? hi : lo + 1], range: { scheme: 'viridis' }, zero: false, nice: false },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: o.axisLabel, labelOverlap: true },
      { orient: 'left', scale: 'y', title: o.axisLabel, labelOverlap: true },
    ],
    legends: [
      {
        fill: 'color',
        type: 'gradient',
        orient: 'right',
        direction: 'vertical',
        title: o.colorbarTitle,
        gradientLength: layout.height - 24,
        gradientThickness: 16,
        tickCount: 6,
        offset: 18,
        titlePadding: 8,
      },
    ],
    marks: [
      {
        type: 'rect',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'j' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'i' },
            height: { scale: 'y', band: 1 },
            fill: [
              { test: 'datum.v === null', value: '#f4f4f4' },
              { scale: 'color', field: 'v' },
            ],
            stroke: { value: 'white' },
            strokeWidth: { value: n <= 30 ? 1 : 0 },
          },
        },
      },
      ...(n <= 12
        ? [
            {
              type: 'text',
              from: { data: 'cells' },
              encode: {
                enter: {
                  x: { scale: 'x', field: 'j', band: 0.5 },
                  y: { scale: 'y', field: 'i', band: 0.5 },
                  align: { value: 'center' },
                  baseline: { value: 'middle' },
                  text: { signal: "datum.v === null ? '' : format(datum.v, '.3~g')" },
                  fontSize: { value: n <= 8 ? 12 : 10 },
                  fill: { signal: `datum.v !== null && datum.v < ${mid} ? 'white' : '#111'` },
                },
              },
            },
          ]
        : []),
    ],
  };
}

/** Visit every object in a JSON tree. */
export function walk(node: unknown, visit: (o: Record<string, any>) => void): void {
  if (Array.isArray(node)) node.forEach((x) => walk(x, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, any>);
    Object.values(node).forEach((x) => walk(x, visit));
  }
}
