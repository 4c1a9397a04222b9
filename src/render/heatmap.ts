/**
 * The Li et al. (2018) 2-D loss contour figure: a colormapped raster of z over a grid, contour
 * lines with their levels, a colorbar, and the checkpoint marked. y increases upward.
 */
import type { Spec } from 'vega';
import { frame } from './theme.js';
import { cssColor, specHead, textMark } from './vega-marks.js';
import { gridToDataUri } from './raster.js';
import { contourLevels, formatLevel, placeContourLabels } from './contour-labels.js';
import { colorAt, type ColormapName } from './colormap.js';

/** A heatmap of a loss grid: axes, values z[row][column], colour scale, contour lines, a marker and the colormap. */
export interface HeatmapInput {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Grid coordinates, increasing. */
  x: number[];
  y: number[];
  /** z[j][i] is the value at (x[i], y[j]). */
  z: number[][];
  colorScale?: 'linear' | 'log';
  /** Number of contour levels, or the levels themselves (0 or [] for none). Default 10. */
  contours?: number | number[];
  contourLabels?: boolean;
  marker?: { x: number; y: number; label: string };
  colorbarTitle?: string;
  colormap?: ColormapName;
}

function valueRange(z: number[][], log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z)
    for (const v of row)
      if (Number.isFinite(v) && (!log || v > 0)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  if (!(hi >= lo)) throw new RangeError(log ? 'heatmap: log colour needs positive values' : 'heatmap: no finite values');
  return hi > lo ? [lo, hi] : [lo, lo + (log ? lo : 1)];
}

function checkShape(input: HeatmapInput): void {
  const { x, y, z } = input;
  if (x.length < 2 || y.length < 2) throw new RangeError('heatmap: x and y need at least 2 grid points');
  if (z.length !== y.length || z.some((row) => row.length !== x.length))
    throw new RangeError(`heatmap: z must be ${y.length} rows of ${x.length} values (z[j][i] at (x[i], y[j]))`);
}

/**
 * A Vega spec of a 2-D grid as one raster with a colorbar and labelled contour lines (a 2-D loss slice); render
 * it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { heatmapSpec } from 'losslens/figures';
 *
 * // z[row][column], rows along y upwards: the raster holds the top row first
 * const spec = heatmapSpec({ title: 'Loss', xLabel: 'α', yLabel: 'β', x: [0, 1], y: [0, 1, 2], z: [[1, 2], [3, 4], [5, 6]] });
 * const grid = (spec as { data: { values: { width: number; height: number; values: number[] }[] }[] }).data[0].values[0];
 * assert.deepEqual([grid.width, grid.height, [...grid.values]], [2, 3, [5, 6, 3, 4, 1, 2]]);
 * ```
 */
