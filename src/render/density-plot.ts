/**
 * The Ghorbani et al. (2019) spectral density figure: log density against eigenvalue, with
 * vertical rules at λmin, 0 and λmax. Densities below floor·max are clipped to the floor so
 * the log axis stays finite.
 */
import type { Spec } from 'vega';
import { lineChartSpec, type VerticalMark } from './line-chart.js';

/** A spectral density plot: the density on a grid, a log y axis by default, and labelled vertical marks. */
export interface DensityInput {
  title: string;
  grid: { x: number[]; density: number[] };
  /** Log density axis (default true). */
  yLog?: boolean;
  marks?: VerticalMark[];
  xLabel?: string;
  yLabel?: string;
  /** Relative floor for clipping (default 1e-8). */
  floor?: number;
}

/**
 * A Vega spec of a spectral density (SLQ) on a symmetric-log or linear axis; render it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { densitySpec } from 'losslens/figures';
 *
 * const spec = densitySpec({ title: 'Spectral density', grid: { x: [-1, 0, 1], density: [0.1, 1, 0.1] } });
 * const { data, scales } = spec as { data: { values: { x: number; y: number }[] }[]; scales: { name: string; type: string }[] };
 * assert.deepEqual(
 *   data[0].values.map((p) => [p.x, p.y]),
 *   [[-1, 0.1], [0, 1], [1, 0.1]],
 * );
 * assert.equal(scales.find((s) => s.name === 'y')!.type, 'log'); // the default: densities span decades
 * ```
 */
export function densitySpec(input: DensityInput): Spec {
  const yLog = input.yLog ?? true;
  const peak = Math.max(...input.grid.density.filter(Number.isFinite));
  const floor = (input.floor ?? 1e-8) * (peak > 0 ? peak : 1);
  const y = input.grid.density.map((d) => (yLog ? Math.max(Number.isFinite(d) ? d : 0, floor) : d));
  return lineChartSpec({
    title: input.title,
    xLabel: input.xLabel ?? 'eigenvalue λ',
    yLabel: input.yLabel ?? (yLog ? 'density (log scale)' : 'density'),
    series: [{ name: 'spectral density', x: input.grid.x, y }],
    yScale: yLog ? 'log' : 'linear',
    marks: input.marks,
  });
}
