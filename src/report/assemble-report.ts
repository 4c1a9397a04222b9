/**
 * A computed report + its figures → the findings, report.md, index.html and the combined
 * summary (each part under its own key, the findings list beside them). Pure: no I/O.
 */
import type { FullReport } from './report-types.js';
import type { CaptionedFigure } from '../figures/report.js';
import type { FindingThresholds } from './report-options.js';
import { reportFindings, type ReportFinding } from './findings.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReportDocument } from './report-document.js';

export interface AssembledReport {
  findings: ReportFinding[];
  html: string;
  markdown: string;
  summary: Record<string, unknown>;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.byteLength < 24 || v.getUint32(12) !== 0x49484452) throw new Error('pngSize: not a PNG');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

export function assembleReport(
  r: FullReport,
  figures: CaptionedFigure[],
  opts: { thresholds: FindingThresholds; scale: number; embed: boolean; meta: ReportDocument['meta'] },
): AssembledReport {
  const findings = reportFindings(r, opts.thresholds);
  const doc: ReportDocument = {
    title: `Loss-landscape report: ${r.model.name}`,
    report: r,
    findings,
    figures: figures.map((f) => {
      const { width, height } = pngSize(f.png);
      const file = `${f.name}.png`;
      const src = opts.embed ? `data:image/png;base64,${Buffer.from(f.png).toString('base64')}` : file;
      return {
        name: f.name,
        file,
        src,
        caption: f.caption,
        section: f.section,
        width: Math.round(width / opts.scale),
        height: Math.round(height / opts.scale),
        spec: f.spec,
      };
    }),
    meta: opts.meta,
  };
  const summary = {
    findings,
    model: r.model,
    data: r.data,
    eval: r.eval,
    hessian: r.hessian,
    slice1d: r.slice1d,
    slice2d: r.slice2d,
    directions: r.directions.map((d, i) => ({ ...d, file: `direction${i + 1}.f32` })),
    gradients: r.gradients,
    report: {
      preset: r.preset,
      lr: r.lr,
      timingsMs: r.timingsMs,
      thresholds: opts.thresholds,
      figures: figures.map((f) => ({ file: `${f.name}.png`, caption: f.caption })),
    },
  };
  return { findings, html: renderHtml(doc), markdown: renderMarkdown(doc), summary };
}
