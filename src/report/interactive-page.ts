/**
 * Figures on an HTML page, interactive: each figure is drawn live by Vega from its spec (tooltips, zoom and pan
 * where the axes are continuous), the PNG beside it is the fallback when scripts are off, and a 2-D slice also
 * gets a rotatable 3-D surface. The Vega runtime and the page scripts are inlined once per page: no network.
 * {@link figuresPage} is the page every command that writes figures gets as index.html.
 */
import { interactiveSpec } from './interactive-spec.js';
import { surfaceGrid } from './surface-grid.js';
import { vegaRuntime, scriptJson } from './interactive-assets.js';
import { FIGURES_CLIENT } from './interactive-client.js';
import { SURFACE_CLIENT } from './surface-client.js';

/** A figure to show: its name (file stem), the PNG's src (file name or data: URI), caption, size and Vega spec. */
export interface PageFigure {
  name: string;
  src: string;
  caption: string;
  width: number;
  height: number;
  /** The static Vega spec the PNG was drawn from; without it the figure is the PNG alone. */
  spec?: unknown;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Styles of the live figures, the tooltip and the surface canvas. */
export const INTERACTIVE_CSS = `
.ll-live { overflow-x: auto; } .ll-ready > img.ll-png { display: none; } .ll-hint { font-size: .8rem; color: #71717a; }
.ll-tooltip { display: none; position: absolute; z-index: 10; pointer-events: none; white-space: pre; font: 12px/1.35 ui-monospace, monospace;
  background: #18181b; color: #fafafa; padding: .3rem .5rem; border-radius: 4px; }
canvas.ll-surface { border: 1px solid #d4d4d8; cursor: grab; display: block; margin-top: .5rem; }
`;

/** One `<figure>`: live view container, PNG fallback, the spec as JSON and, for a 2-D slice, the surface canvas. */
export function figureBlock(f: PageFigure, caption: string): string {
  const id = escapeHtml(f.name);
  const img = `<img src="${escapeHtml(f.src)}" class="ll-png" alt="${escapeHtml(f.caption)}" width="${f.width}" height="${f.height}">`;
  if (f.spec === undefined) return `<figure id="fig-${id}">${img}<figcaption>${caption}</figcaption></figure>`;
  const { spec, info } = interactiveSpec(f.spec);
  const zoom = (info.zoomX ? 'x' : '') + (info.zoomY ? 'y' : '');
  const hint = zoom ? 'hover for values · wheel to zoom · drag to pan · double-click to reset' : 'hover for values';
  const grid = surfaceGrid(f.spec);
  const surface = grid
    ? `<canvas class="ll-surface" id="surface-${id}" data-grid="grid-${id}" width="720" height="480"></canvas>` +
      `<div class="ll-hint">the same grid as a surface: drag to rotate</div><script type="application/json" id="grid-${id}">${scriptJson(grid)}</script>`
    : '';
  return (
    `<figure id="fig-${id}" data-figure="${id}" data-zoom="${zoom}"><div class="ll-live"></div>${img}` +
    `<script type="application/json" id="spec-${id}">${scriptJson(spec)}</script>${surface}` +
    `<figcaption>${caption} <span class="ll-hint">(${hint})</span></figcaption></figure>`
  );
}

/** The scripts a page with live figures needs, after its figures: the Vega runtime once, then the page scripts. */
export function interactiveScripts(figures: PageFigure[]): string {
  if (!figures.some((f) => f.spec !== undefined)) return '';
  return `<script>${vegaRuntime()}</script>\n<script>${FIGURES_CLIENT}</script>\n<script>${SURFACE_CLIENT}</script>`;
}

/**
 * A self-contained page of figures (index.html of a command's output folder): a title, a line under it, the
 * figures live with their PNGs as fallback.
 */
export function figuresPage(title: string, subtitle: string, figures: PageFigure[]): string {
  const blocks = figures.map((f) => figureBlock(f, `<strong>${escapeHtml(f.src.startsWith('data:') ? f.name : f.src)}</strong> — ${escapeHtml(f.caption)}`));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; max-width: 980px; margin: 2rem auto; padding: 0 1rem; color: #18181b; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #d4d4d8; } figcaption { font-size: .9rem; color: #3f3f46; }
${INTERACTIVE_CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(subtitle)} · every number is in <a href="summary.json">summary.json</a></p>
${blocks.join('\n')}
${interactiveScripts(figures)}
</body>
</html>
`;
}
