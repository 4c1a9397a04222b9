/**
 * A functional model's layers with the layers each one reads, and its endpoints: input_layers and
 * output_layers are what the model computes, so they are checked against the layers rather than
 * assumed (an output_layers naming an inner layer, or an input_layers naming a Dense layer, would
 * otherwise be ignored and the last head's loss reported). One input and one output.
 */
import { inputError, unsupportedError } from '../errors.js';
import { inboundNames, layerName, type RawLayer } from './keras-topology.js';

export type WiredLayer = RawLayer & { inputs: string[] };

/** One entry of input_layers / output_layers: [name, node index, tensor index]. */
interface Endpoint { name: unknown; node: unknown; tensor: unknown; raw: unknown }

export interface FunctionalLayers {
  layers: WiredLayer[];
  /** The InputLayer named in input_layers. */
  input: string;
  /** The layer named in output_layers: the model's output. */
  output: string;
}

export function functionalLayers(topo: any, file: string): FunctionalLayers {
  const c = topo.config;
  if (!Array.isArray(c?.layers)) throw inputError(file, `${topo.class_name} model has no layers`);
  const ins = endpointList(c.input_layers);
  const outs = endpointList(c.output_layers);
  if (ins.length !== 1 || outs.length !== 1) {
    throw unsupportedError(`only models with one input and one output are supported (this one has ${ins.length} input_layers, ${outs.length} output_layers)`, file);
  }
  const byName = new Map<string, RawLayer>();
  for (const l of c.layers as RawLayer[]) byName.set(layerName(l), l);
  const input = checkEndpoint(ins[0], 'input_layers', byName, file);
  const output = checkEndpoint(outs[0], 'output_layers', byName, file);
  if (byName.get(input)!.class_name !== 'InputLayer') {
    throw inputError(file, `input_layers names layer "${input}" (${byName.get(input)!.class_name}); a model's input must be an InputLayer`);
  }
  const layers = (c.layers as RawLayer[]).map((l): WiredLayer => {
    const nodes = l.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw inputError(file, `layer "${layerName(l)}": "inbound_nodes" must be a list, got ${JSON.stringify(nodes).slice(0, 80)}`);
    if (nodes.length > 1) throw unsupportedError(`layer "${layerName(l)}" is shared (called ${nodes.length} times)`, file);
    if (l.class_name === 'InputLayer') {
      if (layerName(l) !== input) throw unsupportedError(`layer "${layerName(l)}" is an InputLayer that input_layers does not name (input_layers: "${input}"); only models with one input are supported`, file);
      return { ...l, inputs: [''] };
    }
    const inputs = inboundNames(nodes[0], l, file);
    if (inputs.length === 0) throw inputError(file, `layer "${layerName(l)}" (${l.class_name}) has no inbound_nodes: nothing feeds it`);
    return { ...l, inputs };
  });
  return { layers, input, output };
}

/** input_layers / output_layers → entries: [[name, 0, 0], …], or Keras 3's bare [name, 0, 0] for one tensor. */
function endpointList(v: unknown): Endpoint[] {
  if (!Array.isArray(v)) return [];
  const entries: unknown[] = typeof v[0] === 'string' ? [v] : v;
  return entries.map((e) => (Array.isArray(e) ? { name: e[0], node: e[1], tensor: e[2], raw: e } : { name: e, node: 0, tensor: 0, raw: e }));
}

/** The entry's layer name, once it names an existing layer at node 0, tensor 0. */
function checkEndpoint(e: Endpoint, field: string, byName: Map<string, RawLayer>, file: string): string {
  if (typeof e.name !== 'string' || !byName.has(e.name)) {
    throw inputError(file, `${field} names unknown layer ${typeof e.name === 'string' ? `"${e.name}"` : JSON.stringify(e.name)}`);
  }
  if ((e.node ?? 0) !== 0 || (e.tensor ?? 0) !== 0) {
    throw inputError(file, `${field} entry ${JSON.stringify(e.raw)}: node and tensor index must be 0 (shared layers are not supported)`);
  }
  return e.name;
}
