/**
 * lossLensCallback: a tfjs-layers callback that measures curvature and gradient health on a probe
 * batch every `every` batches of the user's own model.fit / fitDataset, without disturbing it:
 * it reads the weights through model.save (no write to the model or its optimizer), runs the
 * losslens engine only around its own measurements (engine-scope.ts), draws no tf.random or
 * Math.random, and leaves no tensor behind.
 */
import tf from '../tf.cjs';
import { loadModel, type ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { resolveFitOptions, type FitCallbackOptions, type FitProbe, type ResolvedFitOptions } from './options.js';
import { FIT_SCHEMA, type FitRecord, type FitRunInfo, type FitSummary } from './record.js';
import { modelFacts, optimizerInfo, snapshotCheckpoint, type FitOptimizerInfo } from './model-snapshot.js';
import { probeData } from './probe-data.js';
import { withMeasurementEngine } from './engine-scope.js';
import { measure, type WarmStart } from './measure.js';
import { withinBudget } from './budget.js';
import { fitFigureSpecs } from './figures.js';

interface RunState {
  start: number;
  startedAt: string;
  step: number;
  epoch: number;
  measureMs: number;
  lastCostMs: number;
  skipped: number;
  bundle: ModelBundle;
  data: PreparedData;
  optimizer: FitOptimizerInfo;
  warm: WarmStart;
}

/**
 * The callback object: pass it in `callbacks` of model.fit or model.fitDataset; its `records` hold the measurements taken.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs';
 * import { LossLensCallback } from 'losslens/fit';
 *
 * const x = tf.tensor2d([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
 * const cb = new LossLensCallback({ every: 10, probe: { x, y: tf.tensor2d([0, 1, 1, 0], [4, 1]) } });
 * assert.deepEqual([cb.options.every, cb.records.length, cb.summary], [10, 0, null]); // nothing measured before a fit
 * ```
 */
export class LossLensCallback extends tf.Callback {
  readonly options: ResolvedFitOptions;
  /** The measurements of the latest fit, in order. */
  records: FitRecord[] = [];
  /** The summary of the latest finished fit. */
  summary: FitSummary | null = null;
  private readonly probe: FitProbe;
  private readonly onMeasurement?: (r: FitRecord) => void;
  private run: RunState | null = null;

  constructor(opts: FitCallbackOptions) {
    super();
    this.options = resolveFitOptions(opts);
    this.probe = opts.probe;
    this.onMeasurement = opts.onMeasurement;
  }

  override async onTrainBegin(): Promise<void> {
    const ckpt = await snapshotCheckpoint(this.model);
    const bundle = await withMeasurementEngine(async () => loadModel(ckpt));
    const data = probeData(this.probe, bundle);
    const optimizer = optimizerInfo(this.model);
    const now = new Date();
    this.records = [];
    this.summary = null;
    this.run = {
      start: performance.now(),
      startedAt: now.toISOString(),
      step: 0,
      epoch: 0,
      measureMs: 0,
      lastCostMs: 0,
      skipped: 0,
      bundle,
      data,
      optimizer,
      warm: { vector: null },
    };
    if (this.options.out) {
      const folder = await import('./run-folder.js');
      await folder.writeRunInfo(this.options.out, this.runInfo(false));
      await folder.resetMeasurements(this.options.out);
    }
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (this.run) this.run.epoch = epoch;
  }

  override async onBatchEnd(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.step++;
    if (run.step % this.options.every !== 0) return;
    const elapsed = performance.now() - run.start;
    if (!withinBudget(this.records.length, run.measureMs, run.lastCostMs, elapsed, this.options.budget)) {
      run.skipped++;
      return;
    }
    await this.measureNow(run);
  }

  override async onTrainEnd(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const trainMs = performance.now() - run.start;
    const last = this.records.at(-1);
    const lambdaMaxLast = last?.lambdaMax?.value ?? null;
    const twoOverEta = run.optimizer.learningRate === null ? null : 2 / run.optimizer.learningRate;
    const folder = this.options.out ? await import('./run-folder.js') : null;
    const figures = folder && this.options.figures ? await folder.writeFigures(this.options.out!, this.records, run.optimizer) : [];
    this.summary = {
      schema: FIT_SCHEMA,
      measurements: this.records.length,
      steps: run.step,
      trainMs,
      measureMs: run.measureMs,
      overheadPercent: (100 * run.measureMs) / trainMs,
      skipped: run.skipped,
      lambdaMaxLast,
      twoOverEta,
      sharpnessRatio: lambdaMaxLast !== null && twoOverEta !== null ? lambdaMaxLast / twoOverEta : null,
      figures,
    };
    if (folder) {
      await folder.writeSummary(this.options.out!, this.summary);
      await folder.writeRunInfo(this.options.out!, this.runInfo(true));
    }
  }

  private async measureNow(run: RunState): Promise<void> {
    const t0 = performance.now();
    const ckpt = await snapshotCheckpoint(this.model);
    const m = await withMeasurementEngine(() => measure(run.bundle, ckpt, run.data, this.options, run.step, run.warm));
    if (this.options.out && this.options.checkpoints) await (await import('./run-folder.js')).saveStepCheckpoint(this.options.out, run.step, ckpt);
    const costMs = performance.now() - t0;
    run.measureMs += costMs;
    run.lastCostMs = costMs;
    const twoOverEta = run.optimizer.learningRate === null ? null : 2 / run.optimizer.learningRate;
    const record: FitRecord = { step: run.step, epoch: run.epoch, timeMs: t0 - run.start, ...m, twoOverEta, costMs };
    this.records.push(record);
    if (this.options.out) await (await import('./run-folder.js')).appendRecord(this.options.out, record);
    this.onMeasurement?.(record);
  }

  /**
   * The figures of the latest fit as Vega specs (`sharpness`, `trace`, `grad-norms`, `noise`): what the run folder's
   * `<name>.vg.json` hold, for a page to draw (vega-embed) where there is no run folder. Empty before a measurement.
   */
  figureSpecs(): { name: string; spec: object }[] {
    return this.run && this.records.length > 0 ? fitFigureSpecs(this.records, this.run.optimizer) : [];
  }

  private runInfo(finished: boolean): FitRunInfo {
    const run = this.run!;
    const { thresholdKind, thresholdFormula, threshold, ...optimizer } = run.optimizer;
    return {
      schema: FIT_SCHEMA,
      startedAt: run.startedAt,
      finished,
      model: modelFacts(this.model),
      optimizer: { ...optimizer, threshold: { kind: thresholdKind, formula: thresholdFormula, value: threshold } },
      options: { ...this.options },
      backend: tf.getBackend(),
    };
  }
}

/**
 * A tfjs callback that measures λmax (against 2/η), tr(H), per-layer gradient norms with the attenuation finding
 * and the gradient noise on a probe batch every `every` batches of `model.fit` / `model.fitDataset`, within a
 * budget share of the training time, writing `measurements.jsonl` as it goes and the figures at the end.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs';
 * import { lossLensCallback } from 'losslens/fit';
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
 * const x = tf.tensor2d([0, 0, 0, 1, 1, 0, 1, 1, 0.5, 0.5, 0.2, 0.8, 0.9, 0.1, 0.3, 0.3], [8, 2]);
 * const y = tf.tensor2d([0, 1, 1, 0, 0.5, 0.6, 0.4, 0.2], [8, 1]);
 * const cb = lossLensCallback({ every: 2, budget: 100, probe: { x, y }, noiseGroups: 0 });
 * await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, callbacks: [cb] });
 * assert.equal(cb.records.length, 2); // after batches 2 and 4
 * assert.ok(cb.records[0].lambdaMax!.value > 0);
 * assert.equal(cb.records[0].twoOverEta, 20); // 2/η for SGD(0.1)
 * ```
 */
export function lossLensCallback(options: FitCallbackOptions): LossLensCallback {
  return new LossLensCallback(options);
}
