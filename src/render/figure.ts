/** A rendered figure and the one way to make one: a Vega spec drawn to PNG at a scale. */
import { renderSpec } from './render-png.js';

/** A rendered figure: its file stem, the PNG bytes and the Vega spec it was drawn from. */
export interface Figure {
  /** File stem, e.g. "density" → density.png and density.vg.json. */
  name: string;
  png: Uint8Array;
  /** The Vega spec it was drawn from, so users can restyle it. */
  spec: unknown;
}

/**
 * Draw `spec` (a Vega spec from src/figures/) as the figure `name`, 800×600 × scale.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { renderFigure, lineChartSpec } from 'losslens/figures';
 *
 * const spec = lineChartSpec({ title: 'y = x²', xLabel: 'x', yLabel: 'y', series: [{ name: 'x²', x: [0, 1, 2], y: [0, 1, 4] }] });
 * const fig = await renderFigure('parabola', spec, 0.5);
 * assert.equal(fig.name, 'parabola');
 * assert.equal(Buffer.from(fig.png).readUInt32BE(16), 400); // 800 × 0.5 pixels wide
 * assert.equal(fig.spec, spec);
 * ```
 */
export async function renderFigure(name: string, spec: object, scale = 1): Promise<Figure> {
  const { png } = await renderSpec(spec as Parameters<typeof renderSpec>[0], { scale });
  return { name, png, spec };
}
