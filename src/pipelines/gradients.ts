/**
 * gradients: per-layer gradient attenuation (vanishing / exploding), forward health (saturation,
 * dead ReLUs), gradients through time for recurrent layers, optionally against a fresh
 * initialisation (compareInit) and along a trajectory. A model with several inputs or outputs is
 * profiled on its objective, Σ w_k · loss_k (heads-loss.ts), over the whole graph; its summary adds
 * each output's loss and accuracy (output-metrics.ts).
 */
import path from 'node:path';
import { analyzeGradients, type GradientAnalysis } from '../gradients/analyze-gradients.js';
import { resolveGradientOptions, type GradientOptions } from '../gradients/options.js';
import { canonicalInitializer } from '../gradients/reinitialize.js';
import { gradientTrajectory } from '../gradients/trajectory.js';
import type { Finding } from '../gradients/findings.js';
import { attenuationSpec, activationsSpec, trajectorySpec } from '../figures/gradients.js';
import { throughTimeSpec } from '../figures/gradients-through-time.js';
import { throughTimeDigest } from '../report/through-time-digest.js';
import { renderFigure, type Figure } from '../render/figure.js';
import { listCheckpoints } from '../io/trajectory.js';
import { readCheckpoint } from '../io/checkpoint-read.js';
import { modelCard } from '../model/model-card.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { formatTable, num } from '../report/text-table.js';
import { ANALYSIS_DEFAULTS, requireData, type AnalysisOptions } from './common.js';
import type { Progress } from './context.js';
import type { AnalysisPipeline } from './run-analysis.js';
import { resolveNoiseOptions } from '../gradients/gradient-noise.js';
import { trainingBatchSize } from '../gradients/training-batch-size.js';
import { noiseSymmetryDigest } from '../report/noise-symmetry-digest.js';
import { optionError } from '../errors.js';
import { checkGradientBatchSize, gradientBatchSize } from '../gradients/gradient-memory.js';
import { explainMemoryError } from '../objective/backend-memory.js';
import { activeBackend } from '../engine/index.js';
import { outputMetrics, outputsDigest } from './output-metrics.js';

/** The gradients command's options: the minibatches, thresholds and the comparison initializer. */
export interface GradientsPipelineOptions extends AnalysisOptions, Partial<Omit<GradientOptions, 'seed' | 'batchSize'>> {
  /** Also profile the architecture re-initialised with this initializer (glorotUniform, heNormal, zeros, …). */
  compareInit?: string;
  /** Seed of compareInit (default: seed). */
  initSeed?: number;
  /** A folder of checkpoints: per-layer gradient norms at each. */
  trajectory?: string;
  /** Estimate the minibatch gradient noise at batchSize (gradient-noise.ts). */
  noise?: boolean;
  /** Independent groups of the noise estimate (default NOISE_DEFAULTS.groups). */
  noiseGroups?: number;
  /** Minibatches per group (default NOISE_DEFAULTS.groupSize). */
  noiseGroupSize?: number;
  /** Relative tolerance of the unit-symmetry check (default SYMMETRY_TOL). */
  symmetryTol?: number;
}

const noiseOptions = (o: GradientsPipelineOptions) => (o.noise ? { groups: o.noiseGroups, groupSize: o.noiseGroupSize } : undefined);

const gradientOptions = (o: GradientsPipelineOptions): GradientOptions => resolveGradientOptions({ ...o, seed: o.seed ?? ANALYSIS_DEFAULTS.seed });

