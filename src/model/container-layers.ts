/**
 * The layers of one container — a Sequential, Model or Functional config, at the top of a
 * checkpoint or nested in one as a layer — each wired to the layers it reads ("" for the
 * container's own input), with the container's input and output layer names.
 */
import { inputError } from '../errors.js';
import { functionalLayers, type FunctionalLayers, type WiredLayer } from './functional-layers.js';
import { checkLayerEntries, layerName, type RawLayer } from './keras-topology.js';

export function containerLayers(topo: { class_name: string; config: any }, file: string, where = ''): FunctionalLayers {
  return topo.class_name === 'Sequential' ? sequentialLayers(topo, file, where) : functionalLayers(topo, file, where);
}

/** A Sequential model as a chain: each layer reads the one before it; the first reads the model input. */
function sequentialLayers(topo: any, file: string, where: string): FunctionalLayers {
  const layers: RawLayer[] = Array.isArray(topo.config) ? topo.config : topo.config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw inputError(file, `${where}Sequential model has no layers`);
  checkLayerEntries(layers, file, where);
  const wired: WiredLayer[] = layers.map((l, i) => ({ ...l, inputs: i === 0 ? [''] : [layerName(layers[i - 1])] }));
  return { layers: wired, input: layerName(layers[0]), output: layerName(layers[layers.length - 1]) };
}
