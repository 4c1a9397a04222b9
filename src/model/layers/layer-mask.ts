/**
 * Keras masks as tfjs-layers carries them between layers: Embedding with mask_zero masks the steps
 * whose id is 0, Masking the steps whose features all equal mask_value; recurrent layers skip the
 * masked steps (carrying the state) and pass the mask on only under return_sequences; layers that
 * tfjs-layers marks as supporting masks pass it on unchanged; any other layer (Flatten, Dense, the
 * merge layers) drops it, as tfjs-layers' predict and evaluate do. The model's loss does not weight by the output's mask
 * (tfjs-layers' evaluate does not either).
 */
import tf from '../../tf.cjs';
import { cfg } from '../layer-op.js';

/** Layers whose mask is their input's (tfjs-layers' supportsMasking, with computeMask the identity). */
const PASS = new Set([
  'Dropout',
  'SpatialDropout1D',
  'Activation',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'TimeDistributed',
  'BatchNormalization',
  'LayerNormalization',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'InputLayer',
]);
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

/** The mask [b, steps] of a layer's output given its inputs and its input's mask (null: none). */
export function outputMask(node: { className: string; config: any }, inputs: tf.Tensor[], mask: tf.Tensor | null): tf.Tensor | null {
  const c = node.config,
    x = inputs[0]!;
  if (node.className === 'Embedding') return cfg(c, 'mask_zero', false) ? tf.notEqual(tf.cast(x, 'int32'), 0) : null;
  if (node.className === 'Masking') return tf.any(tf.notEqual(x, cfg(c, 'mask_value', 0)), -1);
  if (!mask) return null;
  if (RECURRENT.has(node.className)) return cfg(c, 'return_sequences', false) ? mask : null;
  if (node.className === 'Bidirectional') return cfg(c?.layer?.config, 'return_sequences', false) ? mask : null;
  return PASS.has(node.className) ? mask : null;
}
