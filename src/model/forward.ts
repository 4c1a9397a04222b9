/** Inference-mode forward pass of an Architecture on explicit weight tensors. */
import tf from '../tf.cjs';
import { unsupportedError } from '../errors.js';
import { inputsOf, outputsOf, type Architecture, type LayerNode } from './architecture.js';
import { LAYER_OPS, convPoolForward } from './layer-ops.js';
import { outputMask } from './layers/layer-mask.js';
import { isStateKey, refLayer, tensorKey } from './model-endpoints.js';
import { recurrentWithStates } from './recurrent-states.js';

/** A layer's forward given the Keras mask of its (first) input too: recurrent layers read it (layer-mask.ts). */
type MaskedForward = (inputs: tf.Tensor[], w: Record<string, tf.Tensor>, config: any, where: string, mask: tf.Tensor | null) => tf.Tensor;

export interface ForwardHooks {
  /** Added to a layer's output (zeros) so that ∂L/∂(that output) can be taken. */
  addAt?: Map<string, tf.Tensor>;
  /** Filled with every layer's output. */
  capture?: Map<string, tf.Tensor>;
  /** Stop before this layer and return its (first) input instead of the model output. */
  inputOf?: string;
  /** A layer's output in place of its inference-mode one (training-mode dropout, BatchNorm: src/train), or null to run it as inference does. */
  replace?: (node: LayerNode, k: number, inputs: tf.Tensor[], w: Record<string, tf.Tensor>) => tf.Tensor | null;
}

/** One batch of the model inputs: a tensor for a one-input model, else one per input in arch.inputs order. */
export type ModelInputs = tf.Tensor | tf.Tensor[];

/**
 * The model's first analysed output (its only one for most models).
 * @param weights one tensor per checkpoint weight, indexed like checkpoint.weights
 * @param x a batch shaped [b, ...arch.inputShape], or one batch per input
 */
export function forward(arch: Architecture, weights: tf.Tensor[], x: ModelInputs, hooks: ForwardHooks = {}): tf.Tensor {
  return run(arch, weights, x, hooks)[0]!;
}

/** Every analysed output (arch.outputs order). */
export function forwardOutputs(arch: Architecture, weights: tf.Tensor[], x: ModelInputs, hooks: ForwardHooks = {}): tf.Tensor[] {
  return run(arch, weights, x, hooks);
}

/** Zero inputs of `batch` samples for every model input: a pass that only probes shapes. */
export function probeInputs(arch: Architecture, batch = 1): tf.Tensor[] {
  return inputsOf(arch).map((i) => tf.zeros([batch, ...i.shape]));
}

function run(arch: Architecture, weights: tf.Tensor[], x: ModelInputs, hooks: ForwardHooks): tf.Tensor[] {
  const xs = Array.isArray(x) ? x : [x];
  const ins = inputsOf(arch),
    outs = outputsOf(arch);
  if (xs.length !== ins.length) {
    throw unsupportedError(`model "${arch.name}" has ${ins.length} inputs (${ins.map((i) => i.name).join(', ')}); this analysis feeds it ${xs.length}`);
  }
  const outputs = new Map<string, tf.Tensor>(ins.map((inp, k) => [inp.key, xs[k]!]));
  const masks = new Map<string, tf.Tensor | null>();
  const withStates = new Set(outs.filter((o) => o.tensor > 0).map((o) => o.layer));
  for (const n of arch.nodes) for (const i of n.inputs) if (isStateKey(i)) withStates.add(refLayer(i)); // read as an initial state
  for (let k = 0; k < arch.nodes.length; k++) {
    const node = arch.nodes[k];
    const inputs = node.inputs.map((i) => outputs.get(i)!);
    if (node.name === hooks.inputOf) return [inputs[0]!];
    const w: Record<string, tf.Tensor> = {};
    for (const lw of node.weights) w[lw.param] = weights[lw.index];
    const pool = poolAfter(arch, k, hooks);
    const pooled = pool && convPoolForward(inputs[0], w, node.config, pool.config, `layer "${node.name}"`);
    if (pooled) {
      // the conv and its max pool as one kernel: the conv's output is never made
      outputs.set(pool.name, pooled);
      k++;
      continue;
    }
    const where = `layer "${node.name}"`,
      mask = masks.get(node.inputs[0]!) ?? null;
    const own = hooks.replace?.(node, k, inputs, w) ?? null;
    const all = !own && withStates.has(node.name) ? recurrentWithStates(node.className, inputs, w, node.config, where, mask) : null;
    all?.slice(1).forEach((s, i) => outputs.set(tensorKey(node.name, i + 1), s));
    let y = own ?? (all ? all[0]! : (LAYER_OPS[node.className].forward as MaskedForward)(inputs, w, node.config, where, mask));
    masks.set(node.name, outputMask(node, inputs, mask));
    const add = hooks.addAt?.get(node.name);
    if (add) y = tf.add(y, add);
    if (add && all && all[0] === all[1]) outputs.set(tensorKey(node.name, 1), y); // the last output is h: one tensor, one addend
    hooks.capture?.set(node.name, y);
    outputs.set(node.name, y);
  }
  return outs.map((o) => outputs.get(tensorKey(o.layer, o.tensor))!);
}

const consumers = new WeakMap<Architecture, Map<string, number>>();

/**
 * The MaxPooling2D node right after Conv2D node k when it is the conv's only reader and the pass
 * needs nothing of the conv's own output (not a model output, no hook on it), else null.
 */
function poolAfter(arch: Architecture, k: number, hooks: ForwardHooks): Architecture['nodes'][number] | null {
  const node = arch.nodes[k],
    next = arch.nodes[k + 1];
  if (node.className !== 'Conv2D' || next?.className !== 'MaxPooling2D' || next.inputs.length !== 1 || next.inputs[0] !== node.name) return null;
  if (hooks.capture || hooks.addAt?.has(node.name) || hooks.inputOf === next.name || outputsOf(arch).some((o) => o.layer === node.name)) return null;
  return readersOf(arch).get(node.name) === 1 ? next : null;
}

/** How many node inputs read each node's output (computed once per architecture). */
function readersOf(arch: Architecture): Map<string, number> {
  let readers = consumers.get(arch);
  if (!readers) {
    readers = new Map();
    for (const n of arch.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
    consumers.set(arch, readers);
  }
  return readers;
}
