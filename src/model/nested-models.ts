/**
 * Models used as layers (a Sequential or Model/Functional inside a model, at any depth) flattened
 * into one graph of layers. An inner layer is named by its path — outer model layer's name, "/",
 * its own name ("mobilenet/conv_pw_13") — so names stay unique however often inner names repeat.
 * A nested model's own InputLayer stays as an identity node wired to whatever feeds the nested
 * model; references to the nested model read its output layer. A nested model saved with
 * "trainable": false freezes every weight inside it, as Keras does.
 */
import { inputError, unsupportedError } from '../errors.js';
import { cfg } from './layer-op.js';
import { containerLayers } from './container-layers.js';
import type { WiredLayer } from './functional-layers.js';
import { MODEL_CLASSES, checkCustom, layerName } from './keras-topology.js';

/** A model used as a layer, after flattening: its path and class, and the flattened nodes it spans. */
export interface NestedBlock {
  /** "encoder", "sequential_5/model2": the names of the model layers down to this one. */
  path: string;
  className: string;
  /** False when it (or a model around it) was saved with "trainable": false. */
  trainable: boolean;
  /** The flattened name of the layer whose output is the block's output. */
  output: string;
}

export interface FlatGraph {
  /** Every leaf layer, named by path, reading flattened names ("" is the model input). */
  layers: WiredLayer[];
  /** The first layer reading the model input (the top model's InputLayer when it has one). */
  input: string;
  output: string;
  blocks: NestedBlock[];
}

/** Deepest nesting of models accepted (far beyond any real export; bounds the recursion on hostile configs). */
export const MAX_NESTING = 32;

/** Flatten `topo` (a Sequential, Model or Functional config) and every model nested in it. */
export function flattenModel(topo: { class_name: string; config: any }, file: string): FlatGraph {
  const flat = flattenContainer(topo, file, '', true, 0);
  const input = flat.layers.find((l) => l.inputs.includes(''));
  return { ...flat, input: input ? layerName(input) : flat.output };
}

function flattenContainer(
  topo: { class_name: string; config: any },
  file: string,
  prefix: string,
  trainable: boolean,
  depth: number,
): Omit<FlatGraph, 'input'> {
  const where = prefix ? `in nested model "${prefix.slice(0, -1)}": ` : '';
  const { layers, output } = containerLayers(topo, file, where);
  const alias = new Map<string, string>(); // a nested model's local name → its output layer's path
  const inner = new Map<string, Omit<FlatGraph, 'input'>>();
  const blocks: NestedBlock[] = [];
  for (const l of layers) {
    if (!MODEL_CLASSES.has(l.class_name)) continue;
    const path = prefix + layerName(l);
    checkCustom(l, file);
    if (depth + 1 > MAX_NESTING) throw unsupportedError(`model "${path}" is nested more than ${MAX_NESTING} models deep`, file);
    if (!l.config || typeof l.config !== 'object') throw inputError(file, `${where}nested model "${layerName(l)}" has no config`);
    const on = trainable && cfg<unknown>(l.config, 'trainable', true) !== false && (l as { trainable?: unknown }).trainable !== false;
    const sub = flattenContainer({ class_name: l.class_name, config: l.config }, file, `${path}/`, on, depth + 1);
    inner.set(layerName(l), sub);
    alias.set(layerName(l), sub.output);
    blocks.push({ path, className: l.class_name, trainable: on, output: sub.output }, ...sub.blocks);
  }
  const rename = (n: string) => (n === '' ? '' : (alias.get(n) ?? prefix + n));
  const out: WiredLayer[] = [];
  for (const l of layers) {
    const sub = inner.get(layerName(l));
    if (!sub) {
      out.push(leaf(l, prefix, rename, trainable));
      continue;
    }
    if (l.inputs.length !== 1)
      throw unsupportedError(`${where}nested model "${layerName(l)}" reads ${l.inputs.length} tensors; only nested models with one input are supported`, file);
    const feed = rename(l.inputs[0]);
    for (const s of sub.layers) out.push({ ...s, inputs: s.inputs.map((i) => (i === '' ? feed : i)) });
  }
  return { layers: out, output: rename(output), blocks };
}

/** A leaf layer under `prefix`: its name and references as paths, frozen when a model around it is. */
function leaf(l: WiredLayer, prefix: string, rename: (n: string) => string, trainable: boolean): WiredLayer {
  const name = prefix + layerName(l);
  const config = { ...(l.config ?? {}), name, ...(trainable ? {} : { trainable: false }) };
  return { ...l, name, config, inputs: l.inputs.map(rename) };
}

/** The innermost block holding flattened layer `name`, or '' for a layer of the top model. */
export function blockOf(name: string, blocks: NestedBlock[]): string {
  let best = '';
  for (const b of blocks) if (name.startsWith(`${b.path}/`) && b.path.length > best.length) best = b.path;
  return best;
}

/**
 * A nested model's InputLayer declares the shape its model takes; refuse a graph that feeds it
 * another (`shapes`: each flattened layer's per-sample output shape; null dimensions match any).
 */
export function checkNestedInputs(
  nodes: { name: string; className: string; config: any; inputs: string[] }[],
  shapes: Map<string, number[]>,
  file: string,
): void {
  for (const n of nodes) {
    if (n.className !== 'InputLayer' || n.inputs[0] === '') continue;
    const declared = cfg<unknown>(n.config, 'batch_input_shape', null) ?? cfg<unknown>(n.config, 'batch_shape', null);
    const fed = shapes.get(n.inputs[0]);
    if (!Array.isArray(declared) || !fed) continue;
    const want = declared.slice(1);
    if (want.length !== fed.length || want.some((d, i) => d !== null && d !== fed[i])) {
      throw inputError(
        file,
        `layer "${n.name}" (InputLayer) takes [${want.map((d) => d ?? 'null').join(', ')}] per sample but layer "${n.inputs[0]}" feeds it [${fed.join(', ')}]`,
      );
    }
  }
}
