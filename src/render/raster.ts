/**
 * A grid of values as one PNG image (data URI): heatmaps drawn as a single <image> mark have
 * no seams, unlike thousands of abutting rects.
 */
import { PNG } from 'pngjs';
import { colorAt, type ColormapName } from './colormap.js';

/** Encode RGBA bytes (row-major, top row first) as a PNG data URI. */
export function rgbaToDataUri(width: number, height: number, rgba: Uint8Array): string {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Bilinear sample of z (z[j][i] at grid point (i, j)) at fractional grid position (u, v). */
function bilinear(z: number[][], u: number, v: number): number {
  const nx = z[0].length;
  const ny = z.length;
  const i = Math.min(nx - 2, Math.max(0, Math.floor(u)));
  const j = Math.min(ny - 2, Math.max(0, Math.floor(v)));
  const fu = nx > 1 ? u - i : 0;
  const fv = ny > 1 ? v - j : 0;
  const at = (jj: number, ii: number) => z[Math.min(ny - 1, jj)][Math.min(nx - 1, ii)];
  return at(j, i) * (1 - fu) * (1 - fv) + at(j, i + 1) * fu * (1 - fv) + at(j + 1, i) * (1 - fu) * fv + at(j + 1, i + 1) * fu * fv;
}

export interface RasterOptions {
  /** Output image size in pixels; the image spans grid point 0 to grid point n−1 exactly. */
  width: number;
  height: number;
  /** Maps a (transformed) value to t ∈ [0, 1] for the colormap. */
  normalize: (value: number) => number;
  colormap?: ColormapName;
}

/**
 * Rasterize z[j][i] (y index j increasing upward) through a colormap with bilinear smoothing.
 * Non-finite values become transparent.
 */
export function gridToDataUri(z: number[][], opts: RasterOptions): string {
  const { width, height, normalize } = opts;
  const nx = z[0].length;
  const ny = z.length;
  const rgba = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    const v = ((height - 1 - row) / Math.max(1, height - 1)) * (ny - 1);
    for (let col = 0; col < width; col++) {
      const u = (col / Math.max(1, width - 1)) * (nx - 1);
      const value = bilinear(z, u, v);
      const o = 4 * (row * width + col);
      if (!Number.isFinite(value)) continue;
      const [r, g, b] = colorAt(normalize(value), opts.colormap);
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
  return rgbaToDataUri(width, height, rgba);
}
