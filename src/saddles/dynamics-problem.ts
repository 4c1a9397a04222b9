/**
 * A tfjs model's training loss as a DynamicsProblem: full-batch loss, gradient and exact HVP through
 * an Objective (float32 products, float64 θ on the dynamics' side), and, for SGD with momentum,
 * the gradient of a seeded minibatch per step (successive seeded permutations, ../gradients/minibatches.ts).
 */
import type { Objective } from '../objective/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { LocalObjective } from '../objective/local-objective.js';
import { minibatchIndices } from '../gradients/minibatches.js';
import { gatherInputRows } from '../io/sample-rows.js';
import type { DynamicsProblem } from './dynamics-run.js';

const f32 = (x: Float64Array) => Float32Array.from(x);
const f64 = (x: Float32Array) => Float64Array.from(x);

/** The rows `idx` of prepared data (inputs as float32 values, targets as they are). */
function subset(data: PreparedData, idx: Uint32Array): PreparedData {
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  return {
    n: idx.length,
    inputShape: data.inputShape,
    x: gatherInputRows(data.x, data.xDivisor ?? 1, width, idx),
    xDivisor: 1,
    y: gatherInputRows(data.y, 1, data.k, idx),
    k: data.k,
  };
}

export interface MinibatchSpec {
  bundle: ModelBundle;
  data: PreparedData;
  size: number;
  steps: number;
  seed: number;
}

/** The problem of `obj`; with `batches`, momentum's gradients come from seeded minibatches. */
export function objectiveProblem(obj: Objective, batches?: MinibatchSpec): DynamicsProblem {
  const order = batches ? minibatchIndices(batches.data.n, batches.size, batches.steps, batches.seed) : [];
  return {
    dim: obj.layout.dim,
    loss: (t) => obj.loss(f32(t)),
    lossGrad: async (t) => {
      const r = await obj.grad(f32(t));
      return { loss: r.loss, grad: f64(r.grad) };
    },
    hvp: async (t, v) => f64(await obj.hvp(f32(t), f32(v))),
    ...(batches
      ? {
          batchGrad: async (t: Float64Array, step: number) => {
            const sub = new LocalObjective(batches.bundle, subset(batches.data, order[step]), { batchSize: batches.size });
            try {
              return f64((await sub.grad(f32(t))).grad);
            } finally {
              sub.dispose();
            }
          },
        }
      : {}),
  };
}
