/**
 * Activation functions by their tfjs-layers names, built from ops whose gradients are
 * twice differentiable (softmax goes through our composite, not the Softmax kernel).
 */
import tf from '../tf.cjs';
import { softmaxComposite } from '../objective/second-order-gradients.js';
import { unsupportedError } from '../errors.js';

export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

/** A Map, so that a name from a checkpoint ("__proto__", "constructor") never finds an inherited property. */
const ACTIVATIONS = new Map<string, ActivationFn>(
  Object.entries({
    linear: (x) => x,
    relu: (x) => tf.relu(x),
    relu6: (x) => tf.relu6(x),
    elu: (x) => tf.elu(x),
    selu: (x) => tf.selu(x),
    sigmoid: (x) => tf.sigmoid(x),
    tanh: (x) => tf.tanh(x),
    softplus: (x) => tf.softplus(x),
    softsign: (x) => tf.div(x, tf.add(1, tf.abs(x))),
    softmax: (x) => softmaxComposite(x),
    leakyRelu: (x) => tf.leakyRelu(x, 0.2), // tfjs-layers' LeakyReLU default alpha
    swish: (x) => tf.mul(x, tf.sigmoid(x)),
  } satisfies Record<string, ActivationFn>),
);

export const ACTIVATION_NAMES = [...ACTIVATIONS.keys()];

/** Normalise Keras/tfjs spellings ("LeakyReLU", "leaky_relu", null) to our keys. */
export function canonicalActivation(name: unknown): string {
  if (name === null || name === undefined) return 'linear';
  const cls = typeof name === 'object' ? (name as { class_name?: unknown }).class_name : name;
  const raw = typeof cls === 'string' ? cls : (JSON.stringify(cls) ?? String(cls));
  const key = raw.replace(/[_\s]/g, '').toLowerCase();
  const found = ACTIVATION_NAMES.find((a) => a.toLowerCase() === key);
  return found ?? raw;
}

/** The activation named `name`; an unknown name is refused naming `where` (the layer) and `file` when given. */
export function activationFn(name: unknown, where: string, file?: string): ActivationFn {
  const key = canonicalActivation(name);
  const fn = ACTIVATIONS.get(key);
  if (!fn) {
    throw unsupportedError(`${where}: activation ${JSON.stringify(key)} is not supported; supported: ${ACTIVATION_NAMES.join(', ')}`, file);
  }
  return fn;
}
