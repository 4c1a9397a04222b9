/**
 * A training config's loss as Keras serializes it when compiled with a loss object rather than
 * a string: {class_name: "SparseCategoricalCrossentropy", config: {from_logits, label_smoothing, …}}
 * (Keras 2; Keras 3 adds module/registered_name). Mapped to the loss it computes: from_logits: true
 * names the crossentropy on logits; options that change the loss otherwise (label smoothing, a
 * reduction other than the batch mean, another axis) are refused by name.
 */
import { unsupportedError } from '../errors.js';
import { LOSS_NAMES, findLoss } from './loss.js';

/** Keras losses tfjs-layers 4.x has no function for (its lossesMap): tf.loadLayersModel cannot compile them either. */
const NOT_IN_TFJS = new Map<string, string>([
  ['huber', 'Huber'],
  ['huberloss', 'Huber'],
]);

/** Reductions that leave the loss the batch mean of the per-sample losses, as tfjs-layers computes it. */
const MEAN_REDUCTIONS = new Set(['auto', 'sum_over_batch_size', 'mean']);

/**
 * The loss name to canonicalise: strings (and one-element lists) as they are; loss objects checked.
 * A name losslens has no loss for is refused here, naming the file and the field.
 */
export function trainingLossName(loss: unknown, file: string): unknown {
  const name = objectLossName(loss, file);
  if (findLoss(name) === undefined) {
    const one = Array.isArray(name) && name.length === 1 ? name[0] : name;
    const shown = JSON.stringify(one) ?? String(name);
    const missing = typeof one === 'string' ? NOT_IN_TFJS.get(one.replace(/[_\s]/g, '').toLowerCase()) : undefined;
    const what = missing
      ? `${shown.slice(0, 80)}: ${missing} is not a tfjs-layers loss (tfjs-layers 4.x has none; tf.loadLayersModel cannot compile it either)`
      : `${shown.slice(0, 80)} is not a loss losslens computes`;
    throw unsupportedError(`trainingConfig.loss ${what}; supported: ${LOSS_NAMES.join(', ')} (pass --loss to choose one)`, file);
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
  refuseChangedLoss(c, name, field, file);
  if (c.from_logits === true) {
    const logits = findLoss(`${name}FromLogits`);
    if (!logits) throw unsupportedError(`${field} has "from_logits": true, which only the crossentropies take`, file);
    return logits;
  }
  return name;
}

/** Options that make a Keras loss object compute something other than its name's loss, refused by name. */
function refuseChangedLoss(c: Record<string, unknown>, name: string, field: string, file: string): void {
  const smoothing = c.label_smoothing;
  if (typeof smoothing === 'number' && smoothing !== 0) {
    throw unsupportedError(
      `${field} has "label_smoothing": ${smoothing}, which losslens does not apply; pass --loss ${name.charAt(0).toLowerCase() + name.slice(1)} to analyse the unsmoothed loss`,
      file,
    );
  }
  if (typeof c.reduction === 'string' && !MEAN_REDUCTIONS.has(c.reduction)) {
    throw unsupportedError(
      `${field} has "reduction": "${c.reduction.slice(0, 40)}"; losslens computes the batch mean (sum_over_batch_size), as tfjs-layers does`,
      file,
    );
  }
  if (c.axis !== undefined && c.axis !== -1 && !(Array.isArray(c.axis) && c.axis.length === 1 && c.axis[0] === -1)) {
    throw unsupportedError(`${field} has "axis": ${JSON.stringify(c.axis)?.slice(0, 40)}; tfjs-layers' losses reduce the last axis only`, file);
  }
}
