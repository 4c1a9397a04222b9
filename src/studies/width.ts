/**
 * "The same architecture at width w": every hidden Dense layer (each Dense except the model's
 * output layer) gets `units = w` in the topology JSON, and every weight whose shape follows from
 * those widths is re-shaped — the next Dense kernel's input axis, and BatchNormalization
 * parameters on a widened feature axis. The new weights are zeros: a width-changed model must be
 * re-initialised from a seed (`init` other than 'checkpoint'). Weightless layers (activations,
 * dropout, Flatten…) pass the width through; other layers with weights (Conv2D) fed by a widened
 * layer, and merges of widened layers, are refused as unsupported.
 */
import type { Checkpoint } from '../io/types.js';
import { parseArchitecture } from '../model/architecture.js';
import { cfg } from '../model/layer-ops.js';
import { unsupportedError, optionError } from '../errors.js';

export function withHiddenWidth(ckpt: Checkpoint, width: number): Checkpoint {
  if (!Number.isInteger(width) || width < 1) throw optionError('widths', `each width must be an integer ≥ 1, got ${width}`);
  const arch = parseArchitecture(ckpt);
  const topology = structuredClone(ckpt.modelTopology);
  const configs = layerConfigs(topology);
  const weights = ckpt.weights.slice();
  const widened = new Map<string, number>(); // node name → its new output width
  const widenedInput = (inputs: string[]) => inputs.map((i) => widened.get(i)).find((w) => w !== undefined);
  for (const node of arch.nodes) {
    const inW = widenedInput(node.inputs);
    if (node.inputs.filter((i) => widened.has(i)).length > 1 || (inW !== undefined && node.inputs.length > 1)) {
      throw unsupportedError(`--widths: layer "${node.name}" merges a widened layer; only chains of Dense layers can change width`, ckpt.path);
    }
    const reshape = (index: number, shape: number[]) =>
      (weights[index] = { spec: { ...weights[index].spec, shape }, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    if (node.className === 'Dense') {
      const hidden = node.name !== arch.output;
      const units = hidden ? width : cfg<number>(node.config, 'units', 0);
      if (hidden) configs.get(node.name)!.units = width;
      for (const w of node.weights) {
        if (w.param === 'kernel') reshape(w.index, [inW ?? w.shape[0], units]);
        else if (w.param === 'bias') reshape(w.index, [units]);
      }
      if (hidden) widened.set(node.name, width);
    } else if (inW !== undefined) {
      if (node.className === 'BatchNormalization') for (const w of node.weights) reshape(w.index, [inW]);
      else if (node.weights.length > 0)
        throw unsupportedError(
          `--widths: layer "${node.name}" (${node.className}) follows a widened Dense layer; only Dense and BatchNormalization can`,
          ckpt.path,
        );
      widened.set(node.name, inW);
    }
  }
  return { ...ckpt, modelTopology: topology, weights };
}

/** Layer name → its (mutable) config object inside a topology. */
function layerConfigs(topology: any): Map<string, any> {
  const topo = topology?.model_config ?? topology;
  const layers: any[] = Array.isArray(topo.config) ? topo.config : (topo.config?.layers ?? []);
  return new Map(layers.map((l) => [String(l.config?.name ?? l.name), l.config]));
}
