/**
 * A shaded 3-D view of z over a grid (Li et al. 2018 surface plots): grid quads projected by
 * an orthographic camera, drawn back to front (painter's algorithm), filled by the colormap
 * with Lambert shading; each quad is stroked in its own colour so neighbours leave no seams.
 */
import type { Spec } from 'vega';
import { frame } from './theme.js';
import { cssColor, pathMark, specHead, textMark } from './vega-marks.js';
import { colorAt, type ColormapName } from './colormap.js';

/** A 3-D surface view of a loss grid: axes, values z[row][column], colour scale, viewing angles and colormap. */
export interface SurfaceInput {
  title: string;
  x: number[];
  y: number[];
  /** z[j][i] at (x[i], y[j]). */
  z: number[][];
  colorScale?: 'linear' | 'log';
  /** Camera elevation and azimuth in degrees (default 30, −60 as in matplotlib). */
  elevation?: number;
  azimuth?: number;
  xLabel?: string;
  yLabel?: string;
  zLabel?: string;
  colormap?: ColormapName;
}

type V3 = [number, number, number];

/** About `count` round tick values (1, 2, 5 × 10^k steps) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const tickText = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(0));

/**
 * A Vega spec of a 2-D grid as a shaded 3-D surface seen from above at an angle.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { surfaceSpec } from 'losslens/figures';
 *
 * // a 3×3 grid of heights draws (3 − 1)² = 4 shaded quads
 * const z = [[2, 1, 2], [1, 0, 1], [2, 1, 2]];
 * const spec = surfaceSpec({ title: 'Loss surface', x: [-1, 0, 1], y: [-1, 0, 1], z });
 * const quads = (spec as { data: { name: string; values: unknown[] }[] }).data.find((d) => d.name === 'quads')!.values;
 * assert.equal(quads.length, 4);
 * ```
 */
