/**
 * Models used as layers (a Sequential or Model/Functional inside a model, at any depth) flattened
 * into one graph of layers. An inner layer is named by its path — outer model layer's name, "/",
 * its own name ("mobilenet/conv_pw_13") — so names stay unique however often inner names repeat.
 * A nested model's own InputLayers stay as identity nodes, input k wired to the k-th tensor the
 * nested model is called with; a reference to tensor m of the nested model ([name, node, m]) reads
 * its m-th output (an output layer, or a recurrent layer's state). A nested model saved with
 * "trainable": false freezes every weight inside it, as Keras does.
 */
import { inputError, unsupportedError } from '../errors.js';
import { cfg } from './layer-op.js';
import { containerLayers } from './container-layers.js';
import type { WiredLayer } from './functional-layers.js';
import { MODEL_CLASSES, checkCustom, layerName } from './keras-topology.js';
import { isInputKey, refLayer, tensorKey } from './model-endpoints.js';

/** A model used as a layer, after flattening: its path and class, and the flattened nodes it spans. */
export interface NestedBlock {
  /** "encoder", "sequential_5/model2": the names of the model layers down to this one. */
  path: string;
  className: string;
  /** False when it (or a model around it) was saved with "trainable": false. */
  trainable: boolean;
  /** The flattened name of the layer whose output is the block's (first) output. */
  output: string;
  /** Every output of the block in its output_layers order: the flattened layer and which of its tensors. */
  outputs: { layer: string; tensor: number }[];
}

export interface FlatGraph {
  /** Every leaf layer, named by path, reading flattened names ("" is the model input). */
  layers: WiredLayer[];
  /** The first layer reading the model input (the top model's InputLayer when it has one). */
  input: string;
  output: string;
  /** Every output as a graph key (model-endpoints.ts tensorKey), in output_layers order. */
  outputs: string[];
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
  const { layers, output, outputs } = containerLayers(topo, file, where);
  const alias = new Map<string, string>(); // a nested model's local output key (name, or name + tensor m) → the flattened key
  const inner = new Map<string, Omit<FlatGraph, 'input'>>();
  const blocks: NestedBlock[] = [];
  for (const l of layers) {
    if (!MODEL_CLASSES.has(l.class_name)) continue;
    const { sub, on } = nestedModel(l, file, prefix, where, trainable, depth);
    inner.set(layerName(l), sub);
    sub.outputs.forEach((key, m) => alias.set(tensorKey(layerName(l), m), key));
    const ends = sub.outputs.map((key) => ({ layer: refLayer(key), tensor: tensorOf(key) }));
    blocks.push({ path: prefix + layerName(l), className: l.class_name, trainable: on, output: sub.output, outputs: ends }, ...sub.blocks);
  }
  const rename = (n: string) => (isInputKey(n) ? n : (alias.get(n) ?? prefix + n));
  const out: WiredLayer[] = [];
  for (const l of layers) {
    const sub = inner.get(layerName(l));
    if (sub) out.push(...inline(l, sub, rename, where, file));
    else out.push(leaf(l, prefix, rename, trainable));
  }
  const ends = (outputs ?? [{ layer: output, tensor: 0 }]).map((o) => rename(tensorKey(o.layer, o.tensor)));
  return { layers: out, output: refLayer(ends[0]!), outputs: ends, blocks };
}

/** Model layer `l` flattened under its path; `on`: false when it or a model around it was saved with "trainable": false. */
function nestedModel(l: WiredLayer, file: string, prefix: string, where: string, trainable: boolean, depth: number) {
  const path = prefix + layerName(l);
  checkCustom(l, file);
  if (depth + 1 > MAX_NESTING) throw unsupportedError(`model "${path}" is nested more than ${MAX_NESTING} models deep`, file);
  if (!l.config || typeof l.config !== 'object') throw inputError(file, `${where}nested model "${layerName(l)}" has no config`);
  const on = trainable && cfg<unknown>(l.config, 'trainable', true) !== false && (l as { trainable?: unknown }).trainable !== false;
  return { sub: flattenContainer({ class_name: l.class_name, config: l.config }, file, `${path}/`, on, depth + 1), on };
}

/** The nested model's layers, its input k's InputLayer wired to the k-th tensor `l` is called with. */
function inline(l: WiredLayer, sub: Omit<FlatGraph, 'input'>, rename: (n: string) => string, where: string, file: string): WiredLayer[] {
  const feeds = l.inputs.map(rename);
  const wanted = new Set(sub.layers.flatMap((s) => s.inputs.filter(isInputKey))).size;
  if (feeds.length !== wanted)
    throw unsupportedError(`${where}nested model "${layerName(l)}" is called with ${feeds.length} tensor(s) but has ${wanted} input(s)`, file);
  const feed = (key: string) => feeds[key === '' ? 0 : Number(key.slice('\u0000input'.length))]!;
  return sub.layers.map((s) => ({ ...s, inputs: s.inputs.map((i) => (isInputKey(i) ? feed(i) : i)) }));
}

/** Which tensor of its layer a graph key reads (0 for a layer's output, k for a recurrent layer's state k). */
const tensorOf = (key: string) => Number(key.split('\u0000')[1] ?? 0);

/** A leaf layer under `prefix`: its name and references as paths, frozen when a model around it is. */
function leaf(l: WiredLayer, prefix: string, rename: (n: string) => string, trainable: boolean): WiredLayer {
  const name = prefix + layerName(l);
  const config = { ...(l.config ?? {}), name, ...(trainable ? {} : { trainable: false }) };
  const shares = l.sharesWeightsOf === undefined ? {} : { sharesWeightsOf: prefix + l.sharesWeightsOf };
  return { ...l, name, config, inputs: l.inputs.map(rename), ...shares };
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
