/**
 * `losslens/figures`: analysis results → Vega specs → PNG (a real font, no browser, no network).
 * The one library entry that loads vega and resvg; `losslens/pipelines` loads them too, as its
 * commands write figures.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { writeFile } from 'node:fs/promises';
 * import { lineChartSpec, renderSpec } from 'losslens/figures';
 *
 * const alphas = [-1, -0.5, 0, 0.5, 1];
 * const spec = lineChartSpec({ title: 'A parabola', xLabel: 'α', yLabel: 'loss', series: [{ name: 'train', x: alphas, y: alphas.map((a) => a * a) }] });
 * const { png, width, height } = await renderSpec(spec, { scale: 2 });
 * assert.deepEqual([width, height], [1600, 1200]); // 800×600 at scale 2
 * assert.equal(png.readUInt32BE(16), 1600); // the PNG's own header says so too
 * await writeFile('reports/parabola.png', png);
 * ```
 *
 * @module losslens/figures
 */
export { renderFigure, type Figure } from '../render/figure.js';
export { renderSpec, type RenderOptions, type RenderedFigure } from '../render/render-png.js';
export { hessianFigures, type HessianFigureOptions } from '../figures/hessian.js';
export { sliceFigures, interpolationFigure } from '../figures/landscape.js';
export { attenuationSpec, activationsSpec, trajectorySpec } from '../figures/gradients.js';
export { historySpec } from '../figures/history.js';
export { heatmapSpec, type HeatmapInput } from '../render/heatmap.js';
export { lineChartSpec, type LineChartInput, type LineSeries, type VerticalMark } from '../render/line-chart.js';
export { densitySpec, type DensityInput } from '../render/density-plot.js';
export { spectrumSpec, type SpectrumInput, type RitzPoint } from '../render/spectrum-plot.js';
export { barChartSpec, type BarChartInput } from '../render/bar-chart.js';
export { scatterSpec, type ScatterInput, type ScatterPoint } from '../render/scatter.js';
export { stripSpec, type StripInput } from '../render/strip-plot.js';
export { surfaceSpec, type SurfaceInput } from '../render/surface.js';
export { colorAt, colormapTable, type ColormapName, type Rgb } from '../render/colormap.js';
export { FIGURE_WIDTH, FIGURE_HEIGHT, FONT_FAMILY, PALETTE } from '../render/theme.js';
export type { RepeatsResult } from '../curvature/hessian-repeats.js';
