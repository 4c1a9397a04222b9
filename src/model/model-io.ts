/**
 * A model's inputs and outputs as the data and the summaries see them: each input's name, graph
 * source and per-sample shape (a dimension saved as null — a sequence's time axis — takes the
 * length the data fixed, see fixInputShapes), and the outputs in output_layers order, a nested
 * model's output m read from its m-th output layer (or state).
 */
import { inputError, optionError, unsupportedError } from '../errors.js';
import { cfg } from './layer-op.js';
import { functionalLayers, type WiredLayer } from './functional-layers.js';
import { inputKey, type OutputEndpoint } from './model-endpoints.js';
import { layerName, type RawLayer } from './keras-topology.js';
import type { NestedBlock } from './nested-models.js';

export interface ModelInput {
  /** The InputLayer's name (a Sequential's first layer when it has none). */
  name: string;
  /** The graph source its InputLayer reads (model-endpoints.ts inputKey). */
  key: string;
  /** Per-sample shape used: the declared one, null dimensions fixed by the data (or NULL_DIM_PROBE without data). */
  shape: number[];
  /** Per-sample shape as saved, null where the model takes any length. */
  declared: (number | null)[];
}

/** The length a null dimension takes before any data fixes it (checks and `info` without data). */
export const NULL_DIM_PROBE = 32;

const isFunctional = (topo: any) => topo.class_name !== 'Sequential';

/** Every model input with its shape; `fixed` (Checkpoint.io.inputShapes) replaces the null dimensions. */
export function modelInputs(topo: any, raw: WiredLayer[], first: string, file: string, fixed?: number[][]): ModelInput[] {
  const names = isFunctional(topo) ? functionalLayers(topo, file).inputs! : [first];
  if (fixed && fixed.length !== names.length) throw inputError(file, `${fixed.length} input shape(s) fixed for a model with ${names.length} input(s)`);
  return names.map((name, k) => {
    // the first input's shape may sit on a nested model's InputLayer or a Sequential's first layer
    const own = raw.filter((l) => layerName(l) === name);
    const declared = declaredShape(k === 0 ? [...own, ...raw] : own, file, topo.config?.build_input_shape);
    return { name, key: inputKey(k), declared, shape: fixShape(declared, fixed?.[k], name, file) };
  });
}

function declaredShape(layers: RawLayer[], file: string, buildInputShape?: unknown): (number | null)[] {
  for (const l of layers) {
    const s = cfg<unknown[] | null>(l.config, 'batch_input_shape', null) ?? cfg<unknown[] | null>(l.config, 'batch_shape', null);
    if (s) return perSample(s, file, `layer "${layerName(l)}" ${l.config?.batch_shape ? 'batch_shape' : 'batch_input_shape'}`);
  }
  // Keras 3 Sequential models built without an Input layer record only build_input_shape
  if (Array.isArray(buildInputShape)) return perSample(buildInputShape, file, 'build_input_shape');
  throw inputError(file, 'no input shape found in the topology (no batch_input_shape, batch_shape or build_input_shape)');
}

function perSample(s: unknown[], file: string, field: string): (number | null)[] {
  if (s.length < 2) throw inputError(file, `${field} ${JSON.stringify(s)} has no per-sample dimensions`);
  return s.slice(1).map((d) => {
    if (d === null) return null;
    if (!Number.isInteger(d) || (d as number) < 1) throw inputError(file, `${field} ${JSON.stringify(s)} is not a list of positive integers (or null)`);
    return d as number;
  });
}

/** The declared shape with its null dimensions taken from `fixed` (which must agree elsewhere), or the probe length. */
function fixShape(declared: (number | null)[], fixed: number[] | undefined, name: string, file: string): number[] {
  if (!fixed) return declared.map((d) => d ?? NULL_DIM_PROBE);
  const fits = fixed.length === declared.length && declared.every((d, i) => Number.isSafeInteger(fixed[i]) && fixed[i]! >= 1 && (d === null || d === fixed[i]));
  if (!fits) throw inputError(file, `input "${name}" takes [${declared.map((d) => d ?? 'null')}] per sample, not [${fixed}]`);
  return fixed.slice();
}

/** The model's outputs in output_layers order (a Sequential: its last layer), named as model-endpoints.ts says. */
export function modelOutputs(topo: any, blocks: NestedBlock[], order: { name: string }[], file: string): OutputEndpoint[] {
  // an output read from a nested model is its m-th output: a layer inside it (or that layer's state)
  const flat = (o: OutputEndpoint): OutputEndpoint => {
    const end = blocks.find((b) => b.path === o.layer)?.outputs[o.tensor];
    return end ? { name: o.name, ...end } : o;
  };
  if (!isFunctional(topo)) {
    const layers: RawLayer[] = Array.isArray(topo.config) ? topo.config : topo.config.layers;
    const last = layerName(layers[layers.length - 1]!);
    return [flat({ name: last, layer: last, tensor: 0 })];
  }
  const outs = functionalLayers(topo, file).outputs!.map(flat);
  const seen = new Set<string>();
  for (const o of outs) {
    if (seen.has(o.name)) throw inputError(file, `output_layers lists output "${o.name}" twice`);
    seen.add(o.name);
  }
  if (order.length === 0) throw unsupportedError('the model has no layers', file);
  return outs;
}

/** All outputs, or the one named `name` (the --output option). */
export function selectOutput(all: OutputEndpoint[], name: string | undefined, file: string): OutputEndpoint[] {
  if (name === undefined) return all;
  const hit = all.find((o) => o.name === name);
  if (!hit) throw optionError('output', `"${name}" is not an output of ${file}; its outputs: ${all.map((o) => o.name).join(', ')}`);
  return [hit];
}
