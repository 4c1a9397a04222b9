/**
 * Shared look of every losslens figure: a real font (DejaVu Sans, shipped with the package),
 * paper-sized text, light grids, a colour-blind-safe palette and a fixed 800×600 canvas.
 */

/** Whole-figure size in CSS pixels at scale 1 (the PNG is this size × scale). */
export const FIGURE_WIDTH = 800;
/** Whole-figure height in CSS pixels at scale 1. */
export const FIGURE_HEIGHT = 600;

/** The font every figure's text is drawn with (shipped by the dejavu-fonts-ttf package, so no system font is needed). */
export const FONT_FAMILY = 'DejaVu Sans';

/** Okabe–Ito colours (colour-blind safe), yellow left out: it vanishes on white paper. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export const DEFAULT_MARGINS: Margins = { top: 64, right: 32, bottom: 64, left: 84 };

/**
 * Plot-area size and padding so the rendered figure is exactly FIGURE_WIDTH × FIGURE_HEIGHT:
 * with autosize 'none', Vega's canvas is width + padding.left + padding.right.
 */
export function frame(margins: Partial<Margins> = {}) {
  const m = { ...DEFAULT_MARGINS, ...margins };
  return {
    width: FIGURE_WIDTH - m.left - m.right,
    height: FIGURE_HEIGHT - m.top - m.bottom,
    padding: { ...m },
    autosize: { type: 'none' as const },
  };
}

/** Vega config shared by all figures (title 16, axis titles 13, ticks 11). */
export const baseConfig = {
  font: FONT_FAMILY,
  background: 'white',
  title: { font: FONT_FAMILY, fontSize: 16, fontWeight: 'bold', color: '#111', offset: 24, anchor: 'middle' },
  axis: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: 11,
    titleFontSize: 13,
    titleFontWeight: 'normal',
    titleColor: '#111',
    labelColor: '#222',
    domainColor: '#444',
    tickColor: '#444',
    gridColor: '#e4e4e4',
    gridWidth: 1,
    titlePadding: 10,
    labelOverlap: true,
    labelFlush: false,
  },
  legend: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelColor: '#222',
    titleColor: '#111',
  },
  text: { font: FONT_FAMILY, fontSize: 11, fill: '#222' },
  range: { category: PALETTE },
};

/** Title block in the shared style. */
export function titleOf(text: string) {
  return { text, frame: 'group' as const };
}
