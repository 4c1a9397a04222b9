/**
 * A checkpoint's topology as a small graph of supported layers, with each layer's weights
 * matched to the manifest. Sequential and functional models, as tfjs-layers, Keras 2 and
 * Keras 3 (class_name "Functional", "module"/"registered_name" fields, {args, kwargs}
 * inbound nodes, batch_shape) serialize them.
 */
import type { Checkpoint, CheckpointWeight } from '../io/types.js';
import { inputError, unsupportedError } from '../errors.js';
import { LAYER_OPS, SUPPORTED_LAYERS, cfg, layerOp, type ParamDecl } from './layer-ops.js';
import { checkArchitecture, checkUniqueNames } from './architecture-check.js';
import { checkLayerConfig } from './layer-config-check.js';
import { functionalLayers, type FunctionalLayers, type WiredLayer } from './functional-layers.js';
import { checkFeedsOutput, topoOrder } from './topo-order.js';

export interface LayerWeight extends ParamDecl {
  /** Index into checkpoint.weights. */
  index: number;
  name: string;
  shape: number[];
}

export interface LayerNode {
  name: string;
  className: string;
  config: any;
  /** Names of the nodes feeding this one ("" for the model input). */
  inputs: string[];
  weights: LayerWeight[];
}

export interface Architecture {
  name: string;
  /** Per-sample input shape (no batch axis). */
  inputShape: number[];
  /** Nodes in execution order; the last is the output. */
  nodes: LayerNode[];
  output: string;
}

import { checkCustom, checkKeras3Fields, layerName, type RawLayer } from './keras-topology.js';

export function parseArchitecture(ckpt: Checkpoint): Architecture {
  const file = ckpt.path;
  let topo = ckpt.modelTopology;
  if (topo?.model_config) topo = topo.model_config;
  const cls = topo?.class_name;
  if (!topo || typeof cls !== 'string') throw inputError(file, 'modelTopology has no class_name (expected a Keras/tfjs-layers model config: Sequential, Model or Functional)');
  if (cls !== 'Sequential' && cls !== 'Model' && cls !== 'Functional') {
    throw unsupportedError(`modelTopology "class_name": "${cls}" is not a Sequential, Model or Functional model (a subclassed model cannot be loaded from its config)`, file);
  }
  const { layers: raw, input, output } = cls === 'Sequential' ? sequentialLayers(topo, file) : functionalLayers(topo, file);
  raw.forEach((l) => checkCustom(l, file));
  const nodes = raw.map((l) => toNode(l, file));
  checkUniqueNames(nodes, file);
  const order = topoOrder(nodes, file);
  checkFeedsOutput(order, output, file);
  assignWeights(nodes, ckpt.weights, file);
  // the input shape is the input layer's (a functional model's named InputLayer)
  const inputShape = findInputShape([...raw.filter((l) => layerName(l) === input), ...raw], file, topo.config?.build_input_shape);
  const arch = { name: topo.config?.name ?? 'model', inputShape, nodes: order, output: order[order.length - 1].name };
  checkArchitecture(arch, ckpt); // configs vs weights, shapes, activation bounds (architecture-check.ts)
  return arch;
}

/** A Sequential model as a chain: each layer reads the one before it; the first reads the model input. */
function sequentialLayers(topo: any, file: string): FunctionalLayers {
  const layers: RawLayer[] = Array.isArray(topo.config) ? topo.config : topo.config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw inputError(file, 'Sequential model has no layers');
  const wired: WiredLayer[] = layers.map((l, i) => ({ ...l, inputs: i === 0 ? [''] : [layerName(layers[i - 1])] }));
  return { layers: wired, input: layerName(layers[0]), output: layerName(layers[layers.length - 1]) };
}

function toNode(l: WiredLayer, file: string): LayerNode {
  if (!layerOp(l.class_name)) throw unsupportedError(`layer "${layerName(l)}" of type ${JSON.stringify(l.class_name)} is not supported; supported: ${SUPPORTED_LAYERS.join(', ')}`, file);
  if (layerName(l) === '') throw inputError(file, `a ${l.class_name} layer has an empty name; layers are referred to by name`);
  checkKeras3Fields(l, file);
  const node = { name: layerName(l), className: l.class_name, config: l.config ?? {}, inputs: l.inputs, weights: [] };
  checkLayerConfig(node, file);
  return node;
}

function assignWeights(nodes: LayerNode[], weights: CheckpointWeight[], file: string): void {
  const byName = new Map<string, number>();
  weights.forEach((w, i) => w.spec.group !== 'optimizer' && byName.set(w.spec.name.replace(/:0$/, ''), i));
  // optimizer state (saved with includeOptimizer) is never a layer weight
  const used = new Set<number>(weights.flatMap((w, i) => (w.spec.group === 'optimizer' ? [i] : [])));
  let cursor = 0;
  for (const node of nodes) {
    const frozen = cfg<boolean>(node.config, 'trainable', true) === false;
    for (const decl of LAYER_OPS[node.className].params(node.config)) {
      let idx = lookup(byName, node.name, decl.param);
      if (idx === undefined) {
        while (used.has(cursor)) cursor++;
        idx = cursor; // positional fallback: the manifest lists weights in layer order
      }
      const w = weights[idx];
      if (!w) throw inputError(file, `weightsManifest has no weight for ${node.name}/${decl.param}`);
      used.add(idx);
      node.weights.push({ ...decl, trainable: decl.trainable && !frozen, index: idx, name: w.spec.name, shape: w.spec.shape });
    }
  }
  const unused = weights.filter((w, i) => !used.has(i) && w.spec.group !== 'optimizer');
  if (unused.length > 0) {
    const extra = unused.map((w) => w.spec.name);
    throw inputError(file, `weightsManifest lists weights no layer uses: ${extra.slice(0, 5).join(', ')}`);
  }
}

function lookup(byName: Map<string, number>, layer: string, param: string): number | undefined {
  const exact = byName.get(`${layer}/${param}`);
  if (exact !== undefined) return exact;
  for (const [name, i] of byName) {
    const t = name.split('/');
    if (t.length >= 2 && t[t.length - 1] === param && t.slice(0, -1).includes(layer)) return i;
  }
  return undefined;
}

function findInputShape(layers: RawLayer[], file: string, buildInputShape?: unknown): number[] {
  for (const l of layers) {
    const s = cfg<(number | null)[] | null>(l.config, 'batch_input_shape', null) ?? cfg<(number | null)[] | null>(l.config, 'batch_shape', null);
    if (s) return perSample(s, file, `layer "${layerName(l)}" ${l.config?.batch_shape ? 'batch_shape' : 'batch_input_shape'}`);
  }
  // Keras 3 Sequential models built without an Input layer record only build_input_shape
  if (Array.isArray(buildInputShape)) return perSample(buildInputShape, file, 'build_input_shape');
  throw inputError(file, 'no input shape found in the topology (no batch_input_shape, batch_shape or build_input_shape)');
}

function perSample(s: unknown[], file: string, field: string): number[] {
  return s.slice(1).map((d) => {
    if (d === null) throw unsupportedError(`${field} ${JSON.stringify(s)}: inputs with unknown (null) non-batch dimensions are not supported`, file);
    if (!Number.isInteger(d) || (d as number) < 1) throw inputError(file, `${field} ${JSON.stringify(s)} is not a list of positive integers`);
    return d as number;
  });
}
