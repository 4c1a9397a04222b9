/**
 * `losslens double-descent`: model-wise (and epoch-wise) sweeps across the interpolation threshold.
 *   --mode model (default): MLP d → w → K per width and seed on --data/--test-data (or --preset
 *     mnist-like) with seeded --label-noise on the training labels; a resumable study folder with
 *     parallel workers, like `losslens seeds`.
 *   --mode rf (or --random-features): random ReLU features + minimum-norm least squares, seconds.
 * Writes double-descent.png, epochwise.png (model mode) and summary.json.
 */
import type { Argv } from 'yargs';
import { BACKEND_NAMES } from '../../src/engine/index.js';
import { formatTable, num } from '../table.js';
import { queueOptions } from '../study-options.js';
import { cliMessage } from '../flags.js';
import { fromWireError } from '../../src/workers/wire-error.js';

export const command = 'double-descent';
export const describe = 'model-wise and epoch-wise double descent: sweep model width through the interpolation threshold';

export const builder = (y: Argv) =>
  queueOptions(y
    .option('mode', { type: 'string', choices: ['model', 'rf'], default: 'model', describe: 'model: train an MLP family; rf: random-features regression demonstrator (seconds)' })
    .option('random-features', { type: 'boolean', default: false, describe: 'same as --mode rf' })
    .option('preset', { type: 'string', choices: ['mnist-like'], describe: 'bundled settings that show a model-wise peak (~15 min on 2 cores)' })
    .option('data', { alias: 'd', type: 'string', describe: 'training set with class-index labels (.csv, x.npy+y.npy folder, IDX pair)' })
    .option('test-data', { type: 'string', describe: 'test set (same formats)' })
    .option('label-column', { type: 'string', default: 'label', describe: 'CSV label column' })
    .option('samples', { type: 'number', describe: 'seeded subset of this many training samples' })
    .option('widths', { type: 'string', describe: 'hidden widths (rf: feature counts), e.g. 4,16,64 or a geometric range lo:hi:count' })
    .option('seeds', { type: 'number', default: 3, describe: 'seeds per width (0..N−1)' })
    .option('label-noise', { type: 'number', default: 0.2, describe: 'fraction of training labels replaced by another class (seeded; test labels untouched)' })
    .option('noise-seed', { type: 'number', default: 0, describe: 'seed of the label noise (one noisy training set for all runs)' })
    .option('loss', { type: 'string', choices: ['categoricalCrossentropy', 'meanSquaredError', 'ce', 'mse'], default: 'categoricalCrossentropy', describe: 'softmax cross-entropy, or squared loss on one-hot targets (linear output)' })
    .option('optimizer', { type: 'string', default: 'adam', describe: 'optimizer of every run' })
    .option('lr', { type: 'number', default: 0.003, describe: 'learning rate' })
    .option('epochs', { type: 'number', default: 300, describe: 'epoch budget per run' })
    .option('batch-size', { type: 'number', default: 32, describe: 'minibatch size' })
    .option('eval-every', { type: 'number', describe: 'epochs between test evaluations for the epoch-wise curve (default epochs/20)' })
    .option('stop-at-interpolation', { type: 'boolean', default: false, describe: 'stop a run once its training error reaches 0' })
    .option('margin', { type: 'number', default: 0.1, describe: 'relative margin by which the error must fall after the peak (second descent) and rise to it' })
    .option('interpolation-tol', { type: 'number', describe: 'training error counted as ~0 (default 0.005; rf 1e-6)' })
    .option('n-train', { type: 'number', default: 100, describe: 'rf: training samples' })
    .option('noise', { type: 'number', default: 0.5, describe: 'rf: target-noise standard deviation' })
    .option('input-dim', { type: 'number', default: 20, describe: 'rf: input dimension' })
    .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: 'auto', describe: 'tfjs backend in each worker' })
    .option('workers', { type: 'number', describe: 'worker threads running runs in parallel (default: core count; 1 = in process)' })
    .option('out', { alias: 'o', type: 'string', describe: 'study folder (default reports/studies/double-descent-<config hash>; rf: reports/double-descent-<time>)' })
    .option('force', { type: 'boolean', default: false, describe: 'accept a changed config (old runs moved aside) / replace an rf report' })
    .option('scale', { type: 'number', default: 1, describe: 'figure resolution multiplier (1 = 800×600)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' }));

