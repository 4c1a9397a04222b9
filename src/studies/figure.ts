/** Shared helpers for study figures: render a spec into a Figure; a crisp (unsmoothed) matrix heatmap. */
import { renderSpec, heatmapSpec } from '../render/index.js';
import type { Figure } from '../report/write-report.js';

export async function figure(name: string, spec: object, scale: number): Promise<Figure> {
  const { png } = await renderSpec(spec as never, { scale });
  return { name, png, spec };
}

/**
 * A square matrix (e.g. pairwise barriers) as a heatmap with one crisp cell per entry: cell (i, j)
 * is centred at (i, j); the raster is drawn without smoothing so cells do not blur into each other.
 */
export function matrixHeatmapSpec(m: number[][], o: { title: string; axisLabel: string; colorbarTitle: string }): object {
  const n = m.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  const spec = heatmapSpec({ title: o.title, xLabel: o.axisLabel, yLabel: o.axisLabel, x: idx, y: idx, z: m, contours: 0, contourLabels: false, colorbarTitle: o.colorbarTitle }) as unknown as Record<string, unknown>;
  walk(spec, (node) => {
    if (node.type === 'image') ((node.encode as any).enter.smooth = { value: false });
  });
  return spec;
}

/** Visit every object in a JSON tree. */
export function walk(node: unknown, visit: (o: Record<string, any>) => void): void {
  if (Array.isArray(node)) node.forEach((x) => walk(x, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, any>);
    Object.values(node).forEach((x) => walk(x, visit));
  }
}
