/**
 * index.html for the output folder of any command that writes figures (hessian, slice, gradients, studies…):
 * the figures live from their specs with the PNGs beside the page as fallback (interactive-page.ts). `report`
 * writes its own richer page through the same figure blocks.
 */
import type { Figure } from '../render/figure.js';
import { figuresPage, type PageFigure } from './interactive-page.js';

type Json = Record<string, any>;

/** The drawn size of a figure in CSS pixels: the spec's plot size plus padding, else the PNG's own size. */
function cssSize(f: Figure): { width: number; height: number } {
  const s = f.spec as Json;
  const p = s?.padding ?? {};
  if (typeof s?.width === 'number' && typeof s?.height === 'number' && typeof p === 'object')
    return { width: s.width + (p.left ?? 0) + (p.right ?? 0), height: s.height + (p.top ?? 0) + (p.bottom ?? 0) };
  const png = Buffer.from(f.png);
  return png.length >= 24 ? { width: png.readUInt32BE(16), height: png.readUInt32BE(20) } : { width: 800, height: 600 };
}

function titleOf(spec: unknown, fallback: string): string {
  const t = (spec as Json)?.title;
  const text = typeof t === 'string' ? t : t?.text;
  return typeof text === 'string' && text ? text : Array.isArray(text) ? text.join(' ') : fallback;
}

/** The page of a command's figures; `summary.meta` (command, losslens version, start time) gives its title line. */
export function figuresIndexHtml(summary: Record<string, unknown>, figures: Figure[]): string {
  const meta = (summary.meta ?? {}) as Json;
  const command = typeof meta.command === 'string' ? meta.command : 'figures';
  const sub = [`losslens ${meta.losslens ?? ''}`.trim(), meta.startedAt, meta.backend].filter((v) => typeof v === 'string' && v).join(' · ');
  const page: PageFigure[] = figures.map((f) => ({ name: f.name, src: `${f.name}.png`, caption: titleOf(f.spec, f.name), spec: f.spec, ...cssSize(f) }));
  return figuresPage(`losslens ${command}`, sub, page);
}
