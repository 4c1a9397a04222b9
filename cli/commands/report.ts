/**
 * `losslens report --model M --data D`: one command, one report. Eval, Hessian spectrum, a 1-D
 * and a 2-D filter-normalised slice and the gradient profile, sharing one data load and one
 * backend, written as report.md, a self-contained index.html, the figures and summary.json.
 */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { runAnalysis } from '../run-analysis.js';
import { reportThresholdOptions, reportThresholds, gradientThresholds } from '../threshold-options.js';
import type { GradientThresholds } from '../../src/gradients/options.js';
import type { FindingThresholds } from '../../src/report/report-options.js';
import type { Progress } from '../progress.js';

export const command = 'report';
export const describe = 'everything at once: eval, Hessian spectrum, 1-D/2-D slices, gradients → report.md + index.html';

export const builder = (y: Argv) =>
  reportThresholdOptions(outputOptions(computeOptions(dataOptions(modelOption(y)))))
    .option('quick', { type: 'boolean', default: false, describe: 'fast look: analyses on a seeded subset of ≤ 256 samples, fewer Lanczos steps and probes, coarser slices' })
    .option('full', { type: 'boolean', default: false, describe: 'publication settings: more eigenvalues, probes and quadrature steps; 101-point 1-D and 51×51 2-D slices' })
    .option('lr', { type: 'number', describe: 'learning rate to hold against the stability threshold 2/λmax' })
    .option('range', { type: 'string', default: '-1:1', describe: 'slice range LO:HI for α and β' })
    .option('points', { type: 'number', describe: '1-D slice points (default 21 quick, 41, 101 full)' })
    .option('grid', { type: 'number', describe: '2-D slice points per axis (default 11 quick, 21, 51 full)' })
    .option('embed', { type: 'boolean', default: false, describe: 'embed the figures in index.html as data: URIs (one file to share)' });

type ReportArgs = CommonArgs & FindingThresholds & GradientThresholds & { quick: boolean; full: boolean; lr?: number; range: string; points?: number; grid?: number; embed: boolean };

export async function handler(args: ReportArgs): Promise<void> {
  const { requireData } = await import('../require-data.js');
  const { parseRange } = await import('../parse.js');
  const { optionError } = await import('../../src/errors.js');
  const { resolveReportOptions } = await import('../../src/report/report-options.js');
  requireData(args);
  if (args.quick && args.full) throw optionError('quick', 'choose one of {quick} and {full}');
  const opts = resolveReportOptions({
    preset: args.quick ? 'quick' : args.full ? 'full' : 'standard',
    seed: args.seed, lr: args.lr, range: parseRange(args.range, '--range', [-1, 1]), points1d: args.points, points2d: args.grid,
    thresholds: reportThresholds(args), gradientThresholds: gradientThresholds(args),
  });
  if (args.samples !== undefined) delete opts.analysisSamples; // the user chose the subset
  const started = Date.now();
  await runAnalysis('report', args, async ({ problem, progress }) => {
    const { computeFullReport } = await import('../../src/report/full-report.js');
    const { reportFigures } = await import('../../src/report/report-figures.js');
    const { assembleReport } = await import('../../src/report/assemble-report.js');
    const { vectorBytes } = await import('../../src/io/vector-file.js');
    const { VERSION } = await import('../../src/version.js');
    const bars = new Map<string, Progress>();
    let current: Progress | undefined;
    const { report, directions } = await computeFullReport(problem, opts, { batchSize: args.batchSize, hvp: args.hvp }, (stage, d, t, label) => {
      let bar = bars.get(stage);
      if (!bar) {
        current?.done();
        bar = progress(stage);
        bars.set(stage, bar);
        current = bar;
      }
      bar(d, t, label);
    });
    current?.done();
    const figures = await reportFigures(report, { scale: args.scale });
    const meta = { losslens: VERSION, backend: problem.backend.name, seed: args.seed, generatedAt: new Date().toISOString(), elapsedMs: Date.now() - started };
    const doc = assembleReport(report, figures, { thresholds: opts.thresholds, scale: args.scale, embed: args.embed, meta });
    const files = [
      { name: 'index.html', data: doc.html },
      { name: 'direction1.f32', data: vectorBytes(directions.d1) },
      { name: 'direction2.f32', data: vectorBytes(directions.d2) },
    ];
    return { summary: doc.summary, figures, files, markdown: doc.markdown, table: reportTable(doc.findings, report) };
  });
}

function reportTable(findings: { severity: string; text: string }[], r: { model: { name: string; trainableParams: number }; preset: string; timingsMs: Record<string, number> }): string {
  const t = r.timingsMs;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  return [
    `${r.model.name}: ${r.model.trainableParams} parameters, ${r.preset} settings`,
    'findings:',
    ...findings.map((f) => `  [${f.severity}] ${f.text}`),
    `timings: eval ${secs(t.eval)}, hessian ${secs(t.hessian)}, slices ${secs(t['slice-1d'] + t['slice-2d'])}, gradients ${secs(t.gradients)}`,
    'open index.html (or report.md) in the report folder',
  ].join('\n');
}
