/**
 * Spec pieces the grid figures (heatmap, surface) share: the head of a spec (schema, frame,
 * theme, title), text and path marks that read their positions and shapes from a data set, and
 * the CSS form of a colormap colour.
 */
import { baseConfig, frame, titleOf } from './theme.js';

/** `rgb(r,g,b)` for an 8-bit colour. */
export const cssColor = ([r, g, b]: number[]) => `rgb(${r},${g},${b})`;

/** The head of a Vega spec: its schema, the frame's size and padding, the theme and the title. */
export const specHead = (layout: ReturnType<typeof frame>, title: string) => ({
  $schema: 'https://vega.github.io/schema/vega/v6.json',
  ...layout,
  config: baseConfig,
  title: titleOf(title),
});

/** Text at pixel (x, y) from each row of `data` (fields x, y, text), styled by `enter`. */
export const textMark = (data: string, enter: object) => ({
  type: 'text',
  from: { data },
  encode: { enter: { x: { field: 'x' }, y: { field: 'y' }, text: { field: 'text' }, ...enter } },
});

/** An SVG path from each row of `data` (field d), styled by `enter`. */
export const pathMark = (data: string, enter: object) => ({ type: 'path', from: { data }, encode: { enter: { path: { field: 'd' }, ...enter } } });
