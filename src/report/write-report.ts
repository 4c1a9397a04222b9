/** Results + figures → files in a staged output folder (summary.json, *.png, *.vg.json, report.md). */
import type { OutputDir } from '../io/output-dir.js';

import type { Figure } from '../render/figure.js';
import { figuresIndexHtml } from './figures-index.js';
export type { Figure } from '../render/figure.js';

/** What {@link writeReport} writes into a report folder: summary.json, the figures (PNG and Vega spec), report.md and extra files. */
export interface ReportContent {
  summary: Record<string, unknown>;
  figures?: Figure[];
  markdown?: string;
  /** Extra files (e.g. directions as float32). */
  files?: { name: string; data: Uint8Array | string }[];
}

/**
 * Writes a report's summary.json, figures (PNG and their Vega specs) and report.md into an output folder;
 * returns the files written.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, readFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { prepareOutputDir, writeReport } from 'losslens/io';
 *
 * const dir = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'report');
 * const out = await prepareOutputDir(dir, { force: false });
 * await writeReport(out, { summary: { loss: 0.25 }, markdown: '# A report\n' });
 * await out.commit();
 * assert.equal(JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')).loss, 0.25);
 * ```
 */
export async function writeReport(out: OutputDir, content: ReportContent): Promise<string[]> {
  const written: string[] = [];
  for (const f of content.figures ?? []) {
    await out.writeFile(`${f.name}.png`, f.png);
    await out.writeJson(`${f.name}.vg.json`, f.spec);
    written.push(`${f.name}.png`);
  }
  for (const f of content.files ?? []) {
    await out.writeFile(f.name, f.data);
    written.push(f.name);
  }
  if (content.figures?.length && !content.files?.some((f) => f.name === 'index.html')) {
    await out.writeFile('index.html', figuresIndexHtml(content.summary, content.figures)); // the figures, live (figures-index.ts)
    written.push('index.html');
  }
  if (content.markdown) {
    await out.writeFile('report.md', content.markdown);
    written.push('report.md');
  }
  const summary = { ...content.summary, files: [...written] };
  await out.writeJson('summary.json', summary);
  written.push('summary.json');
  return written;
}
