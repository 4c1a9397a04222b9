/**
 * Exact text widths for Vega's layout in Node. Without a canvas Vega guesses 0.8·size per
 * character, which makes legends too wide and truncates labels; here the advance widths come
 * from the DejaVu Sans files that resvg draws with (TrueType cmap format 4 + hmtx).
 */
import fs from 'node:fs';
import * as vega from 'vega';
import { fontFiles } from './font-files.js';

interface FontWidths {
  unitsPerEm: number;
  advance: (codePoint: number) => number;
}

function parseFont(buf: Buffer): FontWidths {
  const tables = new Map<string, number>();
  const numTables = buf.readUInt16BE(4);
  for (let t = 0; t < numTables; t++) tables.set(buf.toString('latin1', 12 + 16 * t, 16 + 16 * t), buf.readUInt32BE(20 + 16 * t));
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`font lacks a ${tag} table`);
    return at;
  };
  const unitsPerEm = buf.readUInt16BE(table('head') + 18);
  const numberOfHMetrics = buf.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const glyphAdvance = (g: number) => buf.readUInt16BE(hmtx + 4 * Math.min(g, numberOfHMetrics - 1));
  const cmap = table('cmap');
  let sub = -1;
  for (let k = 0; k < buf.readUInt16BE(cmap + 2); k++) {
    const rec = cmap + 4 + 8 * k;
    if (buf.readUInt16BE(rec) === 3 && buf.readUInt16BE(rec + 2) === 1) sub = cmap + buf.readUInt32BE(rec + 4);
  }
  if (sub < 0 || buf.readUInt16BE(sub) !== 4) throw new Error('font lacks a Unicode BMP cmap (format 4)');
  const segCount = buf.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segCount + 2;
  const deltas = starts + 2 * segCount;
  const ranges = deltas + 2 * segCount;
  const glyphOf = (c: number) => {
    for (let s = 0; s < segCount; s++) {
      if (c > buf.readUInt16BE(ends + 2 * s)) continue;
      const start = buf.readUInt16BE(starts + 2 * s);
      if (c < start) return 0;
      const delta = buf.readUInt16BE(deltas + 2 * s);
      const ro = buf.readUInt16BE(ranges + 2 * s);
      if (ro === 0) return (c + delta) & 0xffff;
      const g = buf.readUInt16BE(ranges + 2 * s + ro + 2 * (c - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number>();
  return {
    unitsPerEm,
    advance: (c) => {
      let w = cache.get(c);
      if (w === undefined) cache.set(c, (w = c > 0xffff ? unitsPerEm * 0.6 : glyphAdvance(glyphOf(c))));
      return w;
    },
  };
}

let fonts: { regular: FontWidths; bold: FontWidths } | undefined;

/** Width in pixels of `text` in DejaVu Sans at `size` (bold when asked). */
export function measureText(text: string, size: number, bold = false): number {
  if (!fonts) {
    const [regular, boldFile] = fontFiles();
    fonts = { regular: parseFont(fs.readFileSync(regular)), bold: parseFont(fs.readFileSync(boldFile)) };
  }
  const font = bold ? fonts.bold : fonts.regular;
  let units = 0;
  for (const ch of text) units += font.advance(ch.codePointAt(0) as number);
  return (units / font.unitsPerEm) * size;
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

/** Make Vega measure text with the real font (idempotent). */
export function installTextMetrics(): void {
  // textMetrics is exported by vega (from vega-scenegraph) but missing from its typings.
  const metrics = (vega as unknown as { textMetrics: unknown }).textMetrics as { width: (item: TextItem, text?: unknown) => number };
  metrics.width = (item, text) => {
    const value = text ?? item.text;
    const lines = Array.isArray(value) ? value.map(String) : [value == null ? '' : String(value)];
    const size = item.fontSize ?? 11;
    const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    return Math.max(...lines.map((l) => measureText(l, size, bold)));
  };
}
