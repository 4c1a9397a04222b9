/**
 * Re-initialise a model's weights from a seed.
 *   'checkpoint'  keep the checkpoint's weights (continue training).
 *   'topology'    each weight from its own layer's initializer config (kernel_initializer,
 *                 bias_initializer, gamma_initializer, beta_initializer), defaults Glorot-uniform
 *                 kernels, zero biases, γ = 1, β = 0. Seeds stored in those configs are ignored:
 *                 the run's seed decides.
 *   a name        kernels from that initializer (glorot-uniform, he-normal, …), biases 0, γ = 1, β = 0.
 * Every re-initialisation resets BatchNorm moving statistics to mean 0, variance 1. Weights of
 * frozen layers (trainable: false) keep their checkpoint values. Weight i draws from its own
 * stream mixSeed(seed, i), so adding a layer does not reshuffle the others.
 */
import type { Checkpoint } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import { flattenTheta } from '../objective/layout.js';
import { cfg } from '../model/layer-ops.js';
import { sampleInitializer, checkInitName } from './initializers.js';
import { mixSeed } from '../random.js';

export { mixSeed };

const DEFAULTS: Record<string, string> = { kernel: 'GlorotUniform', bias: 'Zeros', gamma: 'Ones', beta: 'Zeros' };

/** The checkpoint with its weights re-initialised (a new object; the input is not touched). */
export function initializeCheckpoint(bundle: ModelBundle, init: string, seed: number): Checkpoint {
  checkInitName(init);
  const ckpt = bundle.checkpoint;
  if (init === 'checkpoint') return ckpt;
  const weights = ckpt.weights.slice();
  for (const node of bundle.arch.nodes) {
    if (cfg<boolean>(node.config, 'trainable', true) === false) continue;
    for (const w of node.weights) {
      const old = weights[w.index];
      let values: Float32Array;
      if (w.param === 'moving_mean') values = new Float32Array(old.values.length);
      else if (w.param === 'moving_variance') values = new Float32Array(old.values.length).fill(1);
      else if (!w.trainable) continue;
      else {
        const own = cfg<any>(node.config, `${w.param}_initializer`, null);
        const spec = init === 'topology' ? (own ?? DEFAULTS[w.role] ?? 'Zeros') : w.role === 'kernel' ? init : (DEFAULTS[w.role] ?? 'Zeros');
        values = sampleInitializer(spec, w.shape, mixSeed(seed, w.index), `layer "${node.name}" ${w.param}`);
      }
      weights[w.index] = { spec: old.spec, values };
    }
  }
  return { ...ckpt, weights };
}

/** θ of a re-initialised model, in the bundle's layout. */
export function initialTheta(bundle: ModelBundle, init: string, seed: number): Float32Array {
  return flattenTheta(initializeCheckpoint(bundle, init, seed), bundle.layout, bundle.indices);
}
