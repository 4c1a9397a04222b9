/**
 * train: train a checkpoint (or its re-initialised architecture) with a chosen optimizer,
 * schedule, clipping and early stopping; the history, intermediate and final checkpoints (with
 * the optimizer state) and the test loss of the trained objective.
 */
import type { Checkpoint } from '../io/types.js';
import { resolveRunConfig, trainRun, type RunConfig, type RunResult } from '../train/index.js';
import { historySpec } from '../figures/history.js';
import { renderFigure } from '../render/figure.js';
import { createObjective } from '../objective/create-objective.js';
import { formatTable, num } from '../report/text-table.js';
import { ANALYSIS_DEFAULTS, requireData, type AnalysisOptions } from './common.js';
import type { AnalysisPipeline } from './run-analysis.js';
import { resolveSharpnessOptions, type SharpnessHistory, type SharpnessOptions } from '../train/sharpness-tracker.js';
import { sharpnessFinding } from '../train/sharpness-finding.js';
import { sharpnessSpec } from '../figures/sharpness.js';
import { sharpnessDigest } from '../report/sharpness-digest.js';
import { trainingConfigOf, type TrainingConfig } from '../model/training-config.js';
import { headsTrainingConfig, type HeadsTrainingConfig } from '../model/heads-training-config.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { ResolvedOptimizerConfig } from '../train/optimizers.js';
import { trainOutputsDigest } from './output-metrics.js';

/** The train command's options: the run config and the sharpness tracking. */
export interface TrainPipelineOptions extends AnalysisOptions {
  /** What to train and how (src/train/run-config.ts holds its defaults and checks). */
  run: RunConfig;
  /** Measure λmax (and λmax(P⁻¹H) for adaptive optimizers) at step 0 and every this many steps; absent: off. */
  trackSharpness?: number;
  /** Lanczos steps per measurement at most (default SHARPNESS_DEFAULTS.iterations). */
  sharpnessIterations?: number;
  /** Samples the Hessian is taken over when training is by minibatches (default SHARPNESS_DEFAULTS.samples). */
  sharpnessSamples?: number;
}

/** The tracking options of a run, or undefined when it does not track (checked). */
const sharpnessOptions = (o: TrainPipelineOptions): SharpnessOptions | undefined =>
  o.trackSharpness === undefined
    ? undefined
    : resolveSharpnessOptions({ every: o.trackSharpness, iterations: o.sharpnessIterations, samples: o.sharpnessSamples, seed: o.run.seed ?? 0 });

/** The `train` command as a pipeline for runAnalysis: a seeded run writing checkpoints, its history and (optionally) sharpness along the way. */
export const trainPipeline: AnalysisPipeline<TrainPipelineOptions> = {
  command: 'train',
  // training runs in process on the prepared data (trainRun) and never calls the problem's
  // objective: an objective pool would only sit idle (two wasm workers: ≈ 200–300 MB)
  problem: (o) => ({ ...o, workers: 1 }),
  check(o) {
    requireData(o);
    resolveRunConfig(o.run); // bad options fail before any loading
    sharpnessOptions(o);
  },
  async run({ problem, progress, out }, o) {
    const bar = progress('train');
    const saved: string[] = [];
    // every checkpoint written carries the loss it was trained on and the optimizer, as tfjs' model.save after compile
    const tc = savedTrainingConfig(problem.model, o.loss, resolveRunConfig(o.run).optimizer);
    const { result, checkpoint, optimizerState } = await trainRun(o.run, problem.model, problem.train!.prepared, {
      onProgress: (p) => bar(p.step, p.totalSteps, `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toPrecision(4)}`),
      onCheckpoint: async (s) => {
        if (s.final) return;
        for (const f of checkpointFiles(s.checkpoint, `checkpoints/step-${s.step}`, tc)) await out.writeFile(f.name, f.data);
        saved.push(`checkpoints/step-${s.step}/model.json`);
      },
      sharpness: sharpnessOptions(o),
    });
    bar.done();
    let test;
    if (problem.test) {
      // the test loss of the objective that was trained: with the weight penalties unless regularizers: false
      const obj = await createObjective(checkpoint, problem.test.prepared, {
        batchSize: 512,
        backend: problem.backend.name,
        lossOverride: o.loss,
        regularizers: o.regularizers ?? ANALYSIS_DEFAULTS.regularizers,
      });
      try {
        test = await obj.evaluate(obj.theta0);
      } finally {
        obj.dispose();
      }
    }
    const spec = historySpec(
      result.history,
      `Training history — ${result.config.optimizer.name}, lr ${result.config.optimizer.lr}, seed ${result.config.seed}`,
      result.config.clipNorm,
    );
    const fig = await renderFigure('history', spec, o.scale ?? ANALYSIS_DEFAULTS.scale);
    const tracked = result.history.sharpness ? await sharpnessParts(result.history.sharpness, result, o.scale ?? ANALYSIS_DEFAULTS.scale) : undefined;
    const { history, ...rest } = result;
    const files = [
      ...checkpointFiles(checkpoint, 'final', tc),
      { name: 'final/optimizer-state.json', data: JSON.stringify(optimizerState) },
      { name: 'history.json', data: JSON.stringify(history) },
    ];
    const summary = {
      ...rest,
      epochsHistory: history.epochs,
      checkpoints: saved,
      ...(test ? { test } : {}),
      ...(tracked ? { sharpness: tracked.summary } : {}),
    };
    const perOutput = trainOutputsDigest(problem.model.heads, result.final, test?.outputs);
    const digest = trainDigest(result, test) + (perOutput ? `\n\n${perOutput}` : '') + (tracked ? `\n\n${tracked.digest}` : '');
    return { summary, figures: tracked ? [fig, tracked.figure] : [fig], files, digest };
  },
};

