/**
 * `losslens report --model M --data D`: one command, one report. Eval, Hessian spectrum, a 1-D
 * and a 2-D filter-normalised slice and the gradient profile, sharing one data load and one
 * backend, written as report.md, a self-contained index.html, the figures and summary.json.
 */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { FINDING_THRESHOLDS } from '../../src/report/report-options.js';
import { reportThresholdOptions } from '../threshold-options.js';
import type { GradientThresholds } from '../../src/gradients/options.js';
import type { FindingThresholds } from '../../src/report/report-options.js';
import { queueOptions, type QueueArgs } from '../study-options.js';

export const command = 'report';
export const describe = 'everything at once: eval, Hessian spectrum, 1-D/2-D slices, gradients → report.md + index.html';

export const builder = (y: Argv) =>
  queueOptions(reportThresholdOptions(outputOptions(computeOptions(dataOptions(modelOption(y))))))
    .option('quick', {
      type: 'boolean',
      default: false,
      describe: 'fast look: analyses on a seeded subset of ≤ 256 samples, fewer Lanczos steps and probes, coarser slices',
    })
    .option('full', {
      type: 'boolean',
      default: false,
      describe: 'publication settings: more eigenvalues, probes and quadrature steps; 101-point 1-D and 51×51 2-D slices',
    })
    .option('lr', { type: 'number', describe: 'learning rate to hold against the stability threshold 2/λmax' })
    .option('range', { type: 'string', default: '-1:1', describe: 'slice range LO:HI for α and β' })
    .option('points', { type: 'number', describe: '1-D slice points (default 21 quick, 41, 101 full)' })
    .option('grid', { type: 'number', describe: '2-D slice points per axis (default 11 quick, 21, 51 full)' })
    .option('embed', { type: 'boolean', default: false, describe: 'embed the figures in index.html as data: URIs (one file to share)' });

type ReportArgs = CommonArgs &
  Partial<QueueArgs> &
  FindingThresholds &
  GradientThresholds & { quick: boolean; full: boolean; lr?: number; range: string; points?: number; grid?: number; embed: boolean };

const REPORT_KEYS = [
  'lr',
  'points',
  'grid',
  'embed',
  ...Object.keys(FINDING_THRESHOLDS),
  'vanishingBelow',
  'explodingAbove',
  'spikeFactor',
  'saturation',
  'saturatedFraction',
  'deadFraction',
] as (keyof ReportArgs)[];

export async function handler(args: ReportArgs): Promise<void> {
  const { reportPipeline, presetOf } = await import('../../src/pipelines/report.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  const { parseRange } = await import('../parse.js');
  const opts = {
    ...fields(args, ANALYSIS_KEYS),
    ...fields(args, REPORT_KEYS),
    model: args.model,
    preset: presetOf(args.quick, args.full),
    range: parseRange(args.range, '--range', [-1, 1]),
  };
  const { usesQueue } = await import('../../src/studies/executors/uses-queue.js');
  if (!usesQueue(args)) return runAnalysisCommand(reportPipeline, opts, args);
  // the slices on the queue, the rest here: the same report folder and digest as the local run
  const { runReportOnQueue } = await import('../../src/pipelines/report-queue.js');
  const { executorOptions } = await import('../study-runner.js');
  const { cliHooks } = await import('../run-analysis.js');
  const { out: _o, force: _f, workers: _w, ...queue } = executorOptions(args); // out, force and workers are the report's own
  const run = await runReportOnQueue(opts, queue, cliHooks(args));
  if (args.json) process.stdout.write(JSON.stringify(run.summary, null, 2) + '\n');
  else process.stdout.write(`${run.digest}\nobjective: ${run.summary.objective.description}\nreport: ${run.folder}\n`);
}
