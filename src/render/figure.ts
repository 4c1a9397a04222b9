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

/** Draw `spec` (a Vega spec from src/figures/) as the figure `name`, 800×600 × scale. */
export async function renderFigure(name: string, spec: object, scale = 1): Promise<Figure> {
  const { png } = await renderSpec(spec as Parameters<typeof renderSpec>[0], { scale });
  return { name, png, spec };
}
