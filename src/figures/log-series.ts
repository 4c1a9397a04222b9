/**
 * The pieces the log-axis series figures share (the gradient profile per layer, gradients through
 * time): rows a log axis can show, the log y scale over a band, and the per-series line of a facet.
 * Each figure keeps its own x axis and band mark.
 */

/** A point of a series with its band [lo, hi]. */
export interface BandRow {
  series: string;
  value: number;
  lo: number;
  hi: number;
}

/** The rows a log axis can show: positive finite values, each band's lower end raised to the value where it is not positive. */
export function positiveRows<T extends BandRow>(rows: T[]): T[] {
  return rows.filter((d) => d.value > 0 && Number.isFinite(d.value)).map((d) => ({ ...d, lo: d.lo > 0 ? d.lo : d.value }));
}

/** The log y scale over the rows' values and bands. */
export const logBandScale = () => ({ name: 'y', type: 'log', domain: { data: 'rows', fields: ['lo', 'hi', 'value'] }, range: 'height', nice: true });

/** A group mark faceting the rows by series, holding `marks` (which read `from: { data: 'series' }`). */
export const seriesFacet = (...marks: object[]) => ({ type: 'group', from: { facet: { name: 'series', data: 'rows', groupby: 'series' } }, marks });

/** The line of one series: `x` on the x scale, the value on the log y scale, in the order of `order`. */
export const seriesLine = (x: string, order: string) => ({
  type: 'line',
  from: { data: 'series' },
  sort: { field: `datum.${order}` },
  encode: {
    enter: {
      x: { scale: 'x', field: x },
      y: { scale: 'y', field: 'value' },
      stroke: { scale: 'color', field: 'series' },
      strokeWidth: { value: 2 },
    },
  },
});

/** The band [lo, hi] at each `x` of the rows in `data`: a shaded area or a vertical rule, in the series' colour by `paint`. */
export const bandMark = (type: 'area' | 'rule', data: string, x: string, paint: object) => ({
  type,
  from: { data },
  encode: { enter: { x: { scale: 'x', field: x }, y: { scale: 'y', field: 'lo' }, y2: { scale: 'y', field: 'hi' }, ...paint } },
});
