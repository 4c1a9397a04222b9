/**
 * Gradients through time → Vega spec: ‖∂ℓ/∂h_t‖ (mean over the batch of the per-sample norms,
 * mean ± sd over the minibatches) against the step t in processing order, log axis, one line per
 * recurrent layer and direction, with the first/last ratio in the legend.
 */
import type { ThroughTime } from '../gradients/through-time.js';
import { siteLabel } from '../gradients/through-time.js';
import { base } from './gradients.js';
import { bandMark, logBandScale, positiveRows, seriesFacet, seriesLine } from './log-series.js';

export function throughTimeSpec(tt: ThroughTime, title = 'Gradient through time'): object {
  const series = tt.layers.map((l) => `${siteLabel(l, tt.layers)}: first/last ${l.ratioFirstToLast.toExponential(1)}`);
  const rows = positiveRows(
    tt.layers.flatMap((l, k) => l.steps.map((s) => ({ series: series[k], t: s.t, value: s.norm, lo: s.norm - s.std, hi: s.norm + s.std }))),
  );
  const worst = tt.layers.reduce((a, l) => Math.min(a, l.ratioFirstToLast), Infinity);
  return {
    ...base(`${title} (smallest first/last ratio ${worst.toExponential(2)})`),
    data: [{ name: 'rows', values: rows }],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'rows', field: 't' }, range: 'width', nice: false, zero: false },
      logBandScale(),
      { name: 'color', type: 'ordinal', domain: series, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'time step t in processing order (1 = first step run, T = last)', tickMinStep: 1, format: 'd' },
      { orient: 'left', scale: 'y', title: '‖∂ℓ/∂h_t‖ (per sample, mean ± sd over minibatches)', grid: true, format: '.0e' },
    ],
    legends: [{ stroke: 'color', title: 'recurrent layer', orient: 'right', symbolType: 'stroke' }],
    marks: [seriesFacet(bandMark('area', 'series', 't', { fill: { scale: 'color', field: 'series' }, fillOpacity: { value: 0.2 } }), seriesLine('t', 't'))],
  };
}