export function surfaceSpec(input: SurfaceInput): Spec {
  const { x, y, z } = input;
  const log = input.colorScale === 'log';
  const tf = (v: number) => (log ? Math.log10(Math.max(v, 1e-300)) : v);
  const flat = z.flat().filter(Number.isFinite).map(tf);
  const [zlo, zhi] = [Math.min(...flat), Math.max(...flat)];
  const el = ((input.elevation ?? 30) * Math.PI) / 180;
  const az = ((input.azimuth ?? -60) * Math.PI) / 180;
  // Unit cube coordinates in [-1, 1]; z scaled to 0.8 of the width, as in Li et al.'s views.
  const nx = x.length;
  const ny = y.length;
  const P = (i: number, j: number): V3 => [(2 * i) / (nx - 1) - 1, (2 * j) / (ny - 1) - 1, 1.6 * ((tf(z[j][i]) - zlo) / (zhi - zlo || 1)) - 0.8];
  const rot = ([a, b, c]: V3): V3 => {
    const u = a * Math.cos(az) - b * Math.sin(az);
    const v = a * Math.sin(az) + b * Math.cos(az);
    return [u, v * Math.sin(el) + c * Math.cos(el), v * Math.cos(el) - c * Math.sin(el)]; // [screen x, screen up, depth]
  };
  const layout = frame({ left: 40, right: 40, bottom: 40 });
  const s = Math.min(layout.width, layout.height) / 3.3;
  const screen = (p: V3) => {
    const r = rot(p);
    return [layout.width / 2 + s * r[0], layout.height / 2 - s * r[1], r[2]];
  };
  const light: V3 = [-0.4, -0.5, 0.77];
  const quads: { d: string; fill: string; depth: number }[] = [];
  for (let j = 0; j < ny - 1; j++)
    for (let i = 0; i < nx - 1; i++) {
      const c = [P(i, j), P(i + 1, j), P(i + 1, j + 1), P(i, j + 1)];
      if (c.some((p) => !Number.isFinite(p[2]))) continue;
      const e1 = c[2].map((v, k) => v - c[0][k]);
      const e2 = c[3].map((v, k) => v - c[1][k]);
      const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
      const len = Math.hypot(...n) || 1;
      const shade = 0.55 + 0.45 * Math.abs((n[0] * light[0] + n[1] * light[1] + n[2] * light[2]) / len);
      const mean = c.reduce((t, p) => t + p[2], 0) / 4;
      const rgb = colorAt((mean + 0.8) / 1.6, input.colormap).map((v) => Math.round(v * shade));
      const pts = c.map(screen);
      quads.push({
        d: `M${pts.map((p) => `${p[0].toFixed(2)},${p[1].toFixed(2)}`).join('L')}Z`,
        fill: cssColor(rgb),
        depth: pts.reduce((t, p) => t + p[2], 0) / 4,
      });
    }
  quads.sort((a, b) => b.depth - a.depth);
  const corner = (a: number, b: number, c: number) => screen([a, b, c]);
  const floor = [corner(-1, -1, -0.8), corner(1, -1, -0.8), corner(1, 1, -0.8), corner(-1, 1, -0.8)];
  const mid = (p: number[], q: number[], off: number[]) => ({ x: (p[0] + q[0]) / 2 + off[0], y: (p[1] + q[1]) / 2 + off[1] });
  // Axes with tick values: α along the front-left floor edge, β along the front-right one, and a
  // vertical loss axis standing on the leftmost floor corner.
  const [x0, x1, y0, y1] = [x[0], x[nx - 1], y[0], y[ny - 1]];
  const ticks: { x: number; y: number; text: string; align: string }[] = [];
  const tickRules: { d: string }[] = [];
  const tick = (p: V3, dir: number[], text: string, align: string) => {
    const a = screen(p);
    tickRules.push({ d: `M${a[0]},${a[1]}L${a[0] + dir[0] * 5},${a[1] + dir[1] * 5}` });
    ticks.push({ x: a[0] + dir[0] * 9, y: a[1] + dir[1] * 9 + 4, text, align });
  };
  for (const v of niceTicks(x0, x1, 4)) tick([(2 * (v - x0)) / (x1 - x0 || 1) - 1, -1, -0.8], [-0.5, 1], tickText(v), 'right');
  for (const v of niceTicks(y0, y1, 4)) tick([1, (2 * (v - y0)) / (y1 - y0 || 1) - 1, -0.8], [0.6, 0.8], tickText(v), 'left');
  const cornerIdx = floor.reduce((best, p, k) => (p[0] < floor[best][0] ? k : best), 0);
  const [cx, cy] = [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ][cornerIdx];
  const zAxisLo = screen([cx, cy, -0.8]);
  const zAxisHi = screen([cx, cy, 0.8]);
  const zTicks = log ? niceTicks(zlo, zhi, 4).filter((v) => Number.isInteger(Math.round(v * 1e9) / 1e9)) : niceTicks(zlo, zhi, 4);
  for (const v of zTicks.length >= 2 ? zTicks : niceTicks(zlo, zhi, 4)) {
    const text = log ? tickText(10 ** v) : tickText(v);
    tick([cx, cy, 1.6 * ((v - zlo) / (zhi - zlo || 1)) - 0.8], [-1, 0], text, 'right');
  }
  const labels = [
    { ...mid(floor[0], floor[1], [-44, 22]), text: input.xLabel ?? 'α' },
    { ...mid(floor[1], floor[2], [30, 42]), text: input.yLabel ?? 'β' },
    { x: zAxisLo[0] - 58, y: (zAxisLo[1] + zAxisHi[1]) / 2, angle: -90, text: input.zLabel ?? (log ? 'loss (log scale)' : 'loss') },
  ];
  tickRules.push({ d: `M${zAxisLo[0]},${zAxisLo[1]}L${zAxisHi[0]},${zAxisHi[1]}` });
  return {
    ...specHead(layout, input.title),
    data: [
      { name: 'quads', values: quads.map(({ d, fill }) => ({ d, fill })) },
      { name: 'floor', values: [{ d: `M${floor.map((p) => `${p[0]},${p[1]}`).join('L')}Z` }] },
      { name: 'labels', values: labels },
      { name: 'ticks', values: ticks },
      { name: 'tickRules', values: tickRules },
    ],
    marks: [
      pathMark('floor', { stroke: { value: '#999' }, fill: { value: '#f4f4f4' } }),
      pathMark('quads', { fill: { field: 'fill' }, stroke: { field: 'fill' }, strokeWidth: { value: 0.6 }, strokeJoin: { value: 'round' } }),
      pathMark('tickRules', { stroke: { value: '#666' }, strokeWidth: { value: 1 } }),
      textMark('ticks', { fontSize: { value: 11 }, align: { field: 'align' }, fill: { value: '#333' } }),
      textMark('labels', { angle: { signal: 'datum.angle || 0' }, fontSize: { value: 13 }, align: { value: 'center' }, fill: { value: '#111' } }),
    ],
  } as unknown as Spec;
}
