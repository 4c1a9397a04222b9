/** The report as Markdown (report.md): findings, model card, key numbers, figures with captions. */
import { keyNumbers, layerRows, modelRows, LAYER_HEADER, type ReportDocument } from './report-document.js';

/** Escape the characters that would break a table cell or start Markdown syntax. */
export function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_[\]<>|])/g, '\\$1').replace(/\n/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.map(escapeMarkdown).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

export function renderMarkdown(doc: ReportDocument): string {
  const r = doc.report;
  const m = doc.meta;
  const out: string[] = [
    `# ${escapeMarkdown(doc.title)}`,
    '',
    `${escapeMarkdown(`${r.model.file} · ${r.data.train.source} · ${r.preset} settings · backend ${m.backend} · seed ${m.seed} · ${m.generatedAt}`)}`,
    '',
    '## Findings',
    '',
    ...doc.findings.map((f) => {
      const lines = [`- **${f.severity === 'warning' ? '⚠ ' : ''}${escapeMarkdown(f.title)}**: ${escapeMarkdown(f.message)} ([figure](${f.figure}))`];
      if (f.detail) lines.push(`  - ${escapeMarkdown(f.detail)}`);
      if (f.remedy) lines.push(`  - *Remedy:* ${escapeMarkdown(f.remedy)}`);
      return lines.join('\n');
    }),
    '',
    '## Model card',
    '',
    table(['', ''], modelRows(r)),
    '',
    table(LAYER_HEADER, layerRows(r)),
    '',
    '## Key numbers',
    '',
    table(['quantity', 'value'], keyNumbers(r)),
    '',
    '## Figures',
    '',
  ];
  for (const f of doc.figures) out.push(`![${escapeMarkdown(f.caption)}](${f.file})`, '', `*${escapeMarkdown(f.file)}* — ${escapeMarkdown(f.caption)}`, '');
  out.push(`losslens ${m.losslens}; every number is in summary.json.`, '');
  return out.join('\n');
}
