/**
 * double-descent: model-wise (and epoch-wise) sweeps across the interpolation threshold.
 *   mode "model": an MLP d → w → K per width and seed on data/testData (or a preset) with seeded
 *     label noise on the training labels, as a resumable study (src/pipelines/run-study.ts).
 *   mode "rf": random ReLU features + minimum-norm least squares, seconds, as one report.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optionError } from '../errors.js';
import { PRESETS } from '../double-descent/preset.js';
import { doubleDescentTasks, checkWidths, DOUBLE_DESCENT_HANDLER } from '../double-descent/study.js';
import { rebuildDoubleDescent } from './double-descent-rebuild.js';
import { randomFeaturesSweep } from '../double-descent/random-features.js';
import { analyzeSweep } from '../double-descent/analysis.js';
import { modelwiseSpec } from '../figures/double-descent.js';
import { renderFigure } from '../render/figure.js';
import { loadDataset } from '../io/dataset.js';
import { prepareOutputDir, defaultOutDir } from '../io/output-dir.js';
import { writeReport } from '../report/write-report.js';
import { resolveRunConfig } from '../train/run-config.js';
import { formatTable, num } from '../report/text-table.js';
import { checkScale } from './common.js';
import { silent, type RunHooks } from './context.js';
import type { StudyPipeline } from './run-study.js';
import { DOUBLE_DESCENT_DEFAULTS } from './defaults.js';

/** The double-descent study's options: model or random-features mode, a preset, widths, seeds and training. */
export interface DoubleDescentOptions {
  mode?: 'model' | 'rf';
  /** Bundled settings (a key of PRESETS): data, widths, seeds and training fixed by the preset. */
  preset?: string;
  data?: string;
  testData?: string;
  labelColumn?: string;
  samples?: number;
  /** Hidden widths (rf: feature counts). */
  widths?: number[];
  seeds?: number;
  labelNoise?: number;
  noiseSeed?: number;
  loss?: string;
  optimizer?: string;
  lr?: number;
  epochs?: number;
  batchSize?: number;
  evalEvery?: number;
  stopAtInterpolation?: boolean;
  /** Relative margin by which the error must fall after the peak (and rise to it). */
  margin?: number;
  interpolationTol?: number;
  /** rf: training samples, target noise σ, input dimension. */
  nTrain?: number;
  noise?: number;
  inputDim?: number;
  backend?: string;
  out?: string;
  force?: boolean;
  scale?: number;
}

export { DOUBLE_DESCENT_DEFAULTS };

const D = DOUBLE_DESCENT_DEFAULTS;

export function checkDoubleDescent(o: DoubleDescentOptions): void {
  checkScale(o.scale);
  const noise = o.labelNoise ?? D.labelNoise;
  if (!(noise >= 0 && noise < 1)) throw optionError('labelNoise', `must be in [0, 1), got ${noise}`);
}

