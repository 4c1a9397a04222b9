/**
 * The training config a checkpoint with several outputs is saved with after `train`: the loss of
 * every output as a dict by output name (Keras' compile form, which outputLosses reads back), their
 * loss_weights where one differs from 1, and metrics ['accuracy'] by output where the loss has one.
 * So `eval` reads a trained several-output checkpoint without --loss; with --output, the other
 * outputs keep the losses and weights the input checkpoint gave them (where it gave them all).
 */
import type { ResolvedOptimizerConfig } from '../train/optimizers.js';
import { hasAccuracy } from './loss.js';
import { outputLosses, type OutputLoss } from './output-losses.js';
import type { OutputEndpoint } from './model-endpoints.js';
import { trainingConfigOf, type TrainingConfig } from './training-config.js';

/** Keras' per-output training config: losses (and weights, metrics) by output name. */
export interface HeadsTrainingConfig {
  loss: Record<string, TrainingConfig['loss']>;
  loss_weights?: Record<string, number>;
  metrics: Record<string, string>;
  optimizer_config: TrainingConfig['optimizer_config'];
}

/**
 * The config for `trained` (the heads that were trained); `all` the model's outputs, `tc` and
 * `lossOverride` what the heads were read from: outputs not trained keep their own losses when all resolve.
 */
export function headsTrainingConfig(
  trained: OutputLoss[],
  all: OutputEndpoint[],
  tc: unknown,
  lossOverride: string | undefined,
  file: string,
  optimizer: ResolvedOptimizerConfig,
): HeadsTrainingConfig {
  const heads = trained.length < all.length ? (everyOutput(all, tc, lossOverride, file) ?? trained) : trained;
  const loss: HeadsTrainingConfig['loss'] = {},
    metrics: Record<string, string> = {};
  for (const h of heads) {
    loss[h.name] = trainingConfigOf(h.loss, optimizer).loss;
    if (hasAccuracy(h.loss)) metrics[h.name] = 'accuracy';
  }
  const weighted = heads.some((h) => h.weight !== 1);
  return {
    loss,
    ...(weighted ? { loss_weights: Object.fromEntries(heads.map((h) => [h.name, h.weight])) } : {}),
    metrics,
    optimizer_config: trainingConfigOf(heads[0]!.loss, optimizer).optimizer_config,
  };
}

/** Every output's loss and weight as the input checkpoint (and --loss) give them, or undefined where one has none. */
function everyOutput(all: OutputEndpoint[], tc: unknown, lossOverride: string | undefined, file: string): OutputLoss[] | undefined {
  try {
    return outputLosses(all, all, tc, lossOverride, file);
  } catch {
    return undefined;
  }
}
