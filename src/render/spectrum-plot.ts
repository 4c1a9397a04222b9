/**
 * Ritz values of the top and bottom of a Hessian spectrum: points with error bars over
 * repeats, two colours, on a symlog axis (values can be negative and span decades).
 */
import type { Spec } from 'vega';
import { baseConfig, frame, titleOf, PALETTE } from './theme.js';

/** One Ritz value by its index, with an optional min–max bar. */
export interface RitzPoint {
  index: number;
  value: number;
  lo?: number;
  hi?: number;
}

/** The extreme-eigenvalue plot: the top and bottom Ritz values by index, with optional min–max bars. */
export interface SpectrumInput {
  title: string;
  top: RitzPoint[];
  bottom: RitzPoint[];
  yScale?: 'symlog' | 'linear';
  xLabel?: string;
  yLabel?: string;
  /** Names of the two groups in the legend. */
  names?: [string, string];
}

/** 0 and ±10^k from the linear zone up to the largest magnitude (Vega's symlog ticks are uneven). */
function symlogTicks(values: number[], constant: number): number[] {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const ticks = [0];
  for (let k = Math.floor(Math.log10(constant)); k <= Math.ceil(Math.log10(Math.max(-lo, hi, constant))); k++) {
    const t = 10 ** k;
    if (t <= hi * 1.0001) ticks.push(t);
    if (-t >= lo * 1.0001) ticks.push(-t);
  }
  return ticks.sort((a, b) => a - b);
}

/**
 * A Vega spec of the extreme Ritz values with their error bars and the SLQ nodes along the real axis.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { spectrumSpec } from 'losslens/figures';
 *
 * const spec = spectrumSpec({ title: 'Extreme eigenvalues', top: [{ index: 1, value: 41.1 }], bottom: [{ index: 1, value: 0.13, lo: 0.1, hi: 0.2 }] });
 * const ritz = (spec as { data: { values: { value: number; lo: number; hi: number }[] }[] }).data[0].values;
 * assert.deepEqual(
 *   ritz.map((r) => [r.value, r.lo, r.hi]),
 *   [[41.1, 41.1, 41.1], [0.13, 0.1, 0.2]],
 * ); // a value without a bar spans itself
 * ```
 */
export function spectrumSpec(input: SpectrumInput): Spec {
  const names = input.names ?? ['largest (top)', 'smallest (bottom)'];
  const rows = [...input.top.map((p) => ({ ...p, group: names[0] })), ...input.bottom.map((p) => ({ ...p, group: names[1] }))].map((p) => ({
    ...p,
    lo: p.lo ?? p.value,
    hi: p.hi ?? p.value,
  }));
  const symlog = (input.yScale ?? 'symlog') === 'symlog';
  const values = rows.flatMap((r) => [r.lo, r.hi, r.value]).filter(Number.isFinite);
  const magnitudes = values.map(Math.abs).filter((v) => v > 0);
  // symlog's linear zone: about the smallest magnitude that matters.
  const constant = magnitudes.length ? Math.max(Math.min(...magnitudes), Math.max(...magnitudes) * 1e-4) : 1;
  const enc = (field: string) => ({ scale: 'y', field });
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    ...frame(),
    config: baseConfig,
    title: titleOf(input.title),
    data: [{ name: 'ritz', values: rows }],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'ritz', field: 'index' }, range: 'width', nice: false, zero: false, padding: 24 },
      {
        name: 'y',
        type: symlog ? 'symlog' : 'linear',
        constant,
        domain: { data: 'ritz', fields: ['lo', 'hi', 'value'] },
        range: 'height',
        nice: !symlog,
        zero: true,
        padding: 12,
      },
      { name: 'color', type: 'ordinal', domain: names, range: [PALETTE[1], PALETTE[0]] },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: input.xLabel ?? 'Ritz index', tickMinStep: 1, format: 'd', grid: false },
      {
        orient: 'left',
        scale: 'y',
        title: input.yLabel ?? (symlog ? 'eigenvalue (symlog scale)' : 'eigenvalue'),
        grid: true,
        tickCount: 9,
        format: '~r',
        ...(symlog ? { values: symlogTicks(values, constant) } : {}),
      },
    ],
    legends: [
      { fill: 'color', orient: 'top-right', symbolType: 'circle', fillColor: 'rgba(255,255,255,0.9)', strokeColor: '#ccc', padding: 8, labelFontSize: 12 },
    ],
    marks: [
      {
        type: 'rule',
        encode: { enter: { x: { value: 0 }, x2: { signal: 'width' }, y: { scale: 'y', value: 0 }, stroke: { value: '#666' }, strokeWidth: { value: 1 } } },
      },
      {
        type: 'rule',
        from: { data: 'ritz' },
        encode: {
          enter: { x: { scale: 'x', field: 'index' }, y: enc('lo'), y2: enc('hi'), stroke: { scale: 'color', field: 'group' }, strokeWidth: { value: 1.6 } },
        },
      },
      ...['lo', 'hi'].map((f) => ({
        type: 'rule',
        from: { data: 'ritz' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'index', offset: -4 },
            x2: { scale: 'x', field: 'index', offset: 4 },
            y: enc(f),
            stroke: { scale: 'color', field: 'group' },
            strokeWidth: { value: 1.6 },
          },
        },
      })),
      {
        type: 'symbol',
        from: { data: 'ritz' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'index' },
            y: enc('value'),
            size: { value: 56 },
            fill: { scale: 'color', field: 'group' },
            stroke: { value: 'white' },
            strokeWidth: { value: 1 },
          },
        },
      },
    ],
  } as unknown as Spec;
}