/** The config a trained checkpoint carries: the loss and optimizer (one output), or every output's loss and weight by name (several). */
function savedTrainingConfig(m: ModelBundle, lossOverride: string | undefined, optimizer: ResolvedOptimizerConfig): TrainingConfig | HeadsTrainingConfig {
  const all = m.arch.allOutputs ?? [];
  if (all.length <= 1) return trainingConfigOf(m.loss, optimizer);
  return headsTrainingConfig(m.heads, all, m.checkpoint.trainingConfig, lossOverride, m.checkpoint.path, optimizer);
}

/** The sharpness figure, the summary part (finding, what was measured on; per-step values stay in history.json) and the digest. */
async function sharpnessParts(h: SharpnessHistory, r: RunResult, scale: number) {
  const finding = sharpnessFinding(h);
  const { step: _s, lr: _l, lambdaMax: _m, residual: _r, converged: _c, matvecs: _v, twoOverLr: _t, threshold: _th, preconditioned: _p, ...about } = h;
  return {
    figure: await renderFigure('sharpness', sharpnessSpec(h, `Sharpness along training — ${r.config.optimizer.name}, lr ${r.config.optimizer.lr}`), scale),
    summary: { ...about, finding, measurements: h.step.length, hvps: h.matvecs.reduce((a, b) => a + b, 0), values: 'history.json → sharpness' },
    digest: sharpnessDigest(h, finding),
  };
}

/**
 * A checkpoint as tfjs LayersModel files (model.json + one weights.bin shard) under `dir`, with
 * `trainingConfig` (else the input checkpoint's, if any).
 * Optimizer-state weights of the input checkpoint are dropped (they are stale after training).
 */
export function checkpointFiles(
  ckpt: Checkpoint,
  dir: string,
  trainingConfig?: TrainingConfig | HeadsTrainingConfig,
): { name: string; data: string | Uint8Array }[] {
  const tc = trainingConfig ?? ckpt.trainingConfig;
  const weights = ckpt.weights.filter((w) => w.spec.group !== 'optimizer');
  const total = weights.reduce((s, w) => s + w.values.length, 0);
  const bin = new Float32Array(total);
  let off = 0;
  for (const w of weights) {
    bin.set(w.values, off);
    off += w.values.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'losslens train',
    convertedBy: null,
    modelTopology: ckpt.modelTopology,
    ...(tc ? { trainingConfig: tc } : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.spec.name, shape: w.spec.shape, dtype: 'float32' })) }],
  };
  return [
    { name: `${dir}/model.json`, data: JSON.stringify(modelJson) },
    { name: `${dir}/weights.bin`, data: new Uint8Array(bin.buffer) },
  ];
}

function trainDigest(r: RunResult, test?: { loss: number; accuracy?: number }): string {
  const ep = r.history.epochs;
  const pick = ep.length <= 12 ? ep : [...ep.slice(0, 4), ...ep.slice(-8)];
  const rows = pick.map((e) => [String(e.epoch), e.step, num(e.lr), num(e.trainLoss), num(e.trainAccuracy), num(e.valLoss), num(e.valAccuracy)]);
  if (pick.length < ep.length) rows.splice(4, 0, ['…', '', '', '', '', '', '']);
  const head = formatTable(['epoch', 'step', 'lr', 'train loss', 'train acc', 'val loss', 'val acc'], rows);
  const tail = `status: ${r.status}; returned epoch ${r.returnedEpoch}${r.bestEpoch !== null ? ` (best ${r.bestEpoch})` : ''}; ${r.steps} steps, ${r.paramCount} parameters, θ hash ${r.thetaHash}`;
  return `${head}\n${tail}${test ? `\ntest: loss ${num(test.loss)}${test.accuracy !== undefined ? `, accuracy ${num(test.accuracy)}` : ''}` : ''}`;
}
