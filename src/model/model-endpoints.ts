/**
 * A model's endpoints: the sources its inputs are read from, and its outputs named as the data
 * and the summaries name them. An output is named after its layer; a recurrent layer's state
 * (tensor k ≥ 1 of a SimpleRNN, LSTM or GRU with return_state: h, then c for an LSTM) is named
 * "<layer>.<k>" (lstm_3.1, lstm_3.2).
 */
import { inputError, unsupportedError } from '../errors.js';
import { MODEL_CLASSES, layerName, type RawLayer } from './keras-topology.js';

/** One entry of input_layers / output_layers: [name, node index, tensor index]. */
export interface Endpoint {
  name: unknown;
  node: unknown;
  tensor: unknown;
  raw: unknown;
}

/** One model output: its name, the (flattened) layer computing it, and which of its tensors. */
export interface OutputEndpoint {
  name: string;
  layer: string;
  tensor: number;
}

/** State tensors a recurrent layer with return_state adds after its output. */
const STATE_TENSORS: Record<string, number> = { SimpleRNN: 1, LSTM: 2, GRU: 1 };

/**
 * How many tensors follow a layer's output: 1 (h) or 2 (h, c) for a recurrent layer with return_state; a model used as a layer with
 * several outputs, one per further output (nested-models.ts reads them); else 0.
 */
export const stateTensors = (className: string, config: any): number =>
  MODEL_CLASSES.has(className)
    ? Math.max(0, endpointList(config?.output_layers).length - 1)
    : config?.return_state === true
      ? (STATE_TENSORS[className] ?? 0)
      : 0;

/** The graph source model input k is read from: "" for the first (as a one-input model), a name no layer can have for the others. */
export const inputKey = (k: number): string => (k === 0 ? '' : `\u0000input${k}`);

/** Whether `name` is a model input source rather than a layer. */
export const isInputKey = (name: string): boolean => name === '' || name.startsWith('\u0000input');

/** The key under which a forward pass keeps tensor `tensor` of layer `layer` (a node input reading a state is such a key). */
export const tensorKey = (layer: string, tensor: number): string => (tensor === 0 ? layer : `${layer}\u0000${tensor}`);

/** The layer a node input reads: the key itself, or the layer of a state key (model input keys are returned as they are). */
export const refLayer = (key: string): string => {
  const cut = key.indexOf('\u0000');
  return cut > 0 ? key.slice(0, cut) : key;
};

/** Whether node input `key` reads a recurrent layer's state tensor rather than a layer's output. */
export const isStateKey = (key: string): boolean => key.indexOf('\u0000') > 0;

/** input_layers / output_layers → entries: [[name, 0, 0], …], or Keras 3's bare [name, 0, 0] for one tensor. */
export function endpointList(v: unknown): Endpoint[] {
  if (!Array.isArray(v)) return [];
  const entries: unknown[] = typeof v[0] === 'string' ? [v] : v;
  return entries.map((e) => (Array.isArray(e) ? { name: e[0], node: e[1], tensor: e[2], raw: e } : { name: e, node: 0, tensor: 0, raw: e }));
}

/** The node that call `node` of `layer` is in the graph (functional-layers.ts), or null when the layer has no such call. */
type CallNode = (layer: RawLayer | undefined, node: unknown) => string | null;

/** An output_layers entry checked: an existing layer's call, and tensor 0 or one of its return_state states. */
export function outputEndpoint(e: Endpoint, byName: Map<string, RawLayer>, file: string, where: string, callNode: CallNode): OutputEndpoint {
  const layer = typeof e.name === 'string' ? byName.get(e.name) : undefined;
  if (!layer) throw inputError(file, `${where}output_layers names unknown layer ${typeof e.name === 'string' ? `"${e.name}"` : JSON.stringify(e.name)}`);
  const tensor = e.tensor ?? 0;
  const at = callNode(layer, e.node);
  if (at === null || !Number.isSafeInteger(tensor) || (tensor as number) < 0) {
    throw inputError(
      file,
      `${where}output_layers entry ${JSON.stringify(e.raw)}: node and tensor index must be 0, or name a call of a shared layer and its output tensor`,
    );
  }
  const k = tensor as number;
  if (k > 0) {
    const states = stateTensors(layer.class_name, layer.config);
    if (where !== '' || states === 0) {
      throw inputError(
        file,
        `${where}output_layers entry ${JSON.stringify(e.raw)}: node and tensor index must be 0 (layer "${layerName(layer)}" (${layer.class_name}) has one output tensor)`,
      );
    }
    if (k > states)
      throw unsupportedError(
        `${where}output_layers entry ${JSON.stringify(e.raw)}: layer "${layerName(layer)}" (${layer.class_name}) returns ${1 + states} tensors (its output and return_state's states); tensor ${k} is not one of them`,
        file,
      );
  }
  return { name: k === 0 ? at : `${at}.${k}`, layer: at, tensor: k };
}
