/**
 * A functional model's layers with the layers each one reads, and its endpoints: input_layers and
 * output_layers are what the model computes, so they are checked against the layers rather than
 * assumed (an output_layers naming an inner layer, or an input_layers naming a Dense layer, would
 * otherwise be ignored and the last head's loss reported). A model, top-level or used as a layer,
 * may have several inputs and outputs (nested-models.ts wires a nested one's).
 *
 * A reference [name, node, tensor] names one call of a layer. A layer called k times (a shared
 * layer) lists k inbound nodes; call n ≥ 1 becomes a node of its own, named sharedCallName (name@n),
 * reading the first call's weights. A model used as a layer is called once here (a second call is
 * refused), but its node index is any n ≥ 0: tfjs-layers, Keras 2 and Keras 3's output_layers count
 * the nested model's own construction as node 0 (["encoder", 1, 0]), Keras 3's inbound nodes do not.
 * An output may be a recurrent layer's state (tensor k ≥ 1 of an LSTM with return_state), and so
 * may a layer's input: a decoder RNN called with initial_state reads [x, h0, c0], its inputs wired
 * to the state keys (model-endpoints.ts tensorKey) that the forward pass fills.
 */
import { inputError, unsupportedError } from '../errors.js';
import { MODEL_CLASSES, checkLayerEntries, inboundRefs, layerName, type InboundRef, type RawLayer } from './keras-topology.js';
import { endpointList, inputKey, outputEndpoint, stateTensors, tensorKey, type Endpoint, type OutputEndpoint } from './model-endpoints.js';

/** A layer call with the graph keys it reads; a shared layer's later calls name the layer whose weights they use. */
export type WiredLayer = RawLayer & { inputs: string[]; sharesWeightsOf?: string };

/** The node of call n of a layer: its own name for call 0, "name@n" for a shared layer's later calls. */
export const sharedCallName = (name: string, n: number): string => (n === 0 ? name : `${name}@${n}`);

export interface FunctionalLayers {
  layers: WiredLayer[];
  /** The first InputLayer named in input_layers. */
  input: string;
  /** The first layer named in output_layers. */
  output: string;
  /** Every InputLayer of input_layers, in its order (input k reads the source inputKey(k)). */
  inputs?: string[];
  /** Every entry of output_layers, in its order. */
  outputs?: OutputEndpoint[];
}

/** `where` prefixes every fault (e.g. 'in nested model "encoder": '). */
export function functionalLayers(topo: any, file: string, where = ''): FunctionalLayers {
  const c = topo.config;
  if (!Array.isArray(c?.layers)) throw inputError(file, `${where}${topo.class_name} model has no layers`);
  checkLayerEntries(c.layers, file, where);
  const ins = endpointList(c.input_layers);
  const outs = endpointList(c.output_layers);
  if (ins.length === 0 || outs.length === 0) {
    throw unsupportedError(
      `${where}a model needs input_layers and output_layers (this one has ${ins.length} input_layers, ${outs.length} output_layers)`,
      file,
    );
  }
  const byName = new Map<string, RawLayer>();
  for (const l of c.layers as RawLayer[]) {
    if (byName.has(layerName(l))) throw inputError(file, `${where}two layers are both named "${layerName(l)}"; layer names must be unique`);
    byName.set(layerName(l), l);
  }
  const inputs = ins.map((e) => checkInput(e, byName, file, where));
  const twice = inputs.find((name, k) => inputs.indexOf(name) !== k);
  if (twice !== undefined) throw inputError(file, `${where}input_layers lists "${twice}" twice`);
  const outputs = outs.map((e) => outputEndpoint(e, byName, file, where, callNode));
  const layers = (c.layers as RawLayer[]).flatMap((l) => wire(l, inputs, byName, file, where));
  return { layers, input: inputs[0], output: outputs[0].layer, inputs, outputs };
}

function checkInput(e: Endpoint, byName: Map<string, RawLayer>, file: string, where: string): string {
  const input = checkEndpoint(e, 'input_layers', byName, file, where);
  if (byName.get(input)!.class_name !== 'InputLayer') {
    throw inputError(file, `${where}input_layers names layer "${input}" (${byName.get(input)!.class_name}); a model's input must be an InputLayer`);
  }
  return input;
}

