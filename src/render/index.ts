/** Figures: result data → Vega spec → SVG → PNG bytes. */
export { renderSpec, fontFiles, type RenderOptions, type RenderedFigure } from './render-png.js';
export { baseConfig, frame, titleOf, FIGURE_WIDTH, FIGURE_HEIGHT, FONT_FAMILY, PALETTE, DEFAULT_MARGINS, type Margins } from './theme.js';
export { colorAt, colormapTable, type ColormapName, type Rgb } from './colormap.js';
export { gridToDataUri, rgbaToDataUri, type RasterOptions } from './raster.js';
export { contourLevels, formatLevel, placeContourLabels, type ContourGrid, type ContourLabel } from './contour-labels.js';
export { heatmapSpec, type HeatmapInput } from './heatmap.js';
export { lineChartSpec, logAxisLabels, LOG_LABEL, type LineChartInput, type LineSeries, type VerticalMark } from './line-chart.js';
export { densitySpec, type DensityInput } from './density-plot.js';
export { measureText, installTextMetrics } from './text-metrics.js';
export { spectrumSpec, type SpectrumInput, type RitzPoint } from './spectrum-plot.js';
export { barChartSpec, type BarChartInput } from './bar-chart.js';
export { scatterSpec, type ScatterInput, type ScatterPoint } from './scatter.js';
export { stripSpec, type StripInput } from './strip-plot.js';
export { surfaceSpec, type SurfaceInput } from './surface.js';
