/** Figures of the Hessian analysis: the SLQ spectral density and the extreme Ritz values. */
import { renderFigure, type Figure } from '../render/figure.js';
import { densitySpec, spectrumSpec, barChartSpec } from '../render/index.js';
import type { HessianResult } from '../curvature/analyze-hessian.js';
import type { RepeatsResult } from '../curvature/hessian-repeats.js';
import { denseSpectrumSpec } from './spectrum-dense.js';

const figure = renderFigure;

const fmt = (x: number) => (Math.abs(x) >= 1e-2 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

/** What {@link hessianFigures} draws besides the result itself. */
export interface HessianFigureOptions {
  /** The model's name, in the figures' titles. */
  title: string;
  /** Pixel scale of the 800×600 figures (default 1). */
  scale?: number;
  /** Spread of the extreme eigenvalues over data subsets (`--repeats`): drawn as min–max bars. */
  repeats?: RepeatsResult;
  /** The dense saddle method's full float64 spectrum, when it ran: drawn against the SLQ density. */
  fullSpectrum?: number[];
}

/**
 * The figures of a Hessian analysis as PNGs with their Vega specs: `density` (the SLQ spectral
 * density, log y, when the result has one), `spectrum` (the extreme Ritz values), and when present
 * `spectrum-dense` (the full spectrum against the density) and `per-layer` (λmax and trace per block).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, analyzeHessian } from 'losslens';
 * import { hessianFigures } from 'losslens/figures';
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const h = await analyzeHessian(problem.train!.objective, { top: 2, bottom: 1, density: true });
 *   const figures = await hessianFigures(h, { title: 'linreg', scale: 0.5 });
 *   assert.deepEqual(
 *     figures.map((f) => f.name),
 *     ['density', 'spectrum'],
 *   );
 *   assert.deepEqual([...figures[1].png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function hessianFigures(r: Omit<HessianResult, 'vectors'>, options: HessianFigureOptions): Promise<Figure[]> {
  const { repeats: rep, fullSpectrum } = options;
  const opts = { title: options.title, scale: options.scale ?? 1 };
  const lmax = r.eigenvalues.top[0];
  const lmin = r.eigenvalues.bottom[0] ?? Math.min(...r.eigenvalues.top);
  const d = r.density;
  const density =
    d &&
    densitySpec({
      title: `Hessian spectral density — ${opts.title} (SLQ, ${d.probes}×${d.order} steps, σ=${fmt(d.sigma)})`,
      grid: d.grid,
      yLog: true,
      marks: [
        { x: lmin, label: `λmin=${fmt(lmin)}` },
        // the '0' label would print over λmin's when the two rules nearly coincide
        { x: 0, label: Math.abs(lmin) < 0.08 * Math.max(lmax - lmin, 1e-30) ? '' : '0' },
        { x: lmax, label: `λmax=${fmt(lmax)}` },
      ],
    });
  const point = (value: number, i: number, s?: { min: number; max: number; mean: number }) => ({ index: i + 1, value, ...(s ? { lo: s.min, hi: s.max } : {}) });
  const spectrum = spectrumSpec({
    title: rep
      ? `Extreme Hessian eigenvalues — bars: min–max over ${rep.repeats} subsets of ${rep.samplesPerRepeat}`
      : `Extreme Hessian eigenvalues (Lanczos Ritz values) — ${opts.title}`,
    top: r.eigenvalues.top.map((v, i) => point(v, i, rep?.top[i])),
    bottom: r.eigenvalues.bottom.map((v, i) => point(v, i, rep?.bottom[i])),
  });
  // without a density (--no-density) there is no density figure
  const out = [...(density ? [await figure('density', density, opts.scale)] : []), await figure('spectrum', spectrum, opts.scale)];
  if (fullSpectrum && d) {
    const spec = denseSpectrumSpec({
      title: `Full Hessian spectrum (dense, float64) vs SLQ — ${opts.title}`,
      spectrum: fullSpectrum,
      grid: d.grid,
      sigma: d.sigma,
      thresholds: r.saddleIndex.thresholds,
    });
    out.push(await figure('spectrum-dense', spec, opts.scale));
  }
  if (r.perLayer) {
    const layers = barChartSpec({
      title: 'Per-layer curvature (diagonal Hessian blocks)',
      xLabel: 'layer',
      yLabel: 'value (log scale)',
      categories: r.perLayer.map((l) => l.layer),
      groups: [
        { name: 'λmax of block', values: r.perLayer.map((l) => Math.max(l.lambdaMax, 1e-12)) },
        { name: 'trace of block', values: r.perLayer.map((l) => Math.max(l.trace, 1e-12)) },
      ],
      yScale: 'log',
    });
    out.push(await figure('per-layer', layers, opts.scale));
  }
  return out;
}
