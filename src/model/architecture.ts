/**
 * A checkpoint's topology as a small graph of supported layers, with each layer's weights
 * matched to the manifest. Sequential and functional models, as tfjs-layers, Keras 2 and
 * Keras 3 (class_name "Functional", "module"/"registered_name" fields, {args, kwargs}
 * inbound nodes, batch_shape) serialize them; models used as layers are flattened into the
 * graph, their layers named by path (nested-models.ts). A functional model may have several
 * inputs and outputs (model-io.ts); an input dimension saved as null takes the data's length.
 */
import type { Checkpoint } from '../io/types.js';
import { inputError, unsupportedError } from '../errors.js';
import { SUPPORTED_LAYERS, layerOp, type ParamDecl } from './layer-ops.js';
import { checkArchitecture, checkUniqueNames } from './architecture-check.js';
import { checkLayerConfig } from './layer-config-check.js';
import type { WiredLayer } from './functional-layers.js';
import { checkNestedInputs, flattenModel, type NestedBlock } from './nested-models.js';
import { assignWeights } from './weight-matching.js';
import { checkFeedsOutput, topoOrder } from './topo-order.js';
import { modelInputs, modelOutputs, selectOutput, type ModelInput } from './model-io.js';
import type { OutputEndpoint } from './model-endpoints.js';
import { checkCustom, checkKeras3Fields, layerName } from './keras-topology.js';

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
  /** Names of the nodes feeding this one ("" for the model input; see model-endpoints.ts inputKey for the others). */
  inputs: string[];
  weights: LayerWeight[];
  /** A shared layer's later call (name@n): the node whose weights it reads; its own entries are those weights again. */
  sharesWeightsOf?: string;
}

/** A model's architecture as losslens reads it from the topology: its name, input shape, layer graph, outputs and nested blocks. */
export interface Architecture {
  name: string;
  /** Per-sample shape of the first input (no batch axis). */
  inputShape: number[];
  /** The layer that reads the model input (its InputLayer, or a Sequential's first layer). */
  inputName?: string;
  /** Nodes in execution order. */
  nodes: LayerNode[];
  /** The layer computing the (first) output. */
  output: string;
  /** Every model input, in input_layers order (one for a Sequential); absent on hand-built one-input graphs. */
  inputs?: ModelInput[];
  /** The outputs analysed, in output_layers order: all, or the one `--output` chose; absent on hand-built one-output graphs. */
  outputs?: OutputEndpoint[];
  /** Every output the model has (equal to `outputs` unless one was chosen). */
  allOutputs?: OutputEndpoint[];
  /** Models used as layers, flattened into `nodes` (whose names are paths under these). */
  blocks?: NestedBlock[];
}

/** The model inputs (a hand-built graph without `inputs`: its one input). */
export const inputsOf = (arch: Architecture): ModelInput[] =>
  arch.inputs ?? [{ name: arch.inputName ?? 'input', key: '', shape: arch.inputShape, declared: arch.inputShape }];

/** The analysed outputs (a hand-built graph without `outputs`: its one output layer). */
export const outputsOf = (arch: Architecture): OutputEndpoint[] => arch.outputs ?? [{ name: arch.output, layer: arch.output, tensor: 0 }];

/** Several inputs or outputs, or an output that is a layer's state tensor: the paths that read `inputShape` and `output` alone do not apply. */
export const isMultiIO = (arch: Architecture): boolean => inputsOf(arch).length > 1 || outputsOf(arch).length > 1 || outputsOf(arch)[0]!.tensor !== 0;

export function parseArchitecture(ckpt: Checkpoint): Architecture {
  const file = ckpt.path;
  let topo = ckpt.modelTopology;
  if (topo?.model_config) topo = topo.model_config;
  const cls = topo?.class_name;
  if (!topo || typeof cls !== 'string')
    throw inputError(file, 'modelTopology has no class_name (expected a Keras/tfjs-layers model config: Sequential, Model or Functional)');
  if (cls !== 'Sequential' && cls !== 'Model' && cls !== 'Functional') {
    throw unsupportedError(
      `modelTopology "class_name": "${cls}" is not a Sequential, Model or Functional model (a subclassed model cannot be loaded from its config)`,
      file,
    );
  }
  const { layers: raw, input, blocks } = flattenModel(topo, file);
  raw.forEach((l) => checkCustom(l, file));
  const nodes = raw.map((l) => toNode(l, file));
  checkUniqueNames(nodes, file);
  const order = topoOrder(nodes, file);
  const allOutputs = modelOutputs(topo, blocks, order, file);
  checkFeedsOutput(
    order,
    allOutputs.map((o) => o.layer),
    file,
  );
  assignWeights(nodes, ckpt.weights, file);
  const inputs = modelInputs(topo, raw, input, file, ckpt.io?.inputShapes);
  const outputs = selectOutput(allOutputs, ckpt.io?.output, file);
  const arch: Architecture = {
    name: topo.config?.name ?? 'model',
    inputShape: inputs[0]!.shape,
    inputName: input,
    nodes: order,
    output: outputs[0]!.layer,
    inputs,
    outputs,
    allOutputs,
    blocks,
  };
  // the endpoints and references were checked level by level while flattening (functional-layers.ts);
  // the raw topology's names are not the flattened graph's, so the check reads the graph alone
  const shapes = checkArchitecture(arch, { ...ckpt, modelTopology: undefined });
  checkNestedInputs(order, shapes, file);
  return arch;
}

function toNode(l: WiredLayer, file: string): LayerNode {
  if (!layerOp(l.class_name))
    throw unsupportedError(`layer "${layerName(l)}" of type ${JSON.stringify(l.class_name)} is not supported; supported: ${SUPPORTED_LAYERS.join(', ')}`, file);
  if (layerName(l) === '') throw inputError(file, `a ${l.class_name} layer has an empty name; layers are referred to by name`);
  checkKeras3Fields(l, file);
  const shares = l.sharesWeightsOf === undefined ? {} : { sharesWeightsOf: l.sharesWeightsOf };
  const node = { name: layerName(l), className: l.class_name, config: l.config ?? {}, inputs: l.inputs, weights: [], ...shares };
  checkLayerConfig(node, file);
  return node;
}
