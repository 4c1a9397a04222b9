/**
 * The Hessian the sharpness tracker measures, at the current θ of a run. What it is taken over:
 *   full-batch training (batch size ≥ training split): the whole training split, i.e. exactly
 *     the objective that gradient descent minimises (Cohen et al. 2021's setting);
 *   minibatch training: one fixed, seeded subset of `samples` training samples (the same at every
 *     measurement, so changes over steps are the weights', not the sample's).
 * In inference mode (dropout off, BatchNorm on the run's moving statistics at that step) and with
 * the checkpoint's weight penalties when the run trains with them, as the training loss has.
 */
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { takePreparedRows } from '../objective/prepare-model-data.js';
import type { CheckpointWeight } from '../io/types.js';
import { LocalObjective } from '../objective/local-objective.js';
import type { WeightPenalty } from '../objective/weight-penalty.js';
import { gatherInputRows } from '../io/sample-rows.js';
import { permutation } from '../random.js';
import { optionError } from '../errors.js';
import { SharpnessTracker, type SharpnessHistory, type SharpnessOptions } from './sharpness-tracker.js';
import type { Optimizer, ResolvedOptimizerConfig } from './optimizers.js';

export interface SharpnessData {
  data: PreparedData;
  objective: SharpnessHistory['objective'];
}

/** The samples the Hessian is taken over (see the file comment). */
export function sharpnessData(data: PreparedData, train: Uint32Array, batchSize: number, o: SharpnessOptions): SharpnessData {
  const full = batchSize >= train.length;
  const idx = full
    ? train
    : permutation(train.length, o.seed)
        .slice(0, Math.min(o.samples, train.length))
        .sort()
        .map((i) => train[i]);
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  const mode = 'inference mode (dropout off, BatchNorm on the moving statistics at that step)';
  // several inputs or outputs: every input's and target's rows
  if (data.inputs || data.targets) return { data: takePreparedRows(data, idx), objective: { kind: full ? 'full-batch' : 'subset', samples: idx.length, mode } };
  const subset: PreparedData = {
    n: idx.length,
    inputShape: data.inputShape,
    k: data.k,
    xDivisor: 1,
    x: gatherInputRows(data.x, data.xDivisor ?? 1, width, idx),
    y: gatherInputRows(data.y, 1, data.k, idx),
  };
  return { data: subset, objective: { kind: full ? 'full-batch' : 'subset', samples: idx.length, mode } };
}

/**
 * Run `fn` with v ↦ H(θ)v of the training loss on `data`, the non-trainable weights as they are
 * now (`nonTrainable[i]` overrides checkpoint weight i), plus the penalty's Hessian.
 */
export async function withSharpnessHvp<T>(
  model: ModelBundle,
  nonTrainable: (CheckpointWeight | null)[],
  data: PreparedData,
  penalty: WeightPenalty,
  theta: Float32Array,
  fn: (hvp: (v: Float64Array) => Promise<Float64Array>) => Promise<T>,
): Promise<T> {
  const weights = model.checkpoint.weights.map((w, i) => nonTrainable[i] ?? w);
  const obj = new LocalObjective({ ...model, checkpoint: { ...model.checkpoint, weights } }, data);
  try {
    return await fn(async (v) => {
      const v32 = Float32Array.from(v);
      return Float64Array.from(penalty.product(await obj.hvp(theta, v32), v32));
    });
  } finally {
    obj.dispose();
  }
}

/** A run's sharpness measurements: `at` measures when the step is due (once per step). */
export interface SharpnessProbe {
  tracker: SharpnessTracker;
  at(step: number, lr: number, theta: Float32Array, optimizer: Optimizer): Promise<void>;
}

export function sharpnessProbe(
  o: SharpnessOptions,
  optimizer: ResolvedOptimizerConfig,
  model: ModelBundle,
  nonTrainable: (CheckpointWeight | null)[],
  data: PreparedData,
  train: Uint32Array,
  batchSize: number,
  penalty: WeightPenalty,
): SharpnessProbe {
  // Lanczos keeps its whole basis (iterations × dim float64s); refuse before training starts
  if (o.iterations * model.layout.dim > 2 ** 28) {
    throw optionError(
      'sharpnessIterations',
      `${o.iterations} Lanczos vectors of ${model.layout.dim} parameters exceed 2 GiB; at most ${Math.floor(2 ** 28 / model.layout.dim)} for this model`,
    );
  }
  const sd = sharpnessData(data, train, batchSize, o);
  const tracker = new SharpnessTracker(o, optimizer, sd.objective);
  return {
    tracker,
    async at(step, lr, theta, opt) {
      const h = tracker.history;
      if (!tracker.due(step) || h.step[h.step.length - 1] === step) return;
      const state = h.preconditioned ? opt.state() : undefined;
      await withSharpnessHvp(model, nonTrainable, sd.data, penalty, theta, (hvp) => tracker.measure(step, lr, theta.length, hvp, state));
    },
  };
}