/** One node per call of a layer, with the keys it reads: input k's InputLayer reads inputKey(k). */
function wire(l: RawLayer, inputs: string[], byName: Map<string, RawLayer>, file: string, where: string): WiredLayer[] {
  const nodes = l.inbound_nodes ?? [];
  if (!Array.isArray(nodes))
    throw inputError(file, `${where}layer "${layerName(l)}": "inbound_nodes" must be a list, got ${JSON.stringify(nodes).slice(0, 80)}`);
  if (nodes.length > 1 && (MODEL_CLASSES.has(l.class_name) || l.class_name === 'InputLayer'))
    throw unsupportedError(
      `${where}layer "${layerName(l)}" is shared (called ${nodes.length} times) but is a ${l.class_name}: a model or InputLayer used by several calls is not supported (a shared layer is)`,
      file,
    );
  if (l.class_name === 'InputLayer') {
    const k = inputs.indexOf(layerName(l));
    if (k < 0)
      throw unsupportedError(
        `${where}layer "${layerName(l)}" is an InputLayer that input_layers does not name (input_layers: ${inputs.map((i) => `"${i}"`).join(', ')})`,
        file,
      );
    return [{ ...l, inputs: [inputKey(k)] }];
  }
  if (nodes.length === 0) throw inputError(file, `${where}layer "${layerName(l)}" (${l.class_name}) has no inbound_nodes: nothing feeds it`);
  return nodes.map((node, n) => {
    const refs = inboundRefs(node, l, file);
    if (refs.length === 0) throw inputError(file, `${where}layer "${layerName(l)}" (${l.class_name}) has no inbound_nodes: nothing feeds it`);
    const ins = refs.map((r) => checkReference(r, l, byName, file, where));
    if (n === 0) return { ...l, inputs: ins };
    const name = sharedCallName(layerName(l), n);
    return { ...l, name, config: { ...l.config, name }, inputs: ins, sharesWeightsOf: layerName(l) };
  });
}

/**
 * The node a reference's call index names: call n of a layer called more than n times, or any
 * n ≥ 0 of a nested model (its one call, see above); null when the layer has no such call.
 */
function callNode(layer: RawLayer | undefined, node: unknown): string | null {
  const n = node ?? 0;
  if (layer === undefined || !Number.isSafeInteger(n) || (n as number) < 0) return null;
  if (MODEL_CLASSES.has(layer.class_name)) return layerName(layer);
  const calls = Array.isArray(layer.inbound_nodes) ? Math.max(1, layer.inbound_nodes.length) : 1;
  return (n as number) < calls ? sharedCallName(layerName(layer), n as number) : null;
}

/** The entry's layer name, once it names an existing layer's one call and first tensor. */
function checkEndpoint(e: Endpoint, field: string, byName: Map<string, RawLayer>, file: string, where: string): string {
  if (typeof e.name !== 'string' || !byName.has(e.name)) {
    throw inputError(file, `${where}${field} names unknown layer ${typeof e.name === 'string' ? `"${e.name}"` : JSON.stringify(e.name)}`);
  }
  if ((e.node ?? 0) !== 0 || (e.tensor ?? 0) !== 0)
    throw inputError(file, `${where}${field} entry ${JSON.stringify(e.raw)}: node and tensor index must be 0 (an input is its InputLayer's one tensor)`);
  return e.name;
}

/**
 * One reference [name, node, tensor] a layer reads, checked: an existing call's output, or state
 * k ≥ 1 of a recurrent layer with return_state (an initial state); returns its graph key.
 */
function checkReference(r: InboundRef, l: RawLayer, byName: Map<string, RawLayer>, file: string, where: string): string {
  const src = byName.get(r.name);
  const at = callNode(src, r.node);
  const shown = JSON.stringify([r.name, r.node, r.tensor]);
  const k = r.tensor ?? 0;
  const states = src ? stateTensors(src.class_name, src.config) : 0;
  if (at === null || (k !== 0 && (states === 0 || !Number.isSafeInteger(k) || (k as number) < 1))) {
    throw inputError(file, `${where}layer "${layerName(l)}" takes input ${shown}: ${refProblem(src, r.node)}`);
  }
  if (k === 0) return at;
  if ((k as number) > states)
    throw inputError(
      file,
      `${where}layer "${layerName(l)}" takes input ${shown}: layer "${r.name}" (${src!.class_name}) returns ${1 + states} tensors (its output and return_state's states); tensor ${k} is not one of them`,
    );
  return tensorKey(at, k as number);
}

/** Why a reference names no tensor: the calls a shared layer has, else the one call and tensor a layer has. */
function refProblem(src: RawLayer | undefined, node: unknown): string {
  if (src === undefined) return 'no layer of that name';
  const calls = src && Array.isArray(src.inbound_nodes) && !MODEL_CLASSES.has(src.class_name) ? src.inbound_nodes.length : 1;
  if (calls > 1)
    return `layer "${layerName(src!)}" is called ${calls} times (nodes 0 to ${calls - 1}) and has one output tensor; node ${JSON.stringify(node)} and that tensor index name none`;
  return 'node and tensor index must be 0 (the layer is called once and has one output tensor)';
}
