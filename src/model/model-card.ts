/**
 * A model's card: its layers with output shapes, parameter counts and HVP method, its inputs,
 * outputs and nested models (card-structure.ts), how its weights were stored, and the objective
 * analysed (data loss plus the checkpoint's regularizers).
 */
import tf from '../tf.cjs';
import { forwardOutputs, probeInputs } from './forward.js';
import { loadModel, type ModelBundle } from '../objective/model-bundle.js';
import { regularizationOf } from '../objective/regularized-objective.js';
import { describeTerms } from './regularizers.js';
import type { Checkpoint } from '../io/types.js';
import { LosslensError } from '../errors.js';
import { canonicalActivation } from './activations.js';
import { cfg } from './layer-ops.js';
import path from 'node:path';
import { cardStructure, layerBlock, layerHvp, type CardStructure, type HvpCard } from './card-structure.js';
import { hvpMethod } from '../objective/rop/hvp.js';

/** One layer of a model card: name, type, activation, output shape, parameter counts, the block it is in and its HVP method. */
export interface LayerCard {
  name: string;
  type: string;
  activation?: string;
  outputShape: number[];
  trainableParams: number;
  nonTrainableParams: number;
  /** The innermost nested model holding it ('' for a layer of the top model). */
  block: string;
  /** How its HVP is computed (the model's method; the reason where it is double backprop). */
  hvp: HvpCard;
}

/** A model's card, as reports show it: name, file, shapes, the loss and where it came from, parameter counts, the objective's terms and nested blocks. */
export interface ModelCard extends CardStructure {
  name: string;
  /** The checkpoint's model.json, relative to the working directory when it lies below it (as the data paths are shown). */
  file: string;
  inputShape: number[];
  outputDim: number;
  /** The data loss; null when the checkpoint has no training config and no --loss was given (info only). */
  loss: string | null;
  lossSource: 'checkpoint' | 'option' | 'none';
  /** Why the checkpoint's own loss cannot be used, when it names one the analyses refuse (info only). */
  lossProblem?: string;
  /** Who wrote the checkpoint, from model.json's generatedBy / convertedBy / keras_version. */
  savedBy: string;
  /** A note when the weights were stored quantized and are analysed dequantized; null for float32 weights. */
  dequantized: string | null;
  objective: ObjectiveCard;
  trainableParams: number;
  nonTrainableParams: number;
  layers: LayerCard[];
}

/** Which terms the analysed objective includes. */
export interface ObjectiveCard {
  /** One line, e.g. "sparseCategoricalCrossentropy + L2(0.001) on dense/kernel". */
  description: string;
  /** 'included' (the default), 'excluded' (--no-regularizers) or 'none' (the checkpoint has none). */
  regularizers: 'included' | 'excluded' | 'none';
  terms: { layer: string; weight: string; field: string; l1: number; l2: number }[];
  /** Activity regularizers in the topology (the objective refuses them unless excluded). */
  activity: { layer: string; l1: number; l2: number }[];
  /** Regularizer fields that could not be read (the objective refuses them unless excluded). */
  unsupported: string[];
}

/** What a model card counts. */
export interface CardOptions {
  /** Whether the objective includes the checkpoint's regularizers (default true). */
  regularizers?: boolean;
}

/**
 * The card of a checkpoint that may have no loss at all (`losslens info`): the loss shows as unknown, none is
 * invented.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, checkpointCard } from 'losslens/io';
 *
 * // Dense(1) on 5 features: 5 weights and a bias
 * const card = checkpointCard(await readCheckpoint('fixtures/linreg'));
 * assert.equal(card.trainableParams, 6);
 * assert.equal(card.loss, 'meanSquaredError');
 * ```
 */
export function checkpointCard(checkpoint: Checkpoint, lossOverride?: string, opts: CardOptions = {}): ModelCard {
  let lossProblem: string | undefined;
  if (lossOverride !== undefined) return modelCard(loadModel(checkpoint, lossOverride), opts);
  if (checkpoint.trainingConfig?.loss !== undefined) {
    try {
      return modelCard(loadModel(checkpoint), opts);
    } catch (err) {
      // a loss the analyses refuse (e.g. from_logits) still leaves a model to describe
      if (!(err instanceof LosslensError) || !/trainingConfig\.loss/.test(err.message)) throw err;
      lossProblem = err.message;
    }
  }
  const card = modelCard(loadModel(checkpoint, 'meanSquaredError'), opts);
  const objective = { ...card.objective, description: card.objective.description.replace(/meanSquaredError/g, '(unknown data loss)') };
  return { ...card, loss: null, lossSource: 'none', objective, ...(lossProblem ? { lossProblem } : {}) };
}