export function heatmapSpec(input: HeatmapInput): Spec {
  checkShape(input);
  const log = input.colorScale === 'log';
  const layout = frame({ right: 128 });
  const { width, height } = layout;
  const [lo, hi] = valueRange(input.z, log);
  const tf = (v: number) => (log ? (v > 0 ? Math.log10(v) : Math.log10(lo)) : v);
  const zt = input.z.map((row) => row.map(tf));
  const [tlo, thi] = [tf(lo), tf(hi)];
  const image = gridToDataUri(zt, { width, height, normalize: (v) => (v - tlo) / (thi - tlo), colormap: input.colormap });

  const scheme = input.colormap ?? 'viridis';
  const nx = input.x.length;
  const ny = input.y.length;
  const levels = Array.isArray(input.contours) ? input.contours : contourLevels(lo, hi, input.contours ?? 10, log);
  const thresholds = levels.filter((v) => !log || v > 0).map(tf);
  const grid = { width: nx, height: ny, values: [...zt].reverse().flat() };
  // isocontour puts grid point i at coordinate i + 0.5; map it onto the plot (clipped group).
  const sx = width / (nx - 1);
  const sy = height / (ny - 1);
  const labels =
    input.contourLabels === false || thresholds.length === 0
      ? []
      : placeContourLabels(
          grid,
          thresholds,
          levels.map(formatLevel),
          (p) => [(p[0] - 0.5) * sx, (p[1] - 0.5) * sy],
          { width, height },
          markerArea(input, width, height),
        );

  return {
    ...specHead(layout, input.title),
    data: [
      { name: 'grid', values: [grid] },
      {
        name: 'contours',
        source: 'grid',
        transform: [{ type: 'isocontour', thresholds, smooth: true, scale: [sx, sy], translate: [-0.5 * sx, -0.5 * sy] }],
      },
      { name: 'labels', values: labels.map((l) => ({ ...l, fill: cssColor(colorAt((thresholds[l.level] - tlo) / (thi - tlo), scheme)) })) },
      { name: 'marker', values: input.marker ? [input.marker] : [] },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: [input.x[0], input.x[nx - 1]], range: 'width', zero: false, nice: false },
      { name: 'y', type: 'linear', domain: [input.y[0], input.y[ny - 1]], range: 'height', zero: false, nice: false },
      { name: 'color', type: log ? 'log' : 'linear', domain: [lo, hi], range: { scheme }, zero: false, nice: false },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: input.xLabel, tickCount: 8, offset: 0 },
      { orient: 'left', scale: 'y', title: input.yLabel, tickCount: 8 },
    ],
    legends: [
      {
        fill: 'color',
        type: 'gradient',
        orient: 'right',
        direction: 'vertical',
        title: input.colorbarTitle ?? 'loss',
        gradientLength: height - 24,
        gradientThickness: 16,
        tickCount: 6,
        offset: 18,
        titlePadding: 8,
        ...(log ? { format: '.2~g' } : {}),
      },
    ],
    marks: [
      {
        type: 'group',
        encode: { enter: { width: { signal: 'width' }, height: { signal: 'height' }, clip: { value: true } } },
        marks: [
          {
            type: 'image',
            encode: {
              enter: {
                url: { value: image },
                x: { value: 0 },
                y: { value: 0 },
                width: { signal: 'width' },
                height: { signal: 'height' },
                aspect: { value: false },
                smooth: { value: true },
              },
            },
          },
          {
            type: 'path',
            from: { data: 'contours' },
            encode: { enter: { stroke: { value: 'white' }, strokeOpacity: { value: 0.85 }, strokeWidth: { value: 1.1 } } },
            transform: [{ type: 'geopath', field: 'datum.contour' }],
          },
          {
            type: 'rect',
            from: { data: 'labels' },
            encode: {
              enter: {
                xc: { field: 'x' },
                yc: { field: 'y' },
                width: { signal: 'datum.text.length * 6.4 + 6' },
                height: { value: 14 },
                fill: { field: 'fill' },
                cornerRadius: { value: 3 },
              },
            },
          },
          textMark('labels', { align: { value: 'center' }, baseline: { value: 'middle' }, fontSize: { value: 10.5 }, fill: { value: 'white' } }),
          ...markerMarks(),
        ],
      },
      {
        type: 'rect',
        encode: { enter: { width: { signal: 'width' }, height: { signal: 'height' }, stroke: { value: '#444' }, fill: { value: 'transparent' } } },
      },
    ],
  } as unknown as Spec;
}

/** Pixel points covered by the marker and its label (contour labels keep clear of them). */
function markerArea(input: HeatmapInput, width: number, height: number): [number, number][] {
  const m = input.marker;
  if (!m) return [];
  const nx = input.x.length;
  const ny = input.y.length;
  const px = ((m.x - input.x[0]) / (input.x[nx - 1] - input.x[0])) * width;
  const py = (1 - (m.y - input.y[0]) / (input.y[ny - 1] - input.y[0])) * height;
  const out: [number, number][] = [[px, py]];
  for (let dx = 0; dx <= m.label.length * 8 + 12; dx += 20) out.push([px + 12 + dx, py - 16]);
  return out;
}

/** The checkpoint: a black-outlined white cross with its label. */
function markerMarks() {
  const cross = (color: string, size: number, w: number) => ({
    type: 'symbol',
    from: { data: 'marker' },
    encode: {
      enter: {
        x: { scale: 'x', field: 'x' },
        y: { scale: 'y', field: 'y' },
        shape: { value: 'cross' },
        size: { value: size },
        fill: { value: color },
        angle: { value: 45 },
        strokeWidth: { value: w },
        stroke: { value: color },
      },
    },
  });
  return [
    cross('black', 260, 2.5),
    cross('white', 200, 0),
    ...['halo', 'text'].map((kind) => ({
      type: 'text',
      from: { data: 'marker' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x', offset: 12 },
          y: { scale: 'y', field: 'y', offset: -10 },
          text: { field: 'label' },
          fontSize: { value: 13 },
          fontWeight: { value: 'bold' },
          align: { value: 'left' },
          baseline: { value: 'bottom' },
          fill: { value: 'white' },
          ...(kind === 'halo' ? { stroke: { value: 'black' }, strokeWidth: { value: 3 } } : {}),
        },
      },
    })),
  ];
}
