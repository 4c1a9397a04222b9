/**
 * The structure part of a model card: its inputs and outputs with per-sample shapes, the models
 * nested in it (flattened by path) with their parameter counts, and how its HVPs are computed —
 * for the model and for every layer: forward-over-reverse where ropSupport covers the whole
 * model, else double backprop, with the reason (a layer that has no forward-over-reverse rule, a
 * config its rule does not cover, a graph that is not a chain, LOSSLENS_HVP=tape).
 */
import { inputsOf, outputsOf, type Architecture } from './architecture.js';
import { blockOf } from './nested-models.js';
import { hvpMethod, type HvpMethod } from '../objective/rop/hvp.js';
import { RULES } from '../objective/rop/rules.js';

/** How a report's HVPs are computed, and why not the fastest exact method. */
export interface HvpCard {
  method: HvpMethod;
  reason?: string;
}

/** A nested model (a block) inside a checkpoint: its path, type and parameter count. */
export interface BlockCard {
  /** The nested model's path ("encoder", "sequential_5/model2"); its layers' names start with it and "/". */
  path: string;
  type: string;
  trainable: boolean;
  layers: number;
  trainableParams: number;
  nonTrainableParams: number;
}

export interface CardStructure {
  /** `declared`: the saved shape, where it has null dimensions (`shape` then holds the data's lengths, or a probe length without data). */
  inputs: { name: string; shape: number[]; declared?: (number | null)[] }[];
  outputs: { name: string; shape: number[] }[];
  blocks: BlockCard[];
  hvp: HvpCard;
}

interface CountedLayer {
  name: string;
  trainableParams: number;
  nonTrainableParams: number;
}

export function cardStructure(arch: Architecture, layers: CountedLayer[], outputShapes: number[][]): CardStructure {
  const blocks = (arch.blocks ?? []).map((b): BlockCard => {
    const inside = layers.filter((l) => l.name.startsWith(`${b.path}/`));
    const sum = (k: 'trainableParams' | 'nonTrainableParams') => inside.reduce((s, l) => s + l[k], 0);
    return {
      path: b.path,
      type: b.className,
      trainable: b.trainable,
      layers: inside.length,
      trainableParams: sum('trainableParams'),
      nonTrainableParams: sum('nonTrainableParams'),
    };
  });
  return {
    inputs: inputsOf(arch).map((i) => ({ name: i.name, shape: i.shape, ...(i.declared.includes(null) ? { declared: i.declared } : {}) })),
    outputs: outputsOf(arch).map((o, k) => ({ name: o.name, shape: outputShapes[k] ?? [] })),
    blocks,
    hvp: hvpMethod(arch),
  };
}

/** How layer `name` (class `cls`) takes part in the model's HVP `model`. */
export function layerHvp(name: string, cls: string, model: HvpCard): HvpCard {
  if (model.method !== 'double-backprop') return { method: model.method };
  if (model.reason?.startsWith(`layer "${name}"`))
    return { method: 'double-backprop', reason: model.reason.slice(`layer "${name}"`.length).replace(/^:\s*/, '') };
  if (!RULES[cls]) return { method: 'double-backprop', reason: `${cls} has no forward-over-reverse rule` };
  return { method: 'double-backprop', reason: `the model's HVP is double backprop (${model.reason ?? 'not covered'})` };
}

/** The innermost nested model holding a layer ('' for the top model). */
export function layerBlock(name: string, arch: Architecture): string {
  return blockOf(name, arch.blocks ?? []);
}
