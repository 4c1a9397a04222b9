/**
 * Figures of `losslens saddles`: training loss against the index fraction at τ, one dot per
 * critical point, the starts that did not converge in their own colour (Dauphin et al. 2014,
 * Fig. 1); and the dense spectra of the lowest-loss and highest-loss critical points side by
 * side, each smoothed by one Gaussian kernel on one grid so the two panels compare point by point.
 */
import type { Spec } from 'vega';
import { lineChartSpec, scatterSpec } from '../render/index.js';
import { FIGURE_WIDTH } from '../render/theme.js';
import { smoothedSpectrum } from './spectrum-dense.js';

export interface LossIndexPoint {
  fraction: number;
  loss: number;
  converged: boolean;
}

export function lossIndexSpec(points: LossIndexPoint[], o: { tau: number; rho: number; n: number }): Spec {
  return scatterSpec({
    title: `Critical points: training loss vs index (τ = ${o.tau}; ρ = ${Number.isFinite(o.rho) ? o.rho.toFixed(2) : 'n/a'}, n = ${o.n})`,
    xLabel: `index fraction: #{λ < −${o.tau}·λmax} / parameters`,
    yLabel: 'training loss',
    points: points.map((p) => ({ x: p.fraction, y: p.loss, group: p.converged ? 'converged' : 'not converged' })),
  });
}

export interface PanelSpectrum {
  title: string;
  eigenvalues: number[];
  threshold: number;
  label: string;
}

/** Two dense spectra on one grid and kernel, as two panels of one figure. */
export function spectraSideBySideSpec(a: PanelSpectrum, b: PanelSpectrum): Spec {
  const all = [...a.eigenvalues, ...b.eigenvalues];
  const lo = Math.min(...all),
    hi = Math.max(...all);
  const pad = 0.05 * (hi - lo || 1);
  const grid = Array.from({ length: 400 }, (_, i) => lo - pad + ((hi - lo + 2 * pad) * i) / 399);
  const sigma = (hi - lo || 1) / 300;
  const panel = (p: PanelSpectrum) => {
    const y = smoothedSpectrum(p.eigenvalues, grid, sigma);
    const peak = Math.max(...y);
    return lineChartSpec({
      title: p.title,
      xLabel: 'eigenvalue λ',
      yLabel: 'density (log scale)',
      series: [{ name: `${p.eigenvalues.length} eigenvalues`, x: grid, y: y.map((v) => Math.max(v, 1e-6 * peak)) }],
      yScale: 'log',
      legend: 'none',
      marks: [{ x: p.threshold, label: p.label }],
    }) as Record<string, any>;
  };
  return sideBySide(panel(a), panel(b));
}

/**
 * A full spec's parts as one panel: its data renamed with a prefix (data names are global in a
 * Vega spec), its width/height signals and "width"/"height" ranges replaced by the panel's size.
 */
function asPanel(s: Record<string, any>, prefix: string): Record<string, any> {
  const names = new Set<string>((s.data ?? []).map((d: { name: string }) => d.name));
  const size = (e: string) => e.replace(/\bwidth\b/g, String(s.width)).replace(/\bheight\b/g, String(s.height));
  const walk = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (typeof v === 'string') {
      if ((key === 'data' || key === 'name') && names.has(v)) return prefix + v;
      if (key === 'signal') return size(v);
      if (key === 'range' && (v === 'width' || v === 'height')) return v === 'width' ? [0, s.width] : [s.height, 0];
      return v;
    }
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk({ data: s.data, scales: s.scales, axes: s.axes, legends: s.legends ?? [], marks: s.marks }) as Record<string, any>;
}

/** Two full specs as group marks of one spec twice as wide (each keeps its own data, scales, axes and title). */
function sideBySide(l: Record<string, any>, r: Record<string, any>): Spec {
  const group = (s: Record<string, any>, x: number, prefix: string) => {
    const p = asPanel(s, prefix);
    return {
      type: 'group',
      title: s.title,
      encode: { enter: { x: { value: x }, y: { value: 0 }, width: { value: s.width }, height: { value: s.height } } },
      scales: p.scales,
      axes: p.axes,
      legends: p.legends,
      marks: p.marks,
      data: p.data,
    };
  };
  const panels = [group(l, 0, 'left_'), group(r, FIGURE_WIDTH, 'right_')];
  return {
    $schema: l.$schema,
    width: 2 * FIGURE_WIDTH - l.padding.left - r.padding.right,
    height: l.height,
    padding: l.padding,
    autosize: l.autosize,
    config: l.config,
    data: panels.flatMap((g) => g.data),
    marks: panels.map(({ data: _d, ...g }) => g),
  } as Spec;
}
