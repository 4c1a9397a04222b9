/**
 * The report as one self-contained HTML page: embedded CSS, no network; figures are PNG files
 * beside it (relative src) or data: URIs. Findings first, then the model card and key numbers,
 * then the figures with captions, drawn live from their Vega specs (interactive-page.ts) with the PNGs as fallback.
 * A small inline script records on window load how many images decoded and findings show
 * (`<body data-images-loaded="n/total" data-findings-shown="n/total">`), which the browser test reads.
 */
import { keyNumbers, layerRows, modelRows, LAYER_HEADER, type ReportDocument, type Rows } from './report-document.js';
import type { ReportFinding } from './findings.js';
import { escapeHtml, figureBlock, interactiveScripts, INTERACTIVE_CSS } from './interactive-page.js';

export { escapeHtml };

const CSS = `
:root { color-scheme: light; --warn: #b45309; --info: #2563eb; --line: #d4d4d8; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; max-width: 980px; margin: 2rem auto; padding: 0 1rem; color: #18181b; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
.sub { color: #52525b; margin-top: 0; }
ul.findings { list-style: none; padding: 0; }
li.finding { border-left: 4px solid var(--info); background: #f4f4f5; padding: .5rem .8rem; margin: .5rem 0; }
li.finding.warning { border-left-color: var(--warn); background: #fffbeb; }
.badge { display: inline-block; font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: white; background: var(--info); border-radius: 3px; padding: 0 .35rem; margin-right: .4rem; }
.warning .badge { background: var(--warn); }
.detail, .remedy { font-size: .9rem; color: #3f3f46; margin-top: .2rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #fafafa; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: .9rem; color: #3f3f46; }
footer { margin-top: 3rem; font-size: .85rem; color: #71717a; }
`;

const ONLOAD = `window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);
  var items = document.querySelectorAll('li.finding'), shown = 0;
  for (var j = 0; j < items.length; j++) if (items[j].offsetHeight > 0) shown++;
  document.body.setAttribute('data-findings-shown', shown + '/' + items.length);
});`;

function table(rows: Rows | string[][], header?: string[]): string {
  const head = header ? `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => (header || i > 0 ? `<td>${escapeHtml(c)}</td>` : `<th scope="row">${escapeHtml(c)}</th>`)).join('')}</tr>`)
    .join('\n');
  return `<table>${head}<tbody>\n${body}\n</tbody></table>`;
}

function findingItem(f: ReportFinding, figureIds: Set<string>): string {
  const fig = f.figure.replace(/\.png$/, '');
  const link = figureIds.has(fig) ? ` <a href="#fig-${escapeHtml(fig)}">(figure)</a>` : '';
  return (
    `<li class="finding ${f.severity}" data-code="${escapeHtml(f.code)}"><span class="badge">${f.severity}</span><strong>${escapeHtml(f.title)}</strong>: ${escapeHtml(f.message)}${link}` +
    (f.detail ? `<div class="detail">${escapeHtml(f.detail)}</div>` : '') +
    (f.remedy ? `<div class="remedy">Remedy: ${escapeHtml(f.remedy)}</div>` : '') +
    '</li>'
  );
}

const SECTION_TITLES = { curvature: 'Curvature', landscape: 'Landscape slices', gradients: 'Gradients' } as const;

export function renderHtml(doc: ReportDocument): string {
  const r = doc.report;
  const ids = new Set(doc.figures.map((f) => f.name));
  const figures = (['curvature', 'landscape', 'gradients'] as const)
    .map((s) => {
      const figs = doc.figures.filter((f) => f.section === s);
      if (figs.length === 0) return '';
      return (
        `<h3>${SECTION_TITLES[s]}</h3>\n` + figs.map((f) => figureBlock(f, `<strong>${escapeHtml(f.file)}</strong> — ${escapeHtml(f.caption)}`)).join('\n')
      );
    })
    .join('\n');
  const m = doc.meta;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}${INTERACTIVE_CSS}</style>
</head>
<body data-images-loaded="pending">
<header>
<h1>${escapeHtml(doc.title)}</h1>
<p class="sub">${escapeHtml(`${r.model.file} · ${r.data.train.source} · ${r.preset} settings · backend ${m.backend} · seed ${m.seed} · ${m.generatedAt}`)}</p>
</header>
<section id="findings">
<h2>Findings</h2>
<ul class="findings">
${doc.findings.map((f) => findingItem(f, ids)).join('\n')}
</ul>
</section>
<section id="model-card">
<h2>Model card</h2>
${table(modelRows(r))}
${table(layerRows(r), LAYER_HEADER)}
</section>
<section id="key-numbers">
<h2>Key numbers</h2>
${table(keyNumbers(r))}
</section>
<section id="figures">
<h2>Figures</h2>
${figures}
</section>
<footer>losslens ${escapeHtml(m.losslens)} · every number above is in <a href="summary.json">summary.json</a> · ${(m.elapsedMs / 1000).toFixed(1)} s</footer>
<script>${ONLOAD}</script>
${interactiveScripts(doc.figures)}
</body>
</html>
`;
}
