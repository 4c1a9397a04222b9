/**
 * The full spectrum of the dense saddle method against the SLQ density: both smoothed by the
 * same Gaussian kernel (σ of the SLQ run) on the same grid, so the curves are comparable point
 * by point; the thresholds −τ·λmax as labelled rules.
 */
import { lineChartSpec } from '../render/index.js';
import type { Spec } from 'vega';

/** (1/d) Σᵢ N(x; λᵢ, σ²) on the grid. */
export function smoothedSpectrum(values: readonly number[], grid: readonly number[], sigma: number): number[] {
  const c = 1 / (values.length * sigma * Math.sqrt(2 * Math.PI));
  const out = new Array<number>(grid.length).fill(0);
  const sorted = [...values].sort((a, b) => a - b);
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g];
    // only eigenvalues within 8σ contribute above e⁻³²
    let lo = 0,
      hi = sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] < x - 8 * sigma) lo = m + 1;
      else hi = m;
    }
    let s = 0;
    for (let i = lo; i < sorted.length && sorted[i] <= x + 8 * sigma; i++) s += Math.exp(-0.5 * ((x - sorted[i]) / sigma) ** 2);
    out[g] = c * s;
  }
  return out;
}

export interface DenseSpectrumFigureInput {
  title: string;
  spectrum: readonly number[];
  /** The SLQ density's grid and kernel width. */
  grid: { x: number[]; density: number[] };
  sigma: number;
  thresholds: { tau: number; threshold: number; count: { lo: number; hi: number } }[];
}

export function denseSpectrumSpec(input: DenseSpectrumFigureInput): Spec {
  const exact = smoothedSpectrum(input.spectrum, input.grid.x, input.sigma);
  const peak = Math.max(...exact, ...input.grid.density);
  const floor = 1e-8 * (peak > 0 ? peak : 1);
  const clip = (y: number[]) => y.map((v) => Math.max(Number.isFinite(v) ? v : 0, floor));
  const count = (c: { lo: number; hi: number }) => (c.lo === c.hi ? `${c.lo}` : `${c.lo}–${c.hi}`);
  return lineChartSpec({
    title: input.title,
    xLabel: 'eigenvalue λ',
    yLabel: 'density (log scale)',
    series: [
      { name: `all ${input.spectrum.length} eigenvalues (dense)`, x: input.grid.x, y: clip(exact) },
      { name: 'SLQ estimate', x: input.grid.x, y: clip(input.grid.density), dashed: true },
    ],
    yScale: 'log',
    marks: input.thresholds.slice(0, 1).map((t) => ({ x: t.threshold, label: `−${t.tau}·λmax: ${count(t.count)} below` })),
  });
}