/** The preset's folders: next to the sources (tsx) or two levels further up (dist/). */
function fixturePath(rel: string): string {
  for (const up of ['../../', '../../../']) {
    const p = fileURLToPath(new URL(up + rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return rel;
}

/**
 * The model-wise sweep as a study: config (datasets read once to size the family), tasks, rebuild.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { doubleDescentStudy } from 'losslens/pipelines';
 *
 * // a model-wise sweep: one MLP per hidden width and seed
 * const study = await doubleDescentStudy({
 *   data: 'fixtures/spiral-tanh/train.csv',
 *   testData: 'fixtures/spiral-tanh/train.csv',
 *   widths: [2, 8, 32],
 *   seeds: 2,
 *   epochs: 5,
 * });
 * assert.equal(study.command, 'double-descent');
 * assert.equal(study.tasks.length, 6);
 * ```
 */
export async function doubleDescentStudy(o: DoubleDescentOptions): Promise<StudyPipeline<unknown>> {
  checkDoubleDescent(o);
  const preset = o.preset ? PRESETS[o.preset] : undefined;
  if (o.preset && !preset) throw optionError('preset', `unknown preset "${o.preset}"; valid: ${Object.keys(PRESETS).join(', ')}`);
  const fashion = preset?.source === 'fashion-mnist' ? (await import('./double-descent-fashion.js')).fashionInputs(preset) : undefined;
  const data = preset ? (fashion?.train.data ?? fixturePath(preset.dataDir)) : o.data;
  const testData = preset ? (fashion?.test.data ?? fixturePath(preset.testDir)) : o.testData;
  if (!data) throw optionError('data', 'a model-wise sweep needs a training set ({data}) or {preset} mnist-like (or use {mode} rf)');
  if (!testData) throw optionError('testData', 'a model-wise sweep needs a test set ({testData})');
  const widths = preset?.widths ?? o.widths ?? D.widths;
  checkWidths(widths);
  const seedCount = preset?.seeds ?? o.seeds ?? D.seeds;
  if (!(Number.isInteger(seedCount) && seedCount >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${seedCount}`);
  const lossName = o.loss ?? D.loss;
  const loss = (preset?.loss ?? ({ ce: 'categoricalCrossentropy', mse: 'meanSquaredError' } as Record<string, string>)[lossName] ?? lossName) as
    'categoricalCrossentropy' | 'meanSquaredError';
  const epochs = preset?.epochs ?? o.epochs ?? D.epochs;
  const evalEvery = preset?.evalEvery ?? o.evalEvery ?? Math.max(1, Math.round(epochs / 20));
  if (!(Number.isInteger(evalEvery) && evalEvery >= 1)) throw optionError('evalEvery', `must be an integer ≥ 1, got ${evalEvery}`);
  const run = {
    optimizer: { name: preset?.optimizer ?? o.optimizer ?? D.optimizer, lr: preset?.lr ?? o.lr ?? D.lr },
    batchSize: preset?.batchSize ?? o.batchSize ?? D.batchSize,
    epochs,
  };
  resolveRunConfig(run);
  const labelColumn = o.labelColumn ?? D.labelColumn;
  const train = fashion?.train ?? { data: path.resolve(data), labelColumn, ...(o.samples !== undefined ? { samples: o.samples, seed: 0 } : {}) };
  const test = fashion?.test ?? { data: path.resolve(testData), labelColumn, split: 'test' as const };
  const downsample = fashion?.downsample ?? 1;
  const [trainDs, testDs] = fashion
    ? await Promise.all([train, test].map(async (ref) => (await import('./double-descent-fashion.js')).loadFashion(ref, downsample)))
    : await Promise.all([loadDataset(train), loadDataset(test)]);
  let classes = 0;
  for (const ds of [trainDs, testDs]) for (const v of ds.y) classes = Math.max(classes, v + 1);
  const d = trainDs.xShape.reduce((a, b) => a * b, 1);
  const base = {
    train,
    test,
    classes,
    labelNoise: preset?.labelNoise ?? o.labelNoise ?? D.labelNoise,
    noiseSeed: o.noiseSeed ?? D.noiseSeed,
    loss,
    run,
    evalEvery,
    stopAtZeroTrainError: o.stopAtInterpolation ?? D.stopAtInterpolation,
    backend: o.backend ?? D.backend,
    ...(downsample > 1 ? { downsample } : {}),
  };
  const family = fashion
    ? `MLP ${d}→w→${classes}, ${fashion.label}, n = ${trainDs.n}`
    : `MLP ${d}→w→${classes}, ${loss === 'meanSquaredError' ? 'MSE' : 'CE'}, n = ${trainDs.n}`;
  const config = { base, widths, seeds: Array.from({ length: seedCount }, (_, i) => i), nTrain: trainDs.n, family };
  return {
    command: 'double-descent',
    config,
    tasks: doubleDescentTasks(config),
    handler: DOUBLE_DESCENT_HANDLER,
    rebuild: (records) =>
      rebuildDoubleDescent(config, records as never, { scale: o.scale ?? D.scale, margin: o.margin ?? D.margin, interpolationTol: o.interpolationTol }),
    digest: (s, records) => (records ? pointsDigest(s) : 'no finished runs'),
  };
}

/**
 * The random-features demonstrator as one report folder (staged, published in one rename).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, readFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { randomFeaturesReport } from 'losslens/pipelines';
 *
 * // random-features regression on its 100 training samples: the training error vanishes from p = 100 features on
 * const out = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'rf');
 * await randomFeaturesReport({ mode: 'rf', widths: [25, 50, 100, 200], seeds: 2, out });
 * const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
 * assert.equal(summary.threshold.width, 100);
 * ```
 */
export async function randomFeaturesReport(
  o: DoubleDescentOptions,
  hooks: RunHooks = {},
): Promise<{ summary: Record<string, unknown>; digest: string; folder: string }> {
  checkDoubleDescent(o);
  if (o.preset) return (await import('./double-descent-fashion.js')).presetRandomFeaturesReport({ ...o, preset: o.preset }, hooks);
  const options = {
    nTrain: o.nTrain ?? D.nTrain,
    noise: o.noise ?? D.noise,
    inputDim: o.inputDim ?? D.inputDim,
    seeds: o.seeds ?? D.seeds,
    ...(o.widths ? { widths: o.widths } : {}),
  };
  const out = await prepareOutputDir(o.out ?? defaultOutDir('double-descent'), { force: o.force ?? false });
  const drop = hooks.onInterrupt?.(() => out.abort()) ?? (() => undefined);
  try {
    const bar = (hooks.progress ?? silent)('random features');
    const sweep = randomFeaturesSweep(options, (d, t) => bar(d, t));
    bar.done();
    const so = sweep.meta.options;
    const a = analyzeSweep(sweep.runs, { nTrain: so.nTrain, outputs: 1, interpolationTol: o.interpolationTol ?? 1e-6, margin: o.margin ?? D.margin });
    const spec = modelwiseSpec(a, { family: `random ReLU features, n = ${so.nTrain}`, noiseLabel: `target noise σ = ${so.noise}`, errorName: 'MSE' });
    const summary = {
      mode: 'random-features',
      options: so,
      threshold: a.threshold,
      peak: a.peak,
      firstDescentMin: a.firstDescentMin,
      secondDescent: a.secondDescent,
      doubleDescentObserved: a.observed,
      points: a.points,
      runList: sweep.runs,
      elapsedMs: sweep.meta.elapsedMs,
    };
    await writeReport(out, { summary, figures: [await renderFigure('double-descent', spec, o.scale ?? D.scale)] });
    await out.commit();
    drop();
    return { summary, digest: pointsDigest(summary), folder: out.finalPath };
  } catch (err) {
    await out.abort();
    drop();
    throw err;
  }
}

/** Per-width medians with the verdict (shared by both modes). */
export function pointsDigest(s: Record<string, any>): string {
  const rows = (s.points as any[]).map((p) => [
    p.width,
    p.params,
    p.seeds,
    num(p.trainError.median),
    num(p.testError.median),
    `${num(p.testError.lo)}–${num(p.testError.hi)}`,
  ]);
  const table = formatTable(['width', 'params', 'seeds', 'train err (med)', 'test err (med)', 'test err range'], rows);
  const pk = s.peak ? `peak: width ${s.peak.width} (${s.peak.params} params), test error ${num(s.peak.testError)}` : 'peak: none';
  const th = `threshold: ${s.threshold.params ?? 'not reached'} params (n·K = ${s.threshold.expectedParams})`;
  const sd =
    s.secondDescent.minAfterPeak !== null
      ? `after the peak: ${num(s.secondDescent.minAfterPeak)} (−${(100 * s.secondDescent.relativeDrop).toFixed(1)} %, margin ${100 * s.secondDescent.margin} %)`
      : '';
  return `${table}\n${th}; ${pk}; ${sd}\ndouble descent observed: ${s.doubleDescentObserved ? 'yes' : 'no'}`;
}
