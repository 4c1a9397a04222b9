/** Figures of slices and interpolations (Li et al. 2018 style): curves, contour maps, 3-D surfaces. */
import { renderFigure, type Figure } from '../render/figure.js';
import { lineChartSpec, heatmapSpec, surfaceSpec, type LineSeries } from '../render/index.js';
import type { SliceResult } from '../landscape/slice.js';
import type { InterpolationResult } from '../landscape/interpolate.js';

const figure = renderFigure;

/** Log colour by default when the loss spans more than two decades. */
export function chooseColorScale(z: number[][], forced?: 'log' | 'linear'): 'log' | 'linear' {
  if (forced) return forced;
  const v = z.flat().filter((x) => Number.isFinite(x) && x > 0);
  if (v.length === 0) return 'linear';
  return Math.max(...v) / Math.min(...v) > 100 ? 'log' : 'linear';
}

/**
 * The rendered figures of a slice: a 1-D curve, or a 2-D contour map and surface view.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, computeSlice, randomDirection } from 'losslens';
 * import { sliceFigures } from 'losslens/figures';
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const d = (seed: number) => randomDirection(objective.theta0, objective.layout, seed, { norm: 'filter', includeBias: true });
 *   const slice = await computeSlice(objective, { directions: [d(1), d(2)], points: 5 });
 *   const figures = await sliceFigures(slice, { scale: 0.5, model: 'linreg' });
 *   assert.deepEqual(
 *     figures.map((f) => f.name),
 *     ['slice-2d', 'surface'],
 *   ); // a contour map and a surface view
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function sliceFigures(
  r: SliceResult,
  opts: { scale: number; colorScale?: 'log' | 'linear'; model: string; pca?: { coords: number[][] } },
): Promise<Figure[]> {
  if (r.dims === 1) {
    const series: LineSeries[] = [{ name: 'train loss', x: r.alphas, y: r.train.loss }];
    if (r.test) series.push({ name: 'test loss', x: r.alphas, y: r.test.loss, dashed: true });
    if (r.train.accuracy) series.push({ name: 'train accuracy', x: r.alphas, y: r.train.accuracy, axis: 'right' });
    if (r.test?.accuracy) series.push({ name: 'test accuracy', x: r.alphas, y: r.test.accuracy, axis: 'right', dashed: true });
    const spec = lineChartSpec({
      title: '1-D loss slice along a filter-normalised direction',
      xLabel: 'α (step along direction 1)',
      yLabel: 'loss',
      series,
      marks: [{ x: 0, label: 'checkpoint' }],
      ...(r.train.accuracy ? { rightLabel: 'accuracy' } : {}),
    });
    return [await figure('slice-1d', spec, opts.scale)];
  }
  const z = r.train.loss;
  const colorScale = chooseColorScale(z, opts.colorScale);
  const heat = heatmapSpec({
    title: `2-D loss landscape (train loss, ${colorScale} colour)`,
    xLabel: 'α (direction 1)',
    yLabel: 'β (direction 2)',
    x: r.alphas,
    y: r.betas,
    z,
    colorScale,
    contours: 12,
    contourLabels: true,
    marker: { x: 0, y: 0, label: 'checkpoint' },
    colorbarTitle: 'loss',
  });
  const surface = surfaceSpec({ title: '2-D loss landscape, surface view', x: r.alphas, y: r.betas, z, colorScale, xLabel: 'α', yLabel: 'β', zLabel: 'loss' });
  const out = [await figure('slice-2d', heat, opts.scale), await figure('surface', surface, opts.scale)];
  if (r.test) {
    const zt = r.test.loss;
    out.push(
      await figure(
        'slice-2d-test',
        heatmapSpec({
          title: '2-D loss landscape (test loss)',
          xLabel: 'α (direction 1)',
          yLabel: 'β (direction 2)',
          x: r.alphas,
          y: r.betas,
          z: zt,
          colorScale: chooseColorScale(zt, opts.colorScale),
          contours: 12,
          contourLabels: true,
          marker: { x: 0, y: 0, label: 'checkpoint' },
          colorbarTitle: 'loss',
        }),
        opts.scale,
      ),
    );
  }
  return out;
}

/**
 * The rendered figure of an interpolation: train (and test) loss along α, with both ends and the barrier marked.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, readCheckpoint, loadModel, interpolate } from 'losslens';
 * import { interpolationFigure } from 'losslens/figures';
 *
 * const problem = await loadProblem({ model: 'fixtures/spiral-tanh', train: { data: 'fixtures/spiral-tanh/train.csv' } });
 * try {
 *   const other = loadModel(await readCheckpoint('fixtures/spiral-tanh-seed2'));
 *   const r = await interpolate(problem.train!.objective, { to: other.theta0, range: [0, 1], points: 5 });
 *   const fig = await interpolationFigure(r, { scale: 0.5, from: 'seed 1', to: 'seed 2' });
 *   const series = (fig.spec as { data: { values: { x: number; y: number }[] }[] }).data[0].values;
 *   assert.deepEqual(
 *     series.map((p) => p.y),
 *     r.train.loss,
 *   ); // the train loss along α, as computed
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function interpolationFigure(r: InterpolationResult, opts: { scale: number; from: string; to: string }): Promise<Figure> {
  const series: LineSeries[] = [{ name: 'train loss', x: r.alphas, y: r.train.loss }];
  if (r.test) series.push({ name: 'test loss', x: r.alphas, y: r.test.loss, dashed: true });
  if (r.train.accuracy) series.push({ name: 'train accuracy', x: r.alphas, y: r.train.accuracy, axis: 'right' });
  if (r.test?.accuracy) series.push({ name: 'test accuracy', x: r.alphas, y: r.test.accuracy, axis: 'right', dashed: true });
  const spec = lineChartSpec({
    title: `Linear interpolation θ_A → θ_B (barrier ${r.barrier.toPrecision(3)})`,
    xLabel: 'α in (1−α)·θ_A + α·θ_B',
    yLabel: 'loss',
    series,
    marks: [
      { x: 0, label: 'θ_A' },
      { x: 1, label: 'θ_B' },
    ],
    ...(r.train.accuracy ? { rightLabel: 'accuracy' } : {}),
  });
  return figure('interpolation', spec, opts.scale);
}
