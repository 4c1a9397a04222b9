/**
 * A functional model's layers with the layers each one reads, and its endpoints: input_layers and
 * output_layers are what the model computes, so they are checked against the layers rather than
 * assumed (an output_layers naming an inner layer, or an input_layers naming a Dense layer, would
 * otherwise be ignored and the last head's loss reported). A model, top-level or used as a layer,
 * may have several inputs and outputs (nested-models.ts wires a nested one's).
 *
 * A reference [name, node, tensor] names one call of a layer. Without shared layers that is call
 * 0 — except for a model used as a layer: tfjs-layers and Keras 2 count the nested model's own
 * construction as its node 0, so its call in this graph is node 1 (["encoder", 1, 0]). Such a
 * layer is called once here (a second call is refused as sharing), so its node index is any n ≥ 0.
 * An output may be a recurrent layer's state (tensor k ≥ 1 of an LSTM with return_state), and so
 * may a layer's input: a decoder RNN called with initial_state reads [x, h0, c0], its inputs wired
 * to the state keys (model-endpoints.ts tensorKey) that the forward pass fills.
 */
import { inputError, unsupportedError } from '../errors.js';
import { MODEL_CLASSES, checkLayerEntries, inboundRefs, layerName, type InboundRef, type RawLayer } from './keras-topology.js';
import { endpointList, inputKey, outputEndpoint, stateTensors, tensorKey, type Endpoint, type OutputEndpoint } from './model-endpoints.js';

export type WiredLayer = RawLayer & { inputs: string[] };

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
  for (const l of c.layers as RawLayer[]) byName.set(layerName(l), l);
  const inputs = ins.map((e) => checkInput(e, byName, file, where));
  const twice = inputs.find((name, k) => inputs.indexOf(name) !== k);
  if (twice !== undefined) throw inputError(file, `${where}input_layers lists "${twice}" twice`);
  const outputs = outs.map((e) => outputEndpoint(e, byName, file, where, callIndexOk));
  const layers = (c.layers as RawLayer[]).map((l) => wire(l, inputs, byName, file, where));
  return { layers, input: inputs[0], output: outputs[0].layer, inputs, outputs };
}

function checkInput(e: Endpoint, byName: Map<string, RawLayer>, file: string, where: string): string {
  const input = checkEndpoint(e, 'input_layers', byName, file, where);
  if (byName.get(input)!.class_name !== 'InputLayer') {
    throw inputError(file, `${where}input_layers names layer "${input}" (${byName.get(input)!.class_name}); a model's input must be an InputLayer`);
  }
  return input;
}

/** One layer with the names it reads: input k's InputLayer reads inputKey(k). */
function wire(l: RawLayer, inputs: string[], byName: Map<string, RawLayer>, file: string, where: string): WiredLayer {
  const nodes = l.inbound_nodes ?? [];
  if (!Array.isArray(nodes))
    throw inputError(file, `${where}layer "${layerName(l)}": "inbound_nodes" must be a list, got ${JSON.stringify(nodes).slice(0, 80)}`);
  if (nodes.length > 1) throw unsupportedError(`${where}layer "${layerName(l)}" is shared (called ${nodes.length} times)`, file);
  if (l.class_name === 'InputLayer') {
    const k = inputs.indexOf(layerName(l));
    if (k < 0)
      throw unsupportedError(
        `${where}layer "${layerName(l)}" is an InputLayer that input_layers does not name (input_layers: ${inputs.map((i) => `"${i}"`).join(', ')})`,
        file,
      );
    return { ...l, inputs: [inputKey(k)] };
  }
  const refs = inboundRefs(nodes[0], l, file);
  if (refs.length === 0) throw inputError(file, `${where}layer "${layerName(l)}" (${l.class_name}) has no inbound_nodes: nothing feeds it`);
  return { ...l, inputs: refs.map((r) => tensorKey(r.name, checkReference(r, l, byName, file, where))) };
}

/** Whether [name, node, tensor] may name this call of `layer`: tensor 0, and node 0 (any n ≥ 0 for a nested model). */
function callIndexOk(layer: RawLayer | undefined, node: unknown, tensor: unknown): boolean {
  const n = node ?? 0;
  const nodeOk = n === 0 || (layer !== undefined && MODEL_CLASSES.has(layer.class_name) && Number.isSafeInteger(n) && (n as number) >= 0);
  return nodeOk && (tensor ?? 0) === 0;
}

/** The entry's layer name, once it names an existing layer's one call and first tensor. */
function checkEndpoint(e: Endpoint, field: string, byName: Map<string, RawLayer>, file: string, where: string): string {
  if (typeof e.name !== 'string' || !byName.has(e.name)) {
    throw inputError(file, `${where}${field} names unknown layer ${typeof e.name === 'string' ? `"${e.name}"` : JSON.stringify(e.name)}`);
  }
  if (!callIndexOk(byName.get(e.name), e.node, e.tensor)) {
    throw inputError(file, `${where}${field} entry ${JSON.stringify(e.raw)}: node and tensor index must be 0 (shared layers are not supported)`);
  }
  return e.name;
}

/**
 * One reference [name, node, tensor] a layer reads, checked: one call's first tensor, or state k ≥ 1
 * of a recurrent layer with return_state (an initial state); returns the tensor index.
 */
function checkReference(r: InboundRef, l: RawLayer, byName: Map<string, RawLayer>, file: string, where: string): number {
  const src = byName.get(r.name);
  if (callIndexOk(src, r.node, 0) && (r.tensor ?? 0) === 0) return 0;
  const states = src ? stateTensors(src.class_name, src.config) : 0;
  const k = r.tensor;
  if (!callIndexOk(src, r.node, 0) || states === 0 || !Number.isSafeInteger(k) || (k as number) < 1) {
    throw inputError(
      file,
      `${where}layer "${layerName(l)}" takes input ${JSON.stringify([r.name, r.node, r.tensor])}: node and tensor index must be 0 (the model has no shared layers)`,
    );
  }
  if ((k as number) > states)
    throw inputError(
      file,
      `${where}layer "${layerName(l)}" takes input ${JSON.stringify([r.name, r.node, r.tensor])}: layer "${r.name}" (${src!.class_name}) returns ${1 + states} tensors (its output and return_state's states); tensor ${k} is not one of them`,
    );
  return k as number;
}
