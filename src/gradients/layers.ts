/**
 * The layers the gradient diagnostics look at, in execution order: every layer that owns
 * trainable weights, plus standalone activation layers (Activation, ReLU, …), whose outputs
 * are where saturation and dead units show.
 */
import { outputsOf, type Architecture, type LayerNode } from '../model/architecture.js';
import { canonicalActivation } from '../model/activations.js';
import { cfg } from '../model/layer-ops.js';

export interface AnalysedLayer {
  name: string;
  className: string;
  /** Canonical activation applied at this layer's output ('linear' when none). */
  activation: string;
  /** checkpoint.weights indices of the layer's trainable weights (empty for activation layers). */
  trainable: number[];
  kernel: number | null;
  bias: number | null;
  /** The model's output layer. */
  isOutput: boolean;
}

const ACTIVATION_LAYERS = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax']);

function activationOf(node: LayerNode): string {
  switch (node.className) {
    case 'ReLU':
      return cfg<number | null>(node.config, 'max_value', null) === 6 ? 'relu6' : 'relu';
    case 'LeakyReLU':
      return 'leakyRelu';
    case 'ELU':
      return 'elu';
    case 'Softmax':
      return 'softmax';
    default:
      return canonicalActivation(cfg(node.config, 'activation', 'linear'));
  }
}

export function analysedLayers(arch: Architecture): AnalysedLayer[] {
  const out: AnalysedLayer[] = [];
  for (const node of arch.nodes) {
    const trainable = node.weights.filter((w) => w.trainable);
    if (trainable.length === 0 && !ACTIVATION_LAYERS.has(node.className)) continue;
    const role = (r: string) => trainable.find((w) => w.role === r)?.index ?? null;
    out.push({
      name: node.name,
      className: node.className,
      activation: activationOf(node),
      trainable: trainable.map((w) => w.index),
      kernel: role('kernel'),
      bias: role('bias'),
      isOutput: outputsOf(arch).some((o) => o.layer === node.name),
    });
  }
  return out;
}

/** The layers that own trainable weights: the ones an attenuation profile runs over. */
export const weightLayers = (layers: AnalysedLayer[]) => layers.filter((l) => l.trainable.length > 0);
