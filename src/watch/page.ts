/**
 * The watch page: the run's status line, one live chart per measured quantity (Vega, inlined, with the report
 * pages' tooltips and zoom) and the figures and report pages in the folder. Live from the server it follows
 * `/events`; exported, the same page carries every measurement and figure in itself and opens offline.
 */
import { escapeHtml, INTERACTIVE_CSS } from '../report/interactive-page.js';
import { interactiveSpec } from '../report/interactive-spec.js';
import { vegaRuntime, scriptJson } from '../report/interactive-assets.js';
import { FIGURES_CLIENT } from '../report/interactive-client.js';
import { WATCH_CLIENT } from './watch-client.js';
import { WATCH_CHARTS, watchChartSpec, type WatchPoint } from './points.js';
import type { FitRunInfo } from '../fit/record.js';

/** A batch of measurements as the page takes it: how many, the last step, the points per chart, unreadable lines. */
export interface PointsBatch {
  n: number;
  lastStep: number | null;
  bad: number;
  charts: Record<string, WatchPoint[]>;
}

/** The folder's figures: PNG names and report pages, under `base` (a URL prefix), or embedded as data: URIs. */
export interface FigureList {
  base: string;
  pngs: string[];
  pages: string[];
  embedded?: Record<string, string>;
}

/** What the page starts with; `live` pages then follow the server's event stream. */
export interface WatchPageData {
  live: boolean;
  title: string;
  run?: FitRunInfo | null;
  points?: PointsBatch;
  figures?: FigureList;
}

function chartBlock(c: (typeof WATCH_CHARTS)[number]): string {
  const { spec, info } = interactiveSpec(watchChartSpec(c));
  const zoom = (info.zoomX ? 'x' : '') + (info.zoomY ? 'y' : '');
  return (
    `<figure data-figure="w-${c.name}" data-zoom="${zoom}"><div class="ll-live"></div>` +
    `<script type="application/json" id="spec-w-${c.name}">${scriptJson(spec)}</script></figure>`
  );
}

/** The watch page's HTML. */
export function watchPage(data: WatchPageData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; max-width: 980px; margin: 2rem auto; padding: 0 1rem; color: #18181b; }
figure { margin: 1rem 0; } #ll-figure-list img { max-width: 100%; border: 1px solid #d4d4d8; margin: .5rem 0; } .sub { color: #52525b; }
${INTERACTIVE_CSS}</style>
</head>
<body data-measurements="0">
<h1>${escapeHtml(data.title)}</h1>
<p class="sub" id="ll-run">waiting for run.json…</p>
<p class="sub" id="ll-count">no measurements yet</p>
<section id="charts">
${WATCH_CHARTS.map(chartBlock).join('\n')}
</section>
<section><h2>Figures</h2><div id="ll-figure-list">written when training ends</div></section>
<script type="application/json" id="ll-initial">${scriptJson(data)}</script>
<script>${vegaRuntime()}</script>
<script>${FIGURES_CLIENT}</script>
<script>${WATCH_CLIENT}</script>
</body>
</html>
`;
}
