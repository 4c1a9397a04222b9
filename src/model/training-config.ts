/**
 * The training config a checkpoint carries, written as tfjs-layers' model.save writes it after
 * compile (LayersModel.getTrainingConfig): the loss in snake_case, the metrics, and the optimizer
 * as {class_name, config} with tfjs-core's class names and getConfig() fields. So a checkpoint that
 * losslens trained is loaded by tf.loadLayersModel compiled, and the next losslens command reads
 * its loss without --loss.
 *
 * A crossentropy on logits has no tfjs-layers name (tfjs-layers' losses never take logits), so it
 * is written as Keras writes it: {class_name: "CategoricalCrossentropy", config: {from_logits: true}}.
 * tfjs-layers 4.x cannot compile that (nor any Keras loss object); losslens reads it.
 */
import type { ResolvedOptimizerConfig } from '../train/optimizers.js';
import { baseLoss, fromLogits, hasAccuracy, type LossName } from './loss.js';

export interface TrainingConfig {
  loss: string | { class_name: string; config: Record<string, unknown> };
  metrics: string[];
  optimizer_config: { class_name: string; config: Record<string, number | boolean> };
}

/** tfjs-layers' toSnakeCase (utils/generic_utils.ts). */
export function toSnakeCase(name: string): string {
  const s = name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return s.startsWith('_') ? `private${s}` : s;
}

/**
 * The tfjs-core optimizer closest to losslens' (src/train/optimizers.ts): the same rule and
 * hyper-parameters. Adagrad starts from G₀ = 0 as losslens' does; a coupled weight decay has no
 * tfjs counterpart and is not written.
 */
export function optimizerConfig(o: ResolvedOptimizerConfig): TrainingConfig['optimizer_config'] {
  const learningRate = o.lr;
  switch (o.name) {
    case 'sgd':
      return { class_name: 'SGD', config: { learningRate } };
    case 'momentum':
    case 'nesterov':
      return { class_name: 'Momentum', config: { learningRate, momentum: o.momentum, useNesterov: o.name === 'nesterov' } };
    case 'adagrad':
      return { class_name: 'Adagrad', config: { learningRate, initialAccumulatorValue: 0 } };
    case 'adadelta':
      return { class_name: 'Adadelta', config: { learningRate, rho: o.rho, epsilon: o.epsilon } };
    case 'rmsprop':
      return { class_name: 'RMSProp', config: { learningRate, decay: o.rho, momentum: 0, epsilon: o.epsilon, centered: false } };
    case 'adam':
      return { class_name: 'Adam', config: { learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
    case 'adamax':
      return { class_name: 'Adamax', config: { learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decay: 0 } };
  }
}

/** The training config of a model trained on `loss` with `optimizer`, metrics ['accuracy'] where the loss has one. */
export function trainingConfigOf(loss: LossName, optimizer: ResolvedOptimizerConfig): TrainingConfig {
  const base = baseLoss(loss);
  const keras = base.charAt(0).toUpperCase() + base.slice(1);
  return {
    loss: fromLogits(loss)
      ? { class_name: keras, config: { from_logits: true, reduction: 'sum_over_batch_size', name: toSnakeCase(base) } }
      : toSnakeCase(loss),
    metrics: hasAccuracy(loss) ? ['accuracy'] : [],
    optimizer_config: optimizerConfig(optimizer),
  };
}
