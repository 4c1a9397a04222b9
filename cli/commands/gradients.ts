/**
 * `losslens gradients --model M --data D`: per-layer gradient attenuation (vanishing /
 * exploding), forward health (saturation, dead ReLUs), optionally against a fresh
 * initialisation (--compare-init) and along a trajectory of checkpoints (--trajectory).
 */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { GRADIENT_DEFAULTS as D, type GradientThresholds } from '../../src/gradients/options.js';
import { gradientThresholdOptions } from '../threshold-options.js';
import { NOISE_DEFAULTS as ND } from '../../src/gradients/gradient-noise.js';
import { SYMMETRY_TOL } from '../../src/gradients/unit-symmetry.js';

export const command = 'gradients';
export const describe = 'vanishing/exploding gradients, saturation and dead ReLUs, layer by layer';

export const builder = (y: Argv) =>
  gradientThresholdOptions(outputOptions(computeOptions(dataOptions(modelOption(y)))))
    .option('batch-size', { type: 'number', describe: `samples per minibatch (default ${D.batchSize}, fewer where the model's memory needs it)` })
    .option('batches', { type: 'number', default: D.batches, describe: 'minibatches to average over (mean and spread)' })
    .option('compare-init', {
      type: 'string',
      describe:
        'also profile the architecture re-initialised: glorotUniform|glorotNormal|heNormal|heUniform|lecunNormal|lecunUniform|zeros|constant (aliases glorot, he, lecun); zeros/constant add a Glorot-uniform symmetry check beside them',
    })
    .option('noise', {
      type: 'boolean',
      default: false,
      describe: 'estimate the minibatch gradient noise per layer: tr Σ, ‖G‖², SNR and B_simple = tr Σ/‖G‖² (McCandlish et al. 2018) at --batch-size',
    })
    .option('noise-groups', { type: 'number', describe: `with --noise: independent groups, the estimates behind each standard error (default ${ND.groups})` })
    .option('noise-group-size', {
      type: 'number',
      describe: `with --noise: minibatches per group, the large batch is this × --batch-size (default ${ND.groupSize})`,
    })
    .option('symmetry-tol', {
      type: 'number',
      default: SYMMETRY_TOL,
      describe: "units count as identical when weights and gradients agree within this fraction of the layer's largest value",
    })
    .option('init-seed', { type: 'number', describe: 'seed of --compare-init (default --seed)' })
    .option('trajectory', { type: 'string', describe: 'folder of checkpoints (e.g. from `losslens train`): per-layer gradient norms at each' })
    .option('basis', {
      type: 'string',
      choices: ['weights', 'activations'],
      default: D.basis,
      describe: 'norm behind the overall first/last attenuation: ‖∂L/∂W_k‖ or ‖∂L/∂a_k‖ (hidden layers)',
    });

type GradientsArgs = CommonArgs &
  GradientThresholds & {
    batches: number;
    compareInit?: string;
    initSeed?: number;
    trajectory?: string;
    basis: 'weights' | 'activations';
    noise: boolean;
    noiseGroups?: number;
    noiseGroupSize?: number;
    symmetryTol: number;
  };

const GRADIENTS_KEYS = [
  'batches',
  'compareInit',
  'initSeed',
  'trajectory',
  'basis',
  'noise',
  'noiseGroups',
  'noiseGroupSize',
  'symmetryTol',
  'vanishingBelow',
  'explodingAbove',
  'spikeFactor',
  'saturation',
  'saturatedFraction',
  'deadFraction',
] as const;

export async function handler(args: GradientsArgs): Promise<void> {
  const { gradientsPipeline } = await import('../../src/pipelines/gradients.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  await runAnalysisCommand(gradientsPipeline, { ...fields(args, ANALYSIS_KEYS), ...fields(args, GRADIENTS_KEYS), model: args.model }, args);
}