export interface DoubleDescentArgs {
  redis?: string; queue: string; attempts: number; sharedFs: boolean;
  mode: string; randomFeatures: boolean; preset?: string; data?: string; testData?: string; labelColumn: string; samples?: number;
  widths?: string; seeds: number; labelNoise: number; noiseSeed: number; loss: string; optimizer: string; lr: number; epochs: number;
  batchSize: number; evalEvery?: number; stopAtInterpolation: boolean; margin: number; interpolationTol?: number;
  nTrain: number; noise: number; inputDim: number; backend: string; workers?: number; out?: string; force: boolean; scale: number; json: boolean; quiet?: boolean;
}

/** "4,16,64" or a geometric range "lo:hi:count". */
export async function parseWidths(s: string | number | undefined): Promise<number[] | undefined> {
  if (s === undefined || s === '') return undefined;
  const { optionError } = await import('../../src/errors.js');
  const { geometricWidths } = await import('../../src/double-descent/random-features.js');
  const text = String(s);
  if (text.includes(':')) {
    const [lo, hi, count] = text.split(':').map(Number);
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(count) && lo >= 1 && hi > lo && count >= 2)) throw optionError('widths', `a range is lo:hi:count with integers 1 ≤ lo < hi and count ≥ 2, got "${text}"`);
    return geometricWidths(lo, hi, count);
  }
  const out = text.split(',').map((t) => Number(t.trim()));
  if (out.some((v) => !(Number.isInteger(v) && v >= 1))) throw optionError('widths', `expected comma-separated integers ≥ 1, got "${text}"`);
  return out;
}

export async function handler(args: DoubleDescentArgs): Promise<void> {
  const { optionError } = await import('../../src/errors.js');
  const { checkScale } = await import('../parse.js');
  checkScale(args.scale);
  if (!(args.labelNoise >= 0 && args.labelNoise < 1)) throw optionError('labelNoise', `must be in [0, 1), got ${args.labelNoise}`);
  if (args.randomFeatures || args.mode === 'rf') {
    if (args.redis !== undefined) throw optionError('redis', 'the random-features demonstrator runs in seconds in process; {redis} applies to model-wise sweeps');
    return rfHandler(args);
  }
  return modelwiseHandler(args);
}

