/**
 * The loss of each model output, as a training config gives them (Keras' compile: one loss for
 * every output, a list with one per output, or a dict by output name) with its loss_weights (a
 * list, or a dict whose missing outputs weigh 1), and `--loss` for every output the config names
 * no loss for. The objective is Σₖ wₖ · mean loss of output k (Keras' total; tfjs-layers' when
 * every weight is 1, since it cannot load loss_weights). With `--output` one output is analysed,
 * its own loss with weight 1, as model.evaluate reports it per output.
 */
import { inputError, optionError, unsupportedError } from '../errors.js';
import { LOSS_NAMES, canonicalLoss, type LossName } from './loss.js';
import { trainingLossName } from './keras-loss.js';
import type { OutputEndpoint } from './model-endpoints.js';

export interface OutputLoss {
  /** The output's name (model-endpoints.ts). */
  name: string;
  loss: LossName;
  /** Its weight in the total (loss_weights; 1 when analysed alone). */
  weight: number;
  /** Where the loss came from. */
  source: 'checkpoint' | 'option';
}

/** Whether config key `key` names output `o`: its name, or (Keras' naming) its layer's name when that layer gives one output. */
function names(key: string, o: OutputEndpoint, all: OutputEndpoint[]): boolean {
  if (key === o.name) return true;
  const base = o.name.replace(/\.\d+$/, '');
  return key === base && all.filter((p) => p.name.replace(/\.\d+$/, '') === base).length === 1;
}

/** Per-output entries of a list or dict field (loss, loss_weights) in `all`'s order; undefined where a dict names none. */
function perOutput(v: unknown, all: OutputEndpoint[], field: string, file: string): unknown[] {
  if (Array.isArray(v) && !(v.length === 1 && all.length > 1)) {
    if (v.length !== all.length)
      throw inputError(file, `trainingConfig.${field} lists ${v.length} entries for a model with ${all.length} outputs (${all.map((o) => o.name).join(', ')})`);
    return v;
  }
  if (Array.isArray(v)) return all.map(() => v[0]);
  const dict = v as Record<string, unknown>;
  for (const key of Object.keys(dict)) {
    if (!all.some((o) => names(key, o, all)))
      throw inputError(file, `trainingConfig.${field} names "${key}", which is not an output of the model (outputs: ${all.map((o) => o.name).join(', ')})`);
  }
  return all.map((o) => Object.entries(dict).find(([k]) => names(k, o, all))?.[1]);
}

const isDictOrList = (v: unknown) => (Array.isArray(v) ? v.length > 1 : v !== null && typeof v === 'object' && !('class_name' in v) && !('className' in v));

/** The losses of `analysed` (a subset of `all`, the model's outputs). */
export function outputLosses(all: OutputEndpoint[], analysed: OutputEndpoint[], tc: any, lossOverride: string | undefined, file: string): OutputLoss[] {
  const own =
    tc?.loss !== undefined && tc?.loss !== null && (isDictOrList(tc.loss) || !lossOverride)
      ? perOutput(isDictOrList(tc.loss) ? tc.loss : [tc.loss], all, 'loss', file)
      : all.map(() => undefined);
  const weights = tc?.loss_weights == null || analysed.length < all.length ? all.map(() => 1) : perOutput(tc.loss_weights, all, 'loss_weights', file);
  return analysed.map((o) => {
    const k = all.indexOf(o);
    const w = weights[k] ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw inputError(file, `trainingConfig.loss_weights for output "${o.name}" is ${JSON.stringify(w)}; a weight is a finite number ≥ 0`);
    if (own[k] !== undefined && own[k] !== null) {
      return { name: o.name, loss: canonicalLoss(trainingLossName(own[k], file), `trainingConfig.loss of ${file}`), weight: w, source: 'checkpoint' as const };
    }
    if (lossOverride) return { name: o.name, loss: canonicalLoss(lossOverride), weight: w, source: 'option' as const };
    if (tc?.loss != null)
      throw unsupportedError(
        `trainingConfig.loss names no loss for output "${o.name}"; pass --loss for it (or --output to analyse another output alone)`,
        file,
      );
    throw optionError('loss', `${file} has no training config; pass {loss} (valid: ${LOSS_NAMES.join(', ')})`);
  });
}
