/** Option groups shared by the commands (yargs builders). */
import type { Argv } from 'yargs';
import { BACKEND_NAMES } from '../src/engine/index.js';
import { LOSS_NAMES, LOGITS_LOSSES, canonicalLoss, withLogits } from '../src/model/loss.js';
import { optionError } from '../src/errors.js';
import { CPU_FORM_CHOICES } from '../src/kernels/cpu-form.js';
import { ANALYSIS_DEFAULTS as D, type AnalysisOptions } from '../src/pipelines/common.js';

export const modelOption = <T>(y: Argv<T>) =>
  y.option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'model.json of a tfjs LayersModel (or its folder)' });

export const dataOptions = <T>(y: Argv<T>) =>
  y
    .option('data', {
      alias: 'd',
      type: 'string',
      describe: 'dataset: a .csv file, or a folder with x.npy+y.npy, one .npy per model input and output, or an IDX pair',
    })
    .option('x', { type: 'string', describe: 'inputs as .npy or IDX (with --y)' })
    .option('y', { type: 'string', describe: 'targets as .npy or IDX (with --x)' })
    .option('test-data', { type: 'string', describe: 'held-out dataset (same formats as --data)' })
    .option('label-column', { type: 'string', default: D.labelColumn, describe: 'CSV label column (or prefix of one-hot columns)' })
    .option('samples', { type: 'number', describe: 'use a seeded subset of this many samples' })
    .option('loss', { type: 'string', choices: LOSS_NAMES as unknown as string[], describe: 'loss when the checkpoint has no training config' })
    .option('output', { type: 'string', describe: 'analyse one output of a model with several alone: its own loss (the parameters are still every weight)' })
    .option('from-logits', {
      type: 'boolean',
      describe: `the model outputs logits and --loss (${LOGITS_LOSSES.join(', ')}) applies the softmax/sigmoid itself, as Keras' from_logits: true`,
    })
    .middleware(foldFromLogits);

/** --from-logits names the crossentropy on logits: the library's loss field takes it as one name ("categoricalCrossentropyFromLogits"). */
function foldFromLogits(a: { loss?: string; fromLogits?: boolean }): void {
  if (!a.fromLogits) return;
  if (a.loss === undefined) throw optionError('fromLogits', 'needs --loss: the crossentropy the logits feed');
  a.loss = withLogits(canonicalLoss(a.loss), 'fromLogits');
}

export const computeOptions = <T>(y: Argv<T>) =>
  y
    .option('backend', {
      type: 'string',
      choices: BACKEND_NAMES as unknown as string[],
      default: D.backend,
      describe: 'tfjs backend (auto: tensorflow → wasm → cpu)',
    })
    .option('cpu-form', {
      type: 'string',
      choices: [...CPU_FORM_CHOICES],
      describe: "the native kernels' CPU form (auto: the best this CPU runs; a lower one forced)",
    })
    .option('batch-size', {
      type: 'number',
      describe:
        "samples per batch (memory bound; default: equal batches of about as many as keep one batch's activations under 2M values (4M with the native kernels), at most the data)",
    })
    .option('workers', { type: 'number', describe: 'worker threads for data-parallel evaluation (default: cores, when the data is large enough)' })
    .option('hvp', {
      type: 'string',
      choices: ['exact', 'fd'],
      default: D.hvp,
      describe: 'Hessian-vector products: exact double backprop or finite differences',
    })
    .option('seed', { type: 'number', default: D.seed, describe: 'seed for every random choice' })
    .option('regularizers', {
      type: 'boolean',
      default: D.regularizers,
      describe: "include the checkpoint's kernel/bias L1/L2 regularizers in the loss, as Keras trained it (--no-regularizers: the data term alone)",
    });

export const outputOptions = <T>(y: Argv<T>) =>
  y
    .option('out', { alias: 'o', type: 'string', describe: 'output folder (default reports/<command>-<timestamp>)' })
    .option('force', { type: 'boolean', default: D.force, describe: 'replace an existing report folder' })
    .option('scale', { type: 'number', default: D.scale, describe: 'figure resolution multiplier (1 = 800×600)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' });

/** The flags as yargs gives them: the library's AnalysisOptions, with the fields yargs defaults filled. */
export interface CommonArgs extends AnalysisOptions {
  backend: string;
  hvp: 'exact' | 'fd';
  seed: number;
  force: boolean;
  scale: number;
  json: boolean;
  quiet?: boolean;
  verbose?: boolean;
}
