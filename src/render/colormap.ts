/**
 * Perceptually uniform colormaps as 256-entry lookup tables, sampled from Vega's own schemes
 * (d3-scale-chromatic's viridis/magma), so the raster and Vega's colorbar agree exactly.
 */
import * as vega from 'vega';

/** The perceptual colormaps losslens draws with. */
export type ColormapName = 'viridis' | 'magma';
/** A colour as 8-bit red, green, blue. */
export type Rgb = [number, number, number];

const tables = new Map<ColormapName, Uint8Array>();

function parseRgb(css: string): Rgb {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css) ?? /#(..)(..)(..)/.exec(css);
  if (!m) throw new Error(`unexpected colour ${css}`);
  const radix = css.startsWith('#') ? 16 : 10;
  return [parseInt(m[1], radix), parseInt(m[2], radix), parseInt(m[3], radix)];
}

/**
 * The 256×3 lookup table of a colormap (low → high).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { colormapTable } from 'losslens/figures';
 *
 * const magma = colormapTable('magma');
 * assert.equal(magma.length, 256 * 3);
 * assert.deepEqual([...magma.subarray(0, 3)], [0, 0, 4]); // magma starts at #000004
 * ```
 */
export function colormapTable(name: ColormapName = 'viridis'): Uint8Array {
  let table = tables.get(name);
  if (!table) {
    const interpolate = vega.scheme(name) as ((t: number) => string) | undefined;
    if (typeof interpolate !== 'function') throw new Error(`unknown colormap ${name}`);
    table = new Uint8Array(256 * 3);
    for (let k = 0; k < 256; k++) table.set(parseRgb(interpolate(k / 255)), 3 * k);
    tables.set(name, table);
  }
  return table;
}

/**
 * Colour at t ∈ [0, 1] (clamped), linear between table entries.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { colorAt } from 'losslens/figures';
 *
 * assert.deepEqual(colorAt(0), [68, 1, 84]); // viridis runs from #440154
 * assert.deepEqual(colorAt(1), [253, 231, 37]); // to #FDE725
 * assert.deepEqual(colorAt(7), colorAt(1)); // t is clamped to [0, 1]
 * ```
 */
export function colorAt(t: number, name: ColormapName = 'viridis'): Rgb {
  const table = colormapTable(name);
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * 255;
  const k = Math.min(254, Math.floor(u));
  const f = u - k;
  const c = (ch: number) => Math.round(table[3 * k + ch] * (1 - f) + table[3 * k + 3 + ch] * f);
  return [c(0), c(1), c(2)];
}
