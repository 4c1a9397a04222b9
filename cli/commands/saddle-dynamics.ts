/**
 * `losslens saddle-dynamics --model M --data D [--start small-init] [--methods gd,momentum,newton,sfn]`:
 * from one start, each method's loss, ‖g‖ and saddle index along its path; one resumable study
 * run per method (see src/pipelines/saddle-dynamics.ts).
 */
import type { Argv } from 'yargs';
import { modelOption, dataOptions } from '../options.js';
import { queueOptions, numberList, type StudyRunArgs } from '../study-options.js';
import { BACKEND_NAMES } from '../../src/engine/index.js';
import { SADDLE_DYNAMICS_DEFAULTS as D } from '../../src/saddles/dynamics-defaults.js';

export const command = 'saddle-dynamics';
export const describe = 'from one start, GD, SGD with momentum, Newton and saddle-free Newton: loss, ‖g‖ and the saddle index along each path';

export const builder = (y: Argv) =>
  queueOptions(dataOptions(modelOption(y)))
    .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: 'auto', describe: 'tfjs backend in each worker' })
    .option('workers', {
      type: 'number',
      describe: 'worker threads running methods in parallel (default 1: in process, one method at a time, numbers that repeat to the bit)',
    })
    .option('out', { alias: 'o', type: 'string', describe: 'study folder (default reports/studies/saddle-dynamics-<config hash>); re-running resumes it' })
    .option('force', { type: 'boolean', default: false, describe: 'accept a changed config: the old runs are moved to superseded-<time>/' })
    .option('scale', { type: 'number', default: 1, describe: 'figure resolution multiplier (1 = 800×600)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' })
    .option('start', {
      type: 'string',
      choices: ['init', 'small-init', 'checkpoint'],
      default: D.start,
      describe: 'the common start: seeded init, init × --init-scale, or the checkpoint',
    })
    .option('init', { type: 'string', default: D.init, describe: 'initializer of init and small-init (topology or a named one)' })
    .option('init-scale', { type: 'number', default: D.initScale, describe: 'small-init: the initialisation times this (near the saddle at the origin)' })
    .option('seed', { type: 'number', default: D.seed, describe: 'seed of the initialisation and of the minibatch order' })
    .option('methods', { type: 'string', default: D.methods, describe: 'comma-separated: gd, momentum, newton, sfn' })
    .option('steps', { type: 'number', default: D.steps, describe: 'steps of every method' })
    .option('lr', { type: 'number', default: D.lr, describe: 'step size of gd and momentum' })
    .option('momentum', { type: 'number', default: D.momentum, describe: 'heavy-ball coefficient μ of momentum' })
    .option('batch-size', { type: 'number', describe: 'momentum: seeded minibatches of this size (SGD with momentum); default full batch' })
    .option('krylov-dim', { type: 'number', default: D.krylovDim, describe: 'Lanczos vectors of the Krylov subspace of newton and sfn' })
    .option('newton-damping', { type: 'number', default: D.newtonDamping, describe: "Newton's δ relative to max|Λ|: s = −VQ(Λ + δ)⁻¹QᵀVᵀg" })
    .option('sfn-dampings', {
      type: 'string',
      default: D.sfnDampings.join(','),
      describe: "saddle-free Newton's δ candidates relative to max|Λ|; each step takes the one of least loss",
    })
    .option('max-step', { type: 'number', default: D.maxStep, describe: 'trust radius: longer newton/sfn steps are scaled to it' })
    .option('index-every', { type: 'number', default: D.indexEvery, describe: 'record the saddle index every this many steps (and at the end)' })
    .option('taus', { type: 'string', default: D.taus.join(','), describe: 'thresholds τ of the index #{λ < −τ·λmax}; the first is drawn' })
    .option('saddle-method', { type: 'string', choices: ['auto', 'dense', 'iterative'], default: D.saddleMethod, describe: 'how the index is counted' })
    .option('eval-batch-size', { type: 'number', default: D.evalBatchSize, describe: 'samples per batch of the full-batch passes' });

export interface SaddleDynamicsArgs extends StudyRunArgs {
  start: 'init' | 'small-init' | 'checkpoint';
  init: string;
  initScale: number;
  seed: number;
  methods: string;
  steps: number;
  lr: number;
  momentum: number;
  batchSize?: number;
  krylovDim: number;
  newtonDamping: number;
  sfnDampings: string;
  maxStep: number;
  indexEvery: number;
  taus: string;
  saddleMethod: 'auto' | 'dense' | 'iterative';
  evalBatchSize: number;
}

export async function handler(a: SaddleDynamicsArgs): Promise<void> {
  const { optionError } = await import('../../src/errors.js');
  for (const f of ['testData', 'output', 'fromLogits']) {
    if ((a as unknown as Record<string, unknown>)[f] !== undefined)
      throw optionError(f, 'is not used by saddle-dynamics (it follows the training loss of --data)');
  }
  const { saddleDynamicsStudy } = await import('../../src/pipelines/saddle-dynamics.js');
  const { parseMethods } = await import('../../src/saddles/dynamics-options.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const { fields } = await import('../run-analysis.js');
  const study = await saddleDynamicsStudy({
    ...fields(a, ['model', 'data', 'x', 'y', 'labelColumn', 'samples', 'loss', 'backend', 'scale', 'start', 'init', 'initScale', 'seed', 'steps', 'lr']),
    ...fields(a, ['momentum', 'batchSize', 'krylovDim', 'newtonDamping', 'maxStep', 'indexEvery', 'saddleMethod', 'evalBatchSize']),
    methods: parseMethods(a.methods),
    sfnDampings: numberList('sfnDampings', a.sfnDampings)!,
    taus: numberList('taus', a.taus)!,
  } as never);
  await runStudyCommand(study, { ...executorOptions(a), json: a.json, quiet: a.quiet });
}
