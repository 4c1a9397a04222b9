/** Inference-mode forward pass of an Architecture on explicit weight tensors. */
import tf from '../tf.cjs';
import type { Architecture } from './architecture.js';
import { LAYER_OPS } from './layer-ops.js';

export interface ForwardHooks {
  /** Added to a layer's output (zeros) so that ∂L/∂(that output) can be taken. */
  addAt?: Map<string, tf.Tensor>;
  /** Filled with every layer's output. */
  capture?: Map<string, tf.Tensor>;
  /** Stop before this layer and return its (first) input instead of the model output. */
  inputOf?: string;
}

/**
 * @param weights one tensor per checkpoint weight, indexed like checkpoint.weights
 * @param x a batch shaped [b, ...arch.inputShape]
 */
export function forward(arch: Architecture, weights: tf.Tensor[], x: tf.Tensor, hooks: ForwardHooks = {}): tf.Tensor {
  const outputs = new Map<string, tf.Tensor>([['', x]]);
  for (const node of arch.nodes) {
    const inputs = node.inputs.map((i) => outputs.get(i)!);
    if (node.name === hooks.inputOf) return inputs[0];
    const w: Record<string, tf.Tensor> = {};
    for (const lw of node.weights) w[lw.param] = weights[lw.index];
    let y = LAYER_OPS[node.className].forward(inputs, w, node.config, `layer "${node.name}"`);
    const add = hooks.addAt?.get(node.name);
    if (add) y = tf.add(y, add);
    hooks.capture?.set(node.name, y);
    outputs.set(node.name, y);
  }
  return outputs.get(arch.output)!;
}
