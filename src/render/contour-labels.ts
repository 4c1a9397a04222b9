/**
 * Contour levels and label positions for heatmaps. Levels are computed here (linear or
 * log-spaced); the contour lines themselves stay a Vega `isocontour` transform in the spec,
 * and this module runs that same transform headlessly to find where each label can sit.
 */
import * as vega from 'vega';

export interface ContourGrid {
  /** Row-major values, top row first (grid point (i, r) at contour coordinate (i + 0.5, r + 0.5)). */
  values: number[];
  width: number;
  height: number;
}

export interface ContourLabel {
  x: number;
  y: number;
  text: string;
  /** Index of the level the label belongs to. */
  level: number;
}

/** `count` levels strictly inside (lo, hi); log-spaced when `log` (lo, hi > 0). */
export function contourLevels(lo: number, hi: number, count: number, log: boolean): number[] {
  if (!(hi > lo) || count < 1) return [];
  const a = log ? Math.log10(lo) : lo;
  const b = log ? Math.log10(hi) : hi;
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    const t = a + ((b - a) * k) / (count + 1);
    levels.push(log ? 10 ** t : t);
  }
  return levels;
}

/** Short label for a level: three significant digits, no trailing zeros. */
export function formatLevel(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e4 || abs < 1e-3) return value.toExponential(1).replace('e+', 'e');
  return String(Number(value.toPrecision(3)));
}

type Ring = number[][];

/** The contour rings of each threshold, computed by Vega's isocontour (same as the figure). */
function contourRings(grid: ContourGrid, thresholds: number[]): Map<number, Ring[]> {
  const spec = {
    data: [
      { name: 'grid', values: [grid] },
      { name: 'contours', source: 'grid', transform: [{ type: 'isocontour', thresholds, smooth: true }] },
    ],
  } as unknown as vega.Spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  view.run(); // inline values only: the dataflow evaluates synchronously
  const out = new Map<number, Ring[]>();
  view.data('contours').forEach((d: { contour: { value: number; coordinates: Ring[][] } }) => {
    out.set(d.contour.value, d.contour.coordinates.flat());
  });
  view.finalize();
  return out;
}

/**
 * One label per level where there is room: on the level's longest ring, away from the plot
 * edges and from labels already placed, preferring the upper-right of the ring.
 * `toPixel` maps contour coordinates to plot pixels; `avoid` lists pixel points to keep clear.
 */
export function placeContourLabels(
  grid: ContourGrid,
  thresholds: number[],
  texts: string[],
  toPixel: (p: number[]) => [number, number],
  plot: { width: number; height: number },
  avoid: [number, number][] = [],
): ContourLabel[] {
  const rings = contourRings(grid, thresholds);
  const placed: ContourLabel[] = [];
  const blocked = avoid.map(([x, y]) => ({ x, y }));
  const edge = 22;
  thresholds.forEach((level, k) => {
    // Each level prefers a different side of its rings, so nested rings do not stack labels.
    const angle = Math.PI / 4 - k * 0.9;
    const ordered = (rings.get(level) ?? [])
      .map((ring) => ring.map(toPixel))
      .filter((ring) => ring.length > 8)
      .flatMap((ring) => {
        const cx = ring.reduce((s, p) => s + p[0], 0) / ring.length;
        const cy = ring.reduce((s, p) => s + p[1], 0) / ring.length;
        return ring.map((p) => ({ p, score: (p[0] - cx) * Math.cos(angle) - (p[1] - cy) * Math.sin(angle) }));
      })
      .sort((a, b) => b.score - a.score)
      .map((c) => c.p);
    const spot = ordered.find(
      ([x, y]) =>
        x > edge + 10 &&
        x < plot.width - edge - 10 &&
        y > edge &&
        y < plot.height - edge &&
        [...placed, ...blocked].every((q) => Math.abs(q.x - x) > 44 || Math.abs(q.y - y) > 20),
    );
    if (spot) placed.push({ x: spot[0], y: spot[1], text: texts[k], level: k });
  });
  return placed;
}