/** The preset's folders: next to the sources (tsx) or two levels further up (dist/). */
async function fixturePath(rel: string): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  for (const up of ['../../', '../../../']) {
    const p = fileURLToPath(new URL(up + rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return rel;
}

/** Model-wise sweep as a resumable study: open/resume the folder, run the missing (width, seed) runs, rebuild. */
async function modelwiseHandler(args: DoubleDescentArgs): Promise<void> {
  const path = await import('node:path');
  const { optionError } = await import('../../src/errors.js');
  const { PRESETS } = await import('../../src/double-descent/preset.js');
  const { doubleDescentTasks, rebuildDoubleDescent, checkWidths, DOUBLE_DESCENT_HANDLER } = await import('../../src/double-descent/study.js');
  const { loadDataset } = await import('../../src/io/dataset.js');
  const { resolveRunConfig } = await import('../../src/train/run-config.js');
  const { openStudyFolder, configHash } = await import('../../src/studies/study-folder.js');
  const { runStudy } = await import('../../src/studies/run-study.js');
  const { createStudyExecutor, checkExecutorArgs } = await import('../study-runner.js');
  const { onInterrupt } = await import('../cleanup.js');
  const { createProgress } = await import('../progress.js');
  const preset = args.preset ? PRESETS[args.preset] : undefined;
  const data = preset ? await fixturePath(preset.dataDir) : args.data;
  const testData = preset ? await fixturePath(preset.testDir) : args.testData;
  if (!data) throw optionError('data', 'a model-wise sweep needs a training set ({data}) or {preset} mnist-like (or use {mode} rf)');
  if (!testData) throw optionError('testData', 'a model-wise sweep needs a test set ({testData})');
  const widths = preset?.widths ?? (await parseWidths(args.widths)) ?? [2, 4, 8, 16, 32, 64, 128, 256, 512];
  checkWidths(widths);
  const seedCount = preset?.seeds ?? args.seeds;
  if (!(Number.isInteger(seedCount) && seedCount >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${seedCount}`);
  const loss = (preset?.loss ?? ({ ce: 'categoricalCrossentropy', mse: 'meanSquaredError' } as Record<string, string>)[args.loss] ?? args.loss) as 'categoricalCrossentropy' | 'meanSquaredError';
  const epochs = preset?.epochs ?? args.epochs;
  const evalEvery = preset?.evalEvery ?? args.evalEvery ?? Math.max(1, Math.round(epochs / 20));
  if (!(Number.isInteger(evalEvery) && evalEvery >= 1)) throw optionError('evalEvery', `must be an integer ≥ 1, got ${evalEvery}`);
  const run = { optimizer: { name: preset?.optimizer ?? args.optimizer, lr: preset?.lr ?? args.lr }, batchSize: preset?.batchSize ?? args.batchSize, epochs };
  resolveRunConfig(run);
  const train = { data: path.resolve(data), labelColumn: args.labelColumn, ...(args.samples !== undefined ? { samples: args.samples, seed: 0 } : {}) };
  const test = { data: path.resolve(testData), labelColumn: args.labelColumn, split: 'test' as const };
  const [trainDs, testDs] = await Promise.all([loadDataset(train), loadDataset(test)]);
  let classes = 0;
  for (const ds of [trainDs, testDs]) for (const v of ds.y) classes = Math.max(classes, v + 1);
  const d = trainDs.xShape.reduce((a, b) => a * b, 1);
  const base = { train, test, classes, labelNoise: preset?.labelNoise ?? args.labelNoise, noiseSeed: args.noiseSeed, loss, run, evalEvery, stopAtZeroTrainError: args.stopAtInterpolation, backend: args.backend };
  const family = `MLP ${d}→w→${classes}, ${loss === 'meanSquaredError' ? 'MSE' : 'CE'}, n = ${trainDs.n}`;
  const config = { base, widths, seeds: Array.from({ length: seedCount }, (_, i) => i), nTrain: trainDs.n, family };
  const tasks = doubleDescentTasks(config);
  const dir = args.out ?? path.join('reports', 'studies', `double-descent-${configHash(config).slice(0, 12)}`);
  await checkExecutorArgs(args);
  const folder = await openStudyFolder(dir, { command: 'double-descent', config, force: args.force });
  const finished = await folder.finishedIds();
  const todo = tasks.filter((t) => !finished.has(t.id)).length;
  const { executor, label, status } = await createStudyExecutor(args, todo, DOUBLE_DESCENT_HANDLER);
  const ctl = new AbortController();
  const drop = onInterrupt(() => ctl.abort());
  const bar = createProgress(`double-descent (${label})`, { quiet: args.quiet });
  let last = { sessionDone: 0, sessionTotal: todo };
  status((s) => bar(last.sessionDone, last.sessionTotal, s));
  try {
    const outcome = await runStudy({
      folder, tasks, executor, signal: ctl.signal,
      rebuild: (records) => rebuildDoubleDescent(config, records as never, { scale: args.scale, margin: args.margin, interpolationTol: args.interpolationTol }),
      onProgress: (p) => { last = p; bar(p.sessionDone, p.sessionTotal, `runs ${p.done}/${p.total}${p.failed ? `, ${p.failed} failed` : ''}`); },
    });
    bar.done();
    if (args.json) process.stdout.write(JSON.stringify(outcome.summary, null, 2) + '\n');
    else {
      const failed = outcome.failures.length ? `\n${outcome.failures.length} run(s) failed (re-run to retry): ${outcome.failures.map((f) => `${f.id}: ${f.error ? cliMessage(fromWireError(f.error)) : ''}`).join('; ')}` : '';
      const body = outcome.records.length ? pointsTable(outcome.summary) : 'no finished runs';
      process.stdout.write(`${body}${failed}\nruns: ${outcome.executed} executed, ${outcome.resumed} resumed\nstudy: ${dir}\n`);
    }
    const failure = (await import('../study-runner.js')).studyFailureError(outcome, dir);
    if (failure) throw failure;
  } finally {
    bar.done();
    drop();
    await executor.close();
  }
}

async function rfHandler(args: DoubleDescentArgs): Promise<void> {
  const { randomFeaturesSweep } = await import('../../src/double-descent/random-features.js');
  const { analyzeSweep } = await import('../../src/double-descent/analysis.js');
  const { modelwiseSpec } = await import('../../src/double-descent/figures.js');
  const { renderSpec } = await import('../../src/render/render-png.js');
  const { prepareOutputDir, defaultOutDir } = await import('../../src/io/output-dir.js');
  const { writeReport } = await import('../../src/report/write-report.js');
  const { onInterrupt } = await import('../cleanup.js');
  const { createProgress } = await import('../progress.js');
  const widths = await parseWidths(args.widths);
  const options = { nTrain: args.nTrain, noise: args.noise, inputDim: args.inputDim, seeds: args.seeds, ...(widths ? { widths } : {}) };
  const out = await prepareOutputDir(args.out ?? defaultOutDir('double-descent'), { force: args.force });
  const drop = onInterrupt(() => out.abort());
  try {
    const bar = createProgress('random features', { quiet: args.quiet });
    const sweep = randomFeaturesSweep(options, (d, t) => bar(d, t));
    bar.done();
    const o = sweep.meta.options;
    const a = analyzeSweep(sweep.runs, { nTrain: o.nTrain, outputs: 1, interpolationTol: args.interpolationTol ?? 1e-6, margin: args.margin });
    const spec = modelwiseSpec(a, { family: `random ReLU features, n = ${o.nTrain}`, noiseLabel: `target noise σ = ${o.noise}`, errorName: 'MSE' });
    const fig = await renderSpec(spec as never, { scale: args.scale });
    const summary = {
      mode: 'random-features', options: o, threshold: a.threshold, peak: a.peak, firstDescentMin: a.firstDescentMin,
      secondDescent: a.secondDescent, doubleDescentObserved: a.observed, points: a.points, runList: sweep.runs, elapsedMs: sweep.meta.elapsedMs,
    };
    await writeReport(out, { summary, figures: [{ name: 'double-descent', png: fig.png, spec }] });
    await out.commit();
    drop();
    if (args.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else process.stdout.write(`${pointsTable(summary)}\nreport: ${out.finalPath}\n`);
  } catch (err) {
    await out.abort();
    drop();
    throw err;
  }
}

/** Per-width medians with the verdict (shared by both modes). */
export function pointsTable(s: Record<string, any>): string {
  const rows = (s.points as any[]).map((p) => [p.width, p.params, p.seeds, num(p.trainError.median), num(p.testError.median), `${num(p.testError.lo)}–${num(p.testError.hi)}`]);
  const table = formatTable(['width', 'params', 'seeds', 'train err (med)', 'test err (med)', 'test err range'], rows);
  const pk = s.peak ? `peak: width ${s.peak.width} (${s.peak.params} params), test error ${num(s.peak.testError)}` : 'peak: none';
  const th = `threshold: ${s.threshold.params ?? 'not reached'} params (n·K = ${s.threshold.expectedParams})`;
  const sd = s.secondDescent.minAfterPeak !== null ? `after the peak: ${num(s.secondDescent.minAfterPeak)} (−${(100 * s.secondDescent.relativeDrop).toFixed(1)} %, margin ${100 * s.secondDescent.margin} %)` : '';
  return `${table}\n${th}; ${pk}; ${sd}\ndouble descent observed: ${s.doubleDescentObserved ? 'yes' : 'no'}`;
}
