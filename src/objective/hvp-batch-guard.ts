/**
 * An explicit batch size checked against the wasm heap before the first exact HVP runs (the
 * automatic one is chosen to fit: auto-batch-size.ts). Only the HVP is checked: a forward or
 * gradient pass holds a fraction of what double backprop does, and `eval` at a batch the HVP
 * cannot take is fine.
 */
import { checkHvpBatchSize } from './auto-batch-size.js';
import type { ModelBundle } from './model-bundle.js';
import type { Objective } from './types.js';

/** `objective` with its hvp refusing (checkHvpBatchSize) a `batchSize` whose exact HVP cannot fit; as it is when none was given. */
export function guardHvpBatchSize<T extends Objective>(
  objective: T,
  bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>,
  opts: { batchSize?: number; hvp?: 'exact' | 'fd'; backend?: string },
): T {
  const { batchSize, hvp, backend } = opts;
  if (batchSize === undefined || hvp === 'fd') return objective;
  let checked = false;
  const guarded = async (theta: Float32Array, v: Float32Array) => {
    if (!checked) checkHvpBatchSize(bundle, Math.min(batchSize, objective.n), backend); // a batch is never larger than the data
    checked = true;
    return objective.hvp(theta, v);
  };
  return new Proxy(objective, {
    get(target, key) {
      if (key === 'hvp') return guarded;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
