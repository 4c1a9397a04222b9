/**
 * Task kind 'saddle-dynamics': one optimiser's path (gd, momentum, newton or sfn) from the study's
 * start on the full-batch training loss, with the loss and ‖g‖ at every step and the saddle index
 * every `dynamics.indexEvery` steps (src/saddles/dynamics-run.ts). Every method of a study starts
 * from the same θ: the start depends on the config's start, init, initScale and seed only.
 * Returns the JSON result and the final θ as attachment `theta`. No timings: same config ⇒ same result.
 */
import { readCheckpoint } from '../../io/checkpoint-read.js';
import { loadDataset } from '../../io/dataset.js';
import { selectBackend } from '../../engine/index.js';
import { loadModel, type ModelBundle } from '../../objective/model-bundle.js';
import { prepareData } from '../../objective/prepare-data.js';
import { LocalObjective } from '../../objective/local-objective.js';
import type { DataSource } from '../../problem.js';
import { initialTheta } from '../../train/initialize.js';
import { runDynamics, type DynamicsRecord, type IndexPoint } from '../../saddles/dynamics-run.js';
import { objectiveProblem } from '../../saddles/dynamics-problem.js';
import { saddleIndexProbe } from '../../saddles/dynamics-index.js';
import type { DynamicsMethod, DynamicsOptions } from '../../saddles/dynamics-options.js';
import type { SaddleMethod } from '../../curvature/saddle-options.js';
import { interrupted, type TaskContext, type TaskOutput } from '../task-handler.js';

export const START_KINDS = ['init', 'small-init', 'checkpoint'] as const;
export type StartKind = (typeof START_KINDS)[number];

export interface SaddleDynamicsConfig {
  model: string;
  data: DataSource;
  loss?: string;
  backend: string;
  start: StartKind;
  /** Initializer of init and small-init (topology or a named one). */
  init: string;
  /** small-init: the initialisation times this. */
  initScale: number;
  seed: number;
  method: DynamicsMethod;
  dynamics: DynamicsOptions;
  /** Momentum's minibatch size (SGD with momentum); null: full batch. */
  batchSize: number | null;
  evalBatchSize: number;
  index: { taus: number[]; saddleMethod: SaddleMethod };
}

export interface SaddleDynamicsResult {
  method: DynamicsMethod;
  paramCount: number;
  start: { kind: StartKind; thetaNorm: number };
  records: DynamicsRecord[];
  hvps: { steps: number; index: number };
  lossEvals: number;
  diverged?: number;
  final: { step: number; loss: number; gradNorm: number; index: IndexPoint | null };
}

/** The start θ of every method of a study. */
export function startTheta(c: SaddleDynamicsConfig, bundle: ModelBundle, own: Float32Array): Float32Array {
  if (c.start === 'checkpoint') return own;
  const t = initialTheta(bundle, c.init, c.seed);
  if (c.start === 'small-init') for (let i = 0; i < t.length; i++) t[i] *= c.initScale;
  return t;
}

export async function saddleDynamics(c: SaddleDynamicsConfig, ctx: TaskContext = {}): Promise<TaskOutput<SaddleDynamicsResult>> {
  await selectBackend(c.backend);
  const bundle = loadModel(await readCheckpoint(c.model), c.loss);
  const data = prepareData(await loadDataset(c.data), bundle.arch.inputShape, bundle.outDim, bundle.loss, bundle.outClasses);
  const obj = new LocalObjective(bundle, data, { batchSize: c.evalBatchSize });
  try {
    const theta0 = startTheta(c, bundle, obj.theta0);
    const mini = c.method === 'momentum' && c.batchSize !== null ? { bundle, data, size: c.batchSize, steps: c.dynamics.steps, seed: c.seed } : undefined;
    const problem = objectiveProblem(obj, mini);
    const probe = saddleIndexProbe(problem, { taus: c.index.taus, method: c.index.saddleMethod });
    const onStep = () => {
      if (ctx.signal?.aborted) throw interrupted();
    };
    const r = await runDynamics(problem, c.method, Float64Array.from(theta0), c.dynamics, probe, onStep);
    const last = r.records.at(-1)!;
    const lastIndex = [...r.records].reverse().find((q) => q.index)?.index ?? null;
    const result: SaddleDynamicsResult = {
      method: c.method,
      paramCount: problem.dim,
      start: { kind: c.start, thetaNorm: Math.sqrt(theta0.reduce((a, v) => a + v * v, 0)) },
      records: r.records,
      hvps: r.hvps,
      lossEvals: r.lossEvals,
      ...(r.diverged !== undefined ? { diverged: r.diverged } : {}),
      final: { step: last.step, loss: last.loss, gradNorm: last.gradNorm, index: lastIndex },
    };
    return { result, attachments: { theta: Float32Array.from(r.theta) } };
  } finally {
    obj.dispose();
  }
}
