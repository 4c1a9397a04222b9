/**
 * report: one command, one report. Eval, Hessian spectrum, a 1-D and a 2-D filter-normalised slice
 * and the gradient profile on one loaded problem (src/pipelines/report-parts.ts), written as
 * report.md, a self-contained index.html, the figures and summary.json. A model with several inputs
 * or outputs is analysed on its objective Σ w_k loss_k; the digest adds each output's loss and
 * accuracy (summary.json has them under eval.train.outputs).
 */
import { resolveReportOptions, FINDING_THRESHOLDS, type FindingThresholds, type ReportOptions } from '../report/report-options.js';
import type { GradientThresholds } from '../gradients/options.js';
import { reportFigures } from '../figures/report.js';
import { assembleReport } from '../report/assemble-report.js';
import { vectorBytes } from '../io/vector-file.js';
import { VERSION } from '../version.js';
import { optionError } from '../errors.js';
import { ANALYSIS_DEFAULTS, requireData, type AnalysisOptions } from './common.js';
import { computeFullReport, type FullReport, type ReportSlicer } from './report-parts.js';
import type { PipelineContext, Progress } from './context.js';
import type { AnalysisPipeline, PipelineOutput } from './run-analysis.js';
import { outputsDigest } from './output-metrics.js';

/** The report command's options: a preset, the thresholds of the findings and the analyses' settings. */
export interface ReportPipelineOptions extends AnalysisOptions, Partial<FindingThresholds>, Partial<GradientThresholds> {
  preset?: ReportOptions['preset'];
  lr?: number;
  range?: [number, number];
  /** 1-D slice points (default by preset: 21 quick, 41, 101 full). */
  points?: number;
  /** 2-D slice points per axis (default by preset: 11 quick, 21, 51 full). */
  grid?: number;
  /** Embed the figures in index.html as data: URIs. */
  embed?: boolean;
}

const THRESHOLD_FIELDS = Object.keys(FINDING_THRESHOLDS) as (keyof FindingThresholds)[];
const GRADIENT_FIELDS = ['vanishingBelow', 'explodingAbove', 'spikeFactor', 'saturation', 'saturatedFraction', 'deadFraction'] as const;

/** The report's resolved options (preset, thresholds, slices) from the pipeline's; throws naming the field of a bad value. */
export function reportOptions(o: ReportPipelineOptions): ReportOptions {
  const pickOf = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(
      keys.filter((k) => (o as unknown as Record<string, unknown>)[k] !== undefined).map((k) => [k, (o as unknown as Record<string, unknown>)[k]]),
    );
  const opts = resolveReportOptions({
    preset: o.preset,
    seed: o.seed ?? ANALYSIS_DEFAULTS.seed,
    lr: o.lr,
    range: o.range,
    points1d: o.points,
    points2d: o.grid,
    thresholds: pickOf(THRESHOLD_FIELDS),
    gradientThresholds: pickOf(GRADIENT_FIELDS),
  });
  if (o.samples !== undefined) delete opts.analysisSamples; // the user chose the subset
  return opts;
}

/** The `report` command as a pipeline for runAnalysis: eval, Hessian, slices and gradients on one data load, with findings in words. */
export const reportPipeline: AnalysisPipeline<ReportPipelineOptions> = {
  command: 'report',
  dataOnlyNote: 'its gradient-health section uses the data term only',
  check(o) {
    requireData(o);
    reportOptions(o);
  },
  run: (ctx, o) => runReport(ctx, o),
};

/** The report on a loaded problem: every part in this process, or the slices from `slicer` (report-queue.ts). */
export async function runReport({ problem, progress }: PipelineContext, o: ReportPipelineOptions, slicer?: ReportSlicer): Promise<PipelineOutput> {
  const started = Date.now();
  const opts = reportOptions(o);
  const scale = o.scale ?? ANALYSIS_DEFAULTS.scale;
  const bars = new Map<string, Progress>();
  let current: Progress | undefined;
  const { report, directions } = await computeFullReport(
    problem,
    opts,
    { batchSize: o.batchSize, hvp: o.hvp },
    (stage, d, t, label) => {
      let bar = bars.get(stage);
      if (!bar) {
        current?.done();
        bar = progress(stage);
        bars.set(stage, bar);
        current = bar;
      }
      bar(d, t, label);
    },
    slicer,
  );
  current?.done();
  const figures = await reportFigures(report, { scale });
  const meta = { losslens: VERSION, backend: problem.backend.name, seed: opts.seed, generatedAt: new Date().toISOString(), elapsedMs: Date.now() - started };
  const doc = assembleReport(report, figures, { thresholds: opts.thresholds, scale, embed: o.embed ?? false, meta });
  const files = [
    { name: 'index.html', data: doc.html },
    { name: 'direction1.f32', data: vectorBytes(directions.d1) },
    { name: 'direction2.f32', data: vectorBytes(directions.d2) },
  ];
  return { summary: doc.summary, figures, files, markdown: doc.markdown, digest: reportDigest(doc.findings, report) };
}

/** "quick" and "full" are one choice: refuse both at once (the CLI's two flags). */
export function presetOf(quick: boolean, full: boolean): ReportOptions['preset'] {
  if (quick && full) throw optionError('quick', 'choose one of {quick} and {full}');
  return quick ? 'quick' : full ? 'full' : 'standard';
}

function reportDigest(
  findings: { severity: string; text: string }[],
  r: { model: { name: string; trainableParams: number }; preset: string; timingsMs: Record<string, number>; eval: FullReport['eval'] },
): string {
  const t = r.timingsMs;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  return [
    `${r.model.name}: ${r.model.trainableParams} parameters, ${r.preset} settings`,
    'findings:',
    ...findings.map((f) => `  [${f.severity}] ${f.text}`),
    ...(r.eval.train.outputs ? [outputsDigest(r.eval.train.outputs)] : []),
    `timings: eval ${secs(t.eval)}, hessian ${secs(t.hessian)}, slices ${secs(t['slice-1d'] + t['slice-2d'])}, gradients ${secs(t.gradients)}`,
    'open index.html (or report.md) in the report folder',
  ].join('\n');
}
