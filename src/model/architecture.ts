/**
 * A checkpoint's topology as a small graph of supported layers, with each layer's weights
 * matched to the manifest. Sequential and functional models, as tfjs-layers, Keras 2 and
 * Keras 3 (class_name "Functional", "module"/"registered_name" fields, {args, kwargs}
 * inbound nodes, batch_shape) serialize them; models used as layers are flattened into the
 * graph, their layers named by path (nested-models.ts).
 */
import type { Checkpoint } from '../io/types.js';
import { inputError, unsupportedError } from '../errors.js';
import { SUPPORTED_LAYERS, cfg, layerOp, type ParamDecl } from './layer-ops.js';
import { checkArchitecture, checkUniqueNames } from './architecture-check.js';
import { checkLayerConfig } from './layer-config-check.js';
import type { WiredLayer } from './functional-layers.js';
import { checkNestedInputs, flattenModel, type NestedBlock } from './nested-models.js';
import { assignWeights } from './weight-matching.js';
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
  /** The layer that reads the model input (its InputLayer, or a Sequential's first layer). */
  inputName?: string;
  /** Nodes in execution order; the last is the output. */
  nodes: LayerNode[];
  output: string;
  /** Models used as layers, flattened into `nodes` (whose names are paths under these). */
  blocks?: NestedBlock[];
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
  const { layers: raw, input, output, blocks } = flattenModel(topo, file);
  raw.forEach((l) => checkCustom(l, file));
  const nodes = raw.map((l) => toNode(l, file));
  checkUniqueNames(nodes, file);
  const order = topoOrder(nodes, file);
  checkFeedsOutput(order, output, file);
  assignWeights(nodes, ckpt.weights, file);
  // the input shape is the input layer's (a functional model's named InputLayer, or the first nested model's)
  const inputShape = findInputShape([...raw.filter((l) => layerName(l) === input), ...raw], file, topo.config?.build_input_shape);
  const arch = { name: topo.config?.name ?? 'model', inputShape, inputName: input, nodes: order, output: order[order.length - 1].name, blocks };
  // the endpoints and references were checked level by level while flattening (functional-layers.ts);
  // the raw topology's names are not the flattened graph's, so the check reads the graph alone
  const shapes = checkArchitecture(arch, { ...ckpt, modelTopology: undefined });
  checkNestedInputs(order, shapes, file);
  return arch;
}

function toNode(l: WiredLayer, file: string): LayerNode {
  if (!layerOp(l.class_name)) throw unsupportedError(`layer "${layerName(l)}" of type ${JSON.stringify(l.class_name)} is not supported; supported: ${SUPPORTED_LAYERS.join(', ')}`, file);
  if (layerName(l) === '') throw inputError(file, `a ${l.class_name} layer has an empty name; layers are referred to by name`);
  checkKeras3Fields(l, file);
  const node = { name: layerName(l), className: l.class_name, config: l.config ?? {}, inputs: l.inputs, weights: [] };
  checkLayerConfig(node, file);
  return node;
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
