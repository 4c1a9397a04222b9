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

/**
 * The checkpoint with its weights re-initialised (a new object; the input is not touched).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 * import { initializeCheckpoint } from 'losslens/train';
 *
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * const fresh = initializeCheckpoint(model, 'he-normal', 0);
 * assert.deepEqual([...fresh.weights[1].values], [0]); // biases start at 0
 * assert.notEqual(fresh.weights[0].values[0], model.checkpoint.weights[0].values[0]);
 * assert.ok(Math.abs(model.checkpoint.weights[1].values[0] - 0.70199) < 1e-5); // the input is left as it was
 * ```
 */
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

/**
 * θ of a re-initialised model, in the bundle's layout.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 * import { initialTheta } from 'losslens/train';
 *
 * // Glorot-uniform on a [5, 1] kernel draws from ±√(6/(5 + 1)) = ±1; biases start at 0
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * const theta = initialTheta(model, 'glorot-uniform', 3);
 * assert.ok(theta.subarray(0, 5).every((w) => Math.abs(w) <= 1));
 * assert.equal(theta[5], 0);
 * assert.deepEqual(initialTheta(model, 'glorot-uniform', 3), theta); // seeded
 * ```
 */
export function initialTheta(bundle: ModelBundle, init: string, seed: number): Float32Array {
  return flattenTheta(initializeCheckpoint(bundle, init, seed), bundle.layout, bundle.indices);
}
