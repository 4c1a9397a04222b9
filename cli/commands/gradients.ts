/**
 * `losslens gradients --model M --data D`: per-layer gradient attenuation (vanishing /
 * exploding), forward health (saturation, dead ReLUs), optionally against a fresh
 * initialisation (--compare-init) and along a trajectory of checkpoints (--trajectory).
 */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { runAnalysis } from '../run-analysis.js';
import { gradientThresholdOptions, gradientThresholds } from '../threshold-options.js';
import { formatTable, num } from '../table.js';
import type { Progress } from '../progress.js';
import type { ModelBundle } from '../../src/objective/model-bundle.js';
import type { PreparedData } from '../../src/objective/prepare-data.js';
import type { GradientOptions } from '../../src/gradients/options.js';
import type { GradientAnalysis } from '../../src/gradients/analyze-gradients.js';
import type { Finding } from '../../src/gradients/findings.js';

export const command = 'gradients';
export const describe = 'vanishing/exploding gradients, saturation and dead ReLUs, layer by layer';

export const builder = (y: Argv) =>
  gradientThresholdOptions(outputOptions(computeOptions(dataOptions(modelOption(y)))))
    .option('batch-size', { type: 'number', default: 64, describe: 'samples per minibatch (the gradient statistics are per minibatch)' })
    .option('batches', { type: 'number', default: 8, describe: 'minibatches to average over (mean and spread)' })
    .option('compare-init', { type: 'string', describe: 'also profile the architecture re-initialised: glorotUniform|glorotNormal|heNormal|heUniform|lecunNormal|lecunUniform|zeros (aliases glorot, he, lecun)' })
    .option('init-seed', { type: 'number', describe: 'seed of --compare-init (default --seed)' })
    .option('trajectory', { type: 'string', describe: 'folder of checkpoints (e.g. from `losslens train`): per-layer gradient norms at each' })
    .option('basis', { type: 'string', choices: ['weights', 'activations'], default: 'weights', describe: 'norm behind the overall first/last attenuation: ‖∂L/∂W_k‖ or ‖∂L/∂a_k‖ (hidden layers)' });

type GradientsArgs = CommonArgs & {
  batches: number; compareInit?: string; initSeed?: number; trajectory?: string; basis: 'weights' | 'activations';
  vanishingBelow: number; explodingAbove: number; spikeFactor: number; saturation: number; saturatedFraction: number; deadFraction: number;
};

export async function handler(args: GradientsArgs): Promise<void> {
  const { requireData } = await import('../require-data.js');
  const { analyzeGradients } = await import('../../src/gradients/analyze-gradients.js');
  const { resolveGradientOptions } = await import('../../src/gradients/options.js');
  const { canonicalInitializer } = await import('../../src/gradients/reinitialize.js');
  const { modelCard } = await import('../../src/model/model-card.js');
  requireData(args);
  const opts = resolveGradientOptions({
    batches: args.batches, batchSize: args.batchSize, seed: args.seed, basis: args.basis, ...gradientThresholds(args),
  });
  if (args.compareInit) canonicalInitializer(args.compareInit); // refuse a bad name before any work
  await runAnalysis('gradients', args, async ({ problem, progress }) => {
    const { attenuationSpec, activationsSpec } = await import('../../src/gradients/figures.js');
    const { renderSpec } = await import('../../src/render/index.js');
    const data = problem.train!.prepared;
    const bar = progress(`gradients: ${opts.batches} minibatches of ${Math.min(opts.batchSize, data.n)}${args.compareInit ? ' (trained + init)' : ''}`);
    const result = await analyzeGradients(problem.model, data, { ...opts, compareInit: args.compareInit, initSeed: args.initSeed, onProgress: bar });
    bar.done();
    const specs: [string, object][] = [['attenuation', attenuationSpec(result)], ['activations', activationsSpec(result)]];
    let trajectory: Awaited<ReturnType<typeof runTrajectory>> | undefined;
    if (args.trajectory) {
      trajectory = await runTrajectory(args.trajectory, problem.model, data, opts, progress);
      specs.push(['trajectory', trajectory.spec]);
    }
    const figures: { name: string; spec: object; png: Uint8Array }[] = [];
    for (const [name, spec] of specs) figures.push({ name, spec, png: (await renderSpec(spec, { scale: args.scale })).png });
    const findings = [...result.findings, ...(trajectory?.result.findings ?? [])];
    const summary = { model: modelCard(problem.model, { regularizers: problem.regularizers }), gradients: result, ...(trajectory ? { trajectory: trajectory.result } : {}), findings };
    return { summary, figures, table: gradientsTable(result, findings) };
  });
}

async function runTrajectory(dir: string, bundle: ModelBundle, data: PreparedData, opts: GradientOptions, progress: (title: string) => Progress) {
  const { listCheckpoints } = await import('../../src/io/trajectory.js');
  const { readCheckpoint } = await import('../../src/io/checkpoint-read.js');
  const { gradientTrajectory } = await import('../../src/gradients/trajectory.js');
  const { trajectorySpec } = await import('../../src/gradients/figures.js');
  const path = await import('node:path');
  const files = await listCheckpoints(dir);
  const checkpoints = [];
  for (const f of files) checkpoints.push(await readCheckpoint(f));
  const bar = progress(`trajectory: ${files.length} checkpoints`);
  const result = await gradientTrajectory(bundle, checkpoints, data, { ...opts, onProgress: bar });
  bar.done();
  const labels = files.map((f) => path.basename(path.dirname(f)));
  return { result: { ...result, labels }, spec: trajectorySpec(result, labels) };
}

function gradientsTable(r: GradientAnalysis, findings: Finding[]): string {
  const pm = (s: { mean: number; std: number } | null) => (s ? `${num(s.mean, 3)} ± ${num(s.std, 2)}` : '');
  const att = r.attenuation[r.attenuation.basis];
  const rows = r.layers.map((l, i) => {
    const h = r.health[i];
    const rel = att.layers.indexOf(l.name);
    return [l.name, l.activation, pm(l.kernelGrad), pm(l.biasGrad), num(l.kernelNorm), pm(l.gradToWeight), pm(l.activationGrad),
      rel >= 0 ? num(att.relativeToLast[rel], 3) : '', h.saturatedFraction === null ? '' : `${(h.saturatedFraction * 100).toFixed(1)}%`,
      h.deadFraction === null ? '' : `${h.deadUnits}/${h.units}`];
  });
  const head = ['layer', 'act', '‖∂L/∂W‖', '‖∂L/∂b‖', '‖W‖', '‖∂L/∂W‖/‖W‖', '‖∂L/∂a‖', `rel. last (${r.attenuation.basis})`, 'saturated', 'dead'];
  const lines = [formatTable(head, rows), '',
    `overall first/last: weights ${num(r.attenuation.weights.overall)}, activations ${num(r.attenuation.activations.overall)}` +
      (r.init ? `; init (${r.init.initializer}): weights ${num(r.init.attenuation.weights.overall)}, activations ${num(r.init.attenuation.activations.overall)}` : ''),
    `loss ${num(r.loss.mean)} ± ${num(r.loss.std)} over ${r.batches.count} minibatches of ${r.batches.size}`, '', 'findings:',
    ...findings.map((f) => `  [${f.severity}] ${f.code}${f.layers.length ? ` (${f.layers.join(', ')})` : ''}: ${f.message}\n      remedy: ${f.remedy}`),
    ...(r.init ? ['init findings:', ...r.init.findings.map((f) => `  [${f.severity}] ${f.code}: ${f.message}`)] : []),
  ];
  return lines.join('\n');
}
