/**
 * An objective whose gradient and HVP run on tf's tape (double backprop), as LOSSLENS_GRAD=tape and
 * LOSSLENS_HVP=tape give: the variables are set for its first gradient and HVP (where the objective
 * fixes its engines) and put back, so that the bench's other objectives keep the rules.
 */
import { createObjective } from '../../src/objective/create-objective.js';
import type { Checkpoint } from '../../src/io/types.js';
import type { PreparedData } from '../../src/objective/prepare-data.js';
import type { Objective } from '../../src/objective/types.js';

export async function tapeObjective(checkpoint: Checkpoint, data: PreparedData, theta: Float32Array, v: Float32Array): Promise<Objective> {
  const keep = { hvp: process.env.LOSSLENS_HVP, grad: process.env.LOSSLENS_GRAD };
  process.env.LOSSLENS_HVP = 'tape';
  process.env.LOSSLENS_GRAD = 'tape';
  try {
    const obj = await createObjective(checkpoint, data, { workers: 1, backend: 'wasm', batchSize: data.n });
    await obj.grad(theta);
    await obj.hvp(theta, v);
    return obj;
  } finally {
    for (const [k, name] of [
      ['hvp', 'LOSSLENS_HVP'],
      ['grad', 'LOSSLENS_GRAD'],
    ] as const) {
      if (keep[k] === undefined) delete process.env[name];
      else process.env[name] = keep[k];
    }
  }
}
