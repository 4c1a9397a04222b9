/** `losslens hessian`: Lanczos spectrum, trace, SLQ density, condition numbers, saddle index (src/pipelines/hessian.ts). */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { queueOptions, type QueueArgs } from '../study-options.js';
import { curvatureOptions, CURVATURE_KEYS } from '../curvature-options.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { HESSIAN_DEFAULTS as D, type HessianOptions } from '../../src/curvature/hessian-options.js';

export const command = 'hessian';
export const describe = 'Hessian spectrum: extreme eigenvalues, trace, spectral density, condition numbers, saddle index';

export const builder = (y: Argv) =>
  curvatureOptions(
    queueOptions(outputOptions(computeOptions(dataOptions(modelOption(y)))))
      .option('top', { type: 'number', default: D.top, describe: 'largest eigenvalues to find' })
      .option('bottom', { type: 'number', default: D.bottom, describe: 'smallest (most negative) eigenvalues to find' }),
    D,
  )
    .option('residual-floor', {
      type: 'number',
      default: D.floor,
      describe: 'absolute residual floor relative to the spectral radius (float32 HVP noise, 8·2⁻²³)',
    })
    .option('trace-method', {
      type: 'string',
      choices: ['hutchinson', 'hutch++', 'xtrace'],
      default: D.traceMethod,
      describe: 'trace estimator (its Rademacher products also give ‖H‖_F)',
    })
    .option('density', { type: 'boolean', default: D.density, describe: "SLQ spectral density (--no-density skips it: ~90% of the default run's HVPs)" })
    .option('diagonal', {
      type: 'string',
      choices: ['none', 'hutchinson', 'xdiag'],
      default: D.diagonal,
      describe: 'per-parameter diagonal of H (files hessian-diagonal{,-stderr}.f32, per-layer summary)',
    })
    .option('diagonal-probes', {
      type: 'number',
      default: D.diagonalProbes,
      describe: 'HVPs for the diagonal (Hutchinson with --trace-method hutchinson reuses the trace probes)',
    })
    .option('curvature', {
      type: 'string',
      choices: ['hessian', 'ggn', 'empirical-fisher'],
      default: D.curvature,
      describe: 'curvature matrix for every analysis: the Hessian, the Gauss–Newton matrix JᵀH_zJ (PSD) or the empirical Fisher',
    })
    .option('determinism-check', {
      type: 'boolean',
      default: D.determinismCheck,
      describe: 'refuse a model whose loss/gradient differ between two passes (rtol 5e-5)',
    })
    .option('sigma', { type: 'number', describe: 'Gaussian broadening of the density (default √1e-5·(λmax−λmin))' })
    .option('rel-tol', { type: 'number', default: D.relTol, describe: 'κ₊ floor: eigenvalues ≤ rel-tol·λmax count as zero' })
    .option('lr', { type: 'number', describe: 'learning rate to hold against the stability threshold 2/λmax' })
    .option('repeats', { type: 'number', describe: 'estimate λmax, trace, saddle index on R disjoint subsets of --samples each' })
    .option('per-layer', { type: 'boolean', default: D.perLayer, describe: "λmax and trace of each layer's diagonal Hessian block" })
    .option('saddle-method', {
      type: 'string',
      choices: ['auto', 'dense', 'iterative', 'lanczos'],
      default: D.saddleMethod,
      describe:
        "saddle counts #{λ < −τ·λmax}: dense (full float64 spectrum from d HVPs), iterative (locked bottom pairs), auto (dense up to --saddle-dense-max parameters, else lanczos), lanczos (the eigenvalue stage's estimate)",
    })
    .option('saddle-dense-max', { type: 'number', default: D.saddleDenseMax, describe: 'auto: dense up to this many parameters (d² doubles of memory)' })
    .option('saddle-engine', {
      type: 'string',
      choices: ['lanczos', 'chebyshev'],
      default: D.saddleEngine,
      describe: 'iterative: thick-restart Lanczos locking sized by an SLQ estimate, or Chebyshev-filtered subspace iteration',
    })
    .option('saddle-block', { type: 'number', default: D.saddleBlock, describe: 'iterative, chebyshev engine: vectors filtered together' })
    .option('saddle-degree', { type: 'number', default: D.saddleDegree, describe: 'iterative, chebyshev engine: filter degree per cycle' })
    .option('saddle-max-locked', {
      type: 'number',
      default: D.saddleMaxLocked,
      describe: 'iterative: most bottom pairs locked (memory: (this + 3·block)·params doubles)',
    })
    .option('saddle-max-matvecs', { type: 'number', default: D.saddleMaxMatvecs, describe: 'iterative: HVP budget of the locking' })
    .option('save-eigenvectors', {
      type: 'boolean',
      default: D.vectors,
      describe: 'write eigenvectors (float32, θ layout) for `losslens slice --hessian-dirs`',
    });

type HessianArgs = CommonArgs &
  Partial<QueueArgs> &
  Omit<HessianOptions, 'floor' | 'vectors' | 'seed' | 'taus' | 'perLayerIter' | 'perLayerProbes'> & {
    residualFloor: number;
    saveEigenvectors: boolean;
    repeats?: number;
  };

const HESSIAN_KEYS = [
  'top',
  'bottom',
  ...CURVATURE_KEYS,
  'traceMethod',
  'sigma',
  'density',
  'diagonal',
  'diagonalProbes',
  'determinismCheck',
  'curvature',
  'relTol',
  'lr',
  'repeats',
  'perLayer',
  'saddleMethod',
  'saddleDenseMax',
  'saddleEngine',
  'saddleBlock',
  'saddleDegree',
  'saddleMaxLocked',
  'saddleMaxMatvecs',
] as const;

export async function handler(args: HessianArgs): Promise<void> {
  const { hessianPipeline } = await import('../../src/pipelines/hessian.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  const queue = fields(args, ['redis', 'redisUrlFile', 'redisCaFile', 'secretFile', 'insecureNoSecret', 'queue', 'attempts', 'sharedFs']);
  const onQueue = args.redis !== undefined || args.redisUrlFile !== undefined;
  const opts = {
    ...fields(args, ANALYSIS_KEYS),
    ...fields(args, HESSIAN_KEYS),
    ...(onQueue ? queue : {}),
    model: args.model,
    floor: args.residualFloor,
    vectors: args.saveEigenvectors,
  };
  await runAnalysisCommand(hessianPipeline, opts, args);
}
