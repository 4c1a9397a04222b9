/**
 * The loss grid of a 2-D slice figure, read back from its heatmap spec (src/render/heatmap.ts) for the rotatable
 * surface on the interactive page. The spec's `grid` data holds the raster rows top first and, for a log colour
 * scale, log10 of the values; this undoes both, so `z[j * nx + i]` is the loss at (x[i], y[j]) with y upwards.
 */

type Json = Record<string, any>;

/** A 2-D loss grid with what the heatmap coloured it by. */
export interface SurfaceGrid {
  nx: number;
  ny: number;
  /** Row-major from the bottom row: z[j * nx + i] at (x[i], y[j]). */
  z: number[];
  /** The plot's x and y domains (the grid spans them uniformly). */
  x: [number, number];
  y: [number, number];
  /** The heatmap's colour scale: its type, value domain and Vega colour scheme. */
  color: { log: boolean; domain: [number, number]; scheme: string };
  title: string;
}

const domainOf = (spec: Json, name: string): [number, number] | undefined => {
  const d = (spec.scales ?? []).find((s: Json) => s.name === name)?.domain;
  return Array.isArray(d) && d.length === 2 && d.every((v) => typeof v === 'number') ? [d[0], d[1]] : undefined;
};

/** The grid of a heatmap spec, or undefined when `spec` is not one (no `grid` data with a width × height raster). */
export function surfaceGrid(spec: unknown): SurfaceGrid | undefined {
  const s = spec as Json;
  const g = (s?.data ?? []).find((d: Json) => d.name === 'grid')?.values?.[0];
  const colorScale = (s?.scales ?? []).find((sc: Json) => sc.name === 'color');
  const [x, y, domain] = [domainOf(s, 'x'), domainOf(s, 'y'), domainOf(s, 'color')];
  if (!g || !colorScale || !x || !y || !domain) return undefined;
  const { width: nx, height: ny, values } = g as { width: number; height: number; values: number[] };
  if (!(nx >= 2 && ny >= 2) || !Array.isArray(values) || values.length !== nx * ny) return undefined;
  const log = colorScale.type === 'log';
  const z: number[] = [];
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) z.push(log ? 10 ** values[(ny - 1 - j) * nx + i] : values[(ny - 1 - j) * nx + i]);
  const title = typeof s.title === 'string' ? s.title : (s.title?.text ?? '');
  return { nx, ny, z, x, y, color: { log, domain, scheme: colorScale.range?.scheme ?? 'viridis' }, title: String(title) };
}