/** The gradients command: the gradient profile, noise scale and findings of a checkpoint, for {@link runAnalysis}. */
export const gradientsPipeline: AnalysisPipeline<GradientsPipelineOptions> = {
  command: 'gradients',
  dataOnlyNote: 'the gradient profile uses the data term only',
  check(o) {
    requireData(o);
    gradientOptions(o);
    if (o.compareInit) canonicalInitializer(o.compareInit); // refuse a bad name before any work
    if (o.noise) resolveNoiseOptions({ ...noiseOptions(o), batchSize: gradientOptions(o).batchSize }, Infinity); // the data's size is checked once loaded
    if (o.symmetryTol !== undefined && !(o.symmetryTol >= 0 && o.symmetryTol < 1)) throw optionError('symmetryTol', `must lie in [0, 1), got ${o.symmetryTol}`);
  },
  async run({ problem, progress }, o) {
    const model = problem.model;
    if (o.batchSize !== undefined) checkGradientBatchSize(model, o.batchSize, activeBackend()?.name);
    const opts = { ...gradientOptions(o), batchSize: o.batchSize ?? gradientBatchSize(model) };
    const data = problem.train!.prepared;
    const bar = progress(`gradients: ${opts.batches} minibatches of ${Math.min(opts.batchSize, data.n)}${o.compareInit ? ' (trained + init)' : ''}`);
    const result = await analyzeGradients(model, data, {
      ...opts,
      compareInit: o.compareInit,
      initSeed: o.initSeed,
      onProgress: bar,
      noise: noiseOptions(o),
      symmetryTol: o.symmetryTol,
    }).catch((err: unknown) => {
      throw explainMemoryError(err, { what: 'the gradients pass', batchSize: Math.min(opts.batchSize, data.n), params: model.layout.dim });
    });
    bar.done();
    const scale = o.scale ?? ANALYSIS_DEFAULTS.scale;
    const figures: Figure[] = [
      await renderFigure('attenuation', attenuationSpec(result), scale),
      await renderFigure('activations', activationsSpec(result), scale),
    ];
    const trajectory = o.trajectory ? await runTrajectory(o.trajectory, problem.model, data, opts, progress) : undefined;
    if (trajectory) figures.push(await renderFigure('trajectory', trajectory.spec, scale));
    if (result.throughTime) figures.push(await renderFigure('through-time', throughTimeSpec(result.throughTime), scale));
    const findings = [...result.findings, ...(result.throughTime?.findings ?? []), ...(trajectory?.result.findings ?? []), ...result.symmetry.findings];
    const trainingBatch = trainingBatchSize(problem.model.checkpoint.trainingConfig);
    const outputs = await outputMetrics(problem);
    const summary = {
      model: modelCard(problem.model, { regularizers: problem.regularizers }),
      ...(outputs ? { outputs } : {}),
      gradients: result,
      ...(trajectory ? { trajectory: trajectory.result } : {}),
      findings,
      ...(result.noise ? { trainingBatchSize: trainingBatch ?? 'unknown' } : {}),
    };
    const perOutput = outputs ? `\n\n${outputsDigest(outputs)}` : '';
    return { summary, figures, digest: gradientsDigest(result, findings) + perOutput + noiseSymmetryDigest(result, trainingBatch) };
  },
};

async function runTrajectory(dir: string, bundle: ModelBundle, data: PreparedData, opts: GradientOptions, progress: (title: string) => Progress) {
  const files = await listCheckpoints(dir);
  const checkpoints = [];
  for (const f of files) checkpoints.push(await readCheckpoint(f));
  const bar = progress(`trajectory: ${files.length} checkpoints`);
  const result = await gradientTrajectory(bundle, checkpoints, data, { ...opts, onProgress: bar });
  bar.done();
  const labels = files.map((f) => path.basename(path.dirname(f)));
  return { result: { ...result, labels }, spec: trajectorySpec(result, labels) };
}

/** What the digest prints of a finding (profile, trajectory and unit-symmetry findings alike). */
type TextFinding = Pick<Finding, 'severity' | 'layers' | 'message' | 'remedy'> & { code: string };

function gradientsDigest(r: GradientAnalysis, findings: TextFinding[]): string {
  const pm = (s: { mean: number; std: number } | null) => (s ? `${num(s.mean, 3)} ± ${num(s.std, 2)}` : '');
  const att = r.attenuation[r.attenuation.basis];
  const rows = r.layers.map((l, i) => {
    const h = r.health[i];
    const rel = att.layers.indexOf(l.name);
    return [
      l.name,
      l.activation,
      pm(l.kernelGrad),
      pm(l.biasGrad),
      num(l.kernelNorm),
      pm(l.gradToWeight),
      pm(l.activationGrad),
      rel >= 0 ? num(att.relativeToLast[rel], 3) : '',
      h.saturatedFraction === null ? '' : `${(h.saturatedFraction * 100).toFixed(1)}%`,
      h.deadFraction === null ? '' : `${h.deadUnits}/${h.units}`,
    ];
  });
  const head = ['layer', 'act', '‖∂L/∂W‖', '‖∂L/∂b‖', '‖W‖', '‖∂L/∂W‖/‖W‖', '‖∂L/∂a‖', `rel. last (${r.attenuation.basis})`, 'saturated', 'dead'];
  const lines = [
    formatTable(head, rows),
    '',
    `overall first/last: weights ${num(r.attenuation.weights.overall)}, activations ${num(r.attenuation.activations.overall)}` +
      (r.init
        ? `; init (${r.init.initializer}): weights ${num(r.init.attenuation.weights.overall)}, activations ${num(r.init.attenuation.activations.overall)}`
        : ''),
    `loss ${num(r.loss.mean)} ± ${num(r.loss.std)} over ${r.batches.count} minibatches of ${r.batches.size}`,
    ...(r.throughTime ? [throughTimeDigest(r.throughTime)] : []),
    '',
    'findings:',
    ...findings.map((f) => `  [${f.severity}] ${f.code}${f.layers.length ? ` (${f.layers.join(', ')})` : ''}: ${f.message}\n      remedy: ${f.remedy}`),
    ...(r.init ? ['init findings:', ...r.init.findings.map((f) => `  [${f.severity}] ${f.code}: ${f.message}`)] : []),
  ];
  return lines.join('\n');
}