/**
 * The card of a loaded model, as reports show it: its layers with their output shapes and parameter counts, the
 * loss and where it came from, and the objective's terms.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 * import { modelCard } from 'losslens/io';
 *
 * // the loss given by the caller overrides the checkpoint's, and the card says so
 * const card = modelCard(loadModel(await readCheckpoint('fixtures/linreg'), 'meanAbsoluteError'));
 * assert.equal(card.loss, 'meanAbsoluteError');
 * assert.equal(card.lossSource, 'option');
 * assert.deepEqual(
 *   card.layers.map((l) => l.trainableParams),
 *   [6],
 * );
 * ```
 */
export function modelCard(bundle: ModelBundle, opts: CardOptions = {}): ModelCard {
  const { arch, checkpoint } = bundle;
  const shapes = new Map<string, number[]>();
  const outShapes = tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    const ws = checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    const outs = forwardOutputs(arch, ws, probeInputs(arch), { capture });
    for (const [k, t] of capture) shapes.set(k, t.shape.slice(1));
    return outs.map((t) => t.shape.slice(1));
  });
  const layers = layerCards(bundle.arch, shapes);
  return {
    name: arch.name,
    file: displayPath(checkpoint.path),
    inputShape: arch.inputShape,
    outputDim: bundle.outDim,
    loss: bundle.loss,
    lossSource: bundle.lossSource,
    savedBy: savedBy(checkpoint),
    dequantized: dequantizedNote(checkpoint),
    objective: objectiveCard(bundle, opts.regularizers ?? true),
    trainableParams: bundle.layout.dim,
    nonTrainableParams: layers.reduce((s, l) => s + l.nonTrainableParams, 0),
    layers,
    ...cardStructure(arch, layers, outShapes),
  };
}

/** Each layer's card: type, activation, output shape, parameter counts, nested block and HVP method. */
function layerCards(arch: ModelBundle['arch'], shapes: Map<string, number[]>): LayerCard[] {
  const hvp = hvpMethod(arch);
  return arch.nodes.map((n): LayerCard => {
    const own = n.sharesWeightsOf === undefined ? n.weights : []; // a shared layer's later call: its weights are counted once, at its first call
    const count = (trainable: boolean) => own.filter((w) => w.trainable === trainable).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    const act = cfg<unknown>(n.config, 'activation', undefined);
    return {
      name: n.name,
      type: n.className,
      ...(act !== undefined ? { activation: canonicalActivation(act) } : {}),
      outputShape: shapes.get(n.name) ?? [],
      trainableParams: count(true),
      nonTrainableParams: count(false),
      block: layerBlock(n.name, arch),
      hvp: layerHvp(n.name, n.className, hvp),
    };
  });
}

function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

export function objectiveCard(bundle: ModelBundle, enabled: boolean): ObjectiveCard {
  const reg = regularizationOf(bundle);
  const terms = reg.terms.map(({ layer, weight, field, l1, l2 }) => ({ layer, weight, field, l1, l2 }));
  const activity = reg.activity.map((a) => ({ ...a }));
  const has = terms.length > 0 || activity.length > 0 || reg.problems.length > 0;
  const regularizers = !has ? 'none' : enabled ? 'included' : 'excluded';
  let description: string = outputsDescription(bundle);
  if (regularizers === 'included' && terms.length > 0) description += ` + ${describeTerms(reg.terms)}`;
  else if (regularizers === 'excluded') description += " alone (the checkpoint's regularizers are excluded by --no-regularizers)";
  else if (regularizers === 'none') description += ' (no regularizers in the checkpoint)';
  return { description, regularizers, terms, activity, unsupported: reg.problems.map((e) => e.message) };
}

/** The data term: the loss, Σ weight·loss(output) for several outputs, or one output's loss under --output. */
function outputsDescription(b: ModelBundle): string {
  const all = b.arch.allOutputs?.length ?? 1;
  if (b.heads.length > 1) return b.heads.map((h) => `${h.weight}·${h.loss}(${h.name})`).join(' + ');
  return all > 1 ? `${b.loss} of output "${b.heads[0]!.name}" alone (--output; θ is every weight)` : b.loss;
}

function savedBy(ck: Checkpoint): string {
  const by = ck.generatedBy ?? (typeof ck.modelTopology?.keras_version === 'string' ? ck.modelTopology.keras_version : 'unknown');
  return ck.convertedBy ? `${by} → ${ck.convertedBy}` : by;
}

function dequantizedNote(ck: Checkpoint): string | null {
  const q = ck.quantized;
  if (!q || q.length === 0) return null;
  const parts = q.map((e) => `${e.weights} as ${e.dtype}${e.dtype === 'float16' ? '' : ' (affine: q·scale + min)'}`);
  return `weights stored quantized (${parts.join(', ')}) and dequantized to float32 as tfjs does; the analysis is of the dequantized model`;
}
