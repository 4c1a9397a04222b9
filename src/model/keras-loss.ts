/**
 * A training config's loss as Keras serializes it when compiled with a loss object rather than
 * a string: {class_name: "SparseCategoricalCrossentropy", config: {from_logits, label_smoothing, …}}
 * (Keras 2; Keras 3 adds module/registered_name). Mapped to its name when it computes what the
 * name does; options that change the loss (from_logits, label smoothing) are refused by name.
 */
import { unsupportedError } from '../errors.js';
import { LOSS_NAMES, findLoss } from './loss.js';

/**
 * The loss name to canonicalise: strings (and one-element lists) as they are; loss objects checked.
 * A name losslens has no loss for is refused here, naming the file and the field.
 */
export function trainingLossName(loss: unknown, file: string): unknown {
  const name = objectLossName(loss, file);
  if (findLoss(name) === undefined) {
    const shown = JSON.stringify(Array.isArray(name) && name.length === 1 ? name[0] : name) ?? String(name);
    throw unsupportedError(`trainingConfig.loss ${shown.slice(0, 80)} is not a loss losslens computes; supported: ${LOSS_NAMES.join(', ')} (pass --loss to choose one)`, file);
  }
  return name;
}

function objectLossName(loss: unknown, file: string): unknown {
  const one = Array.isArray(loss) && loss.length === 1 ? loss[0] : loss;
  if (!one || typeof one !== 'object' || Array.isArray(one)) return loss;
  const o = one as { class_name?: unknown; className?: unknown; config?: Record<string, unknown> | null };
  const name = o.class_name ?? o.className;
  if (typeof name !== 'string') return loss;
  const c = o.config ?? {};
  const field = `trainingConfig.loss ${name}`;
  if (c.from_logits === true) {
    throw unsupportedError(`${field} has "from_logits": true: the model outputs logits and the loss applies the softmax/sigmoid itself, which losslens does not; add the activation to the last layer (or save the model compiled on probabilities) and pass --loss`, file);
  }
  const smoothing = c.label_smoothing;
  if (typeof smoothing === 'number' && smoothing !== 0) {
    throw unsupportedError(`${field} has "label_smoothing": ${smoothing}, which losslens does not apply; pass --loss ${name.charAt(0).toLowerCase() + name.slice(1)} to analyse the unsmoothed loss`, file);
  }
  return name;
}
