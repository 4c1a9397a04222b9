/**
 * The parts of a Keras topology whose serialization differs between tfjs-layers, Keras 2 and
 * Keras 3: inbound nodes, custom (registered) layers, and Keras 3 fields that
 * tfjs-layers' format has no room for.
 */
import { inputError, unsupportedError } from '../errors.js';
import { SUPPORTED_LAYERS } from './layer-ops.js';

export interface RawLayer {
  class_name: string;
  config: any;
  name?: string;
  inbound_nodes?: any[];
  module?: unknown;
  registered_name?: unknown;
}

/** Class names tfjs-layers, Keras 2 and Keras 3 write for a model (also for a model used as a layer). */
export const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Model', 'Functional']);

export function layerName(l: RawLayer): string {
  return String(l.config?.name ?? l.name);
}

/** One tensor a layer call reads: the layer, its call (node) and which of its tensors. */
export interface InboundRef {
  name: string;
  node: unknown;
  tensor: unknown;
}

/**
 * The tensors one call of a layer reads: Keras 2 / tfjs write [[name, node, tensor, kwargs], …]
 * (an RNN's initial states follow its input there); Keras 3 writes {args: [...], kwargs: {...}}
 * with each tensor as {class_name: "__keras_tensor__", config: {keras_history: [name, node,
 * tensor]}}, possibly nested in lists (merge layers), an RNN's initial states in kwargs.initial_state.
 */
export function inboundRefs(node: unknown, l: RawLayer, file: string): InboundRef[] {
  if (node === undefined) return [];
  if (Array.isArray(node))
    return node.map((e) => (Array.isArray(e) ? { name: String(e[0]), node: e[1], tensor: e[2] } : { name: String(e), node: 0, tensor: 0 }));
  if (node && typeof node === 'object' && 'args' in node) {
    const refs: InboundRef[] = [];
    const walk = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        const h = (x as any).config?.keras_history;
        if (Array.isArray(h)) refs.push({ name: String(h[0]), node: h[1], tensor: h[2] });
      }
    };
    walk((node as { args: unknown }).args);
    walk((node as { kwargs?: { initial_state?: unknown } }).kwargs?.initial_state);
    return refs;
  }
  throw unsupportedError(`layer "${layerName(l)}": unrecognised "inbound_nodes" format ${JSON.stringify(node).slice(0, 80)}`, file);
}

/** A Keras 3 custom (registered) layer: its class cannot be rebuilt from the config. */
export function checkCustom(l: RawLayer, file: string): void {
  const reg = l.registered_name;
  const mod = l.module;
  const builtIn = mod === undefined || mod === null || (typeof mod === 'string' && /^(keras|tf_keras|tensorflow)(\.|$)/.test(mod));
  if (!builtIn || (typeof reg === 'string' && reg !== l.class_name)) {
    throw unsupportedError(
      `layer "${layerName(l)}" is a custom layer ("module": ${JSON.stringify(mod)}, "registered_name": ${JSON.stringify(reg ?? null)}); only built-in Keras layers can be loaded (supported: ${SUPPORTED_LAYERS.join(', ')})`,
      file,
    );
  }
}

/** Keras 3 config fields that change what a layer computes and that tfjs-layers' format has no room for. */
export function checkKeras3Fields(l: RawLayer, file: string): void {
  const c = l.config ?? {};
  const groups = c.groups;
  if (groups !== undefined && groups !== null && groups !== 1) {
    throw unsupportedError(`layer "${layerName(l)}": "groups": ${JSON.stringify(groups)} (grouped convolution) is not supported; only groups = 1`, file);
  }
  if (c.lora_rank !== undefined && c.lora_rank !== null) {
    throw unsupportedError(
      `layer "${layerName(l)}": "lora_rank": ${JSON.stringify(c.lora_rank)} (LoRA-adapted weights) is not supported; merge the adapters into the kernel before converting`,
      file,
    );
  }
}

/** Every entry of a container's "layers" list is an object with a string class_name (a nested config is read the same way). */
export function checkLayerEntries(layers: unknown[], file: string, where: string): void {
  layers.forEach((l, i) => {
    if (!l || typeof l !== 'object' || typeof (l as RawLayer).class_name !== 'string') {
      throw inputError(file, `${where}layer ${i} is not a layer config (an object with a "class_name"): ${JSON.stringify(l)?.slice(0, 80)}`);
    }
  });
}
