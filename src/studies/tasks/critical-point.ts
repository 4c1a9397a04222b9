/**
 * Task kind 'critical-point' (`losslens saddles`): from one start (../../saddles/problem.ts), find
 * a critical point of the full-batch training loss by Newton-MR (../../saddles/critical-points.ts),
 * then measure it: loss, accuracy, ‖∇L‖ and its ratio to the start's, and the saddle index
 * #{λ < −τ·λmax} at each τ by the counts `hessian` uses (dense Sturm inertia up to a few thousand
 * parameters). Returns the JSON result plus attachments `theta` (the point) and `spectrum` (its
 * eigenvalues: all of them with the dense method). No timings in the result: same config ⇒ same result.
 */
import { selectBackend } from '../../engine/index.js';
import { LocalObjective } from '../../objective/local-objective.js';
import { findCriticalPoint, type CriticalPointProblem, type FinderOptions } from '../../saddles/critical-points.js';
import { loadProblem, startTheta, type ProblemSpec, type StartSpec, type TrajectorySpec } from '../../saddles/problem.js';
import { saddleCounts, type SaddleMethod } from '../../curvature/saddle-counts.js';
import { interrupted, type TaskContext, type TaskOutput } from '../task-handler.js';

export interface CriticalPointConfig extends ProblemSpec {
  backend: string;
  evalBatchSize: number;
  start: StartSpec;
  trajectory: TrajectorySpec;
  finder: FinderOptions;
  index: { taus: number[]; method: SaddleMethod; denseMaxDim: number };
}

export interface IndexAt {
  tau: number;
  threshold: number;
  /** lo = hi where the count is exact. */
  count: { lo: number; hi: number };
  exact: boolean;
  /** The count (or the interval's estimate) over the parameter count. */
  fraction: number;
  cause?: string;
}

export interface CriticalPointResult {
  start: StartSpec;
  paramCount: number;
  startLoss: number;
  loss: number;
  accuracy?: number;
  gradNorm: number;
  gradNorm0: number;
  gradNormRatio: number;
  converged: boolean;
  stop: string;
  iterations: number;
  /** Hessian-vector products of the search; the index took `indexHvps` more. */
  hvps: number;
  indexHvps: number;
  method: string;
  lambdaMax: number;
  lambdaMin: number;
  index: IndexAt[];
  /** ‖∇L‖ after each Newton-MR step. */
  path: { loss: number; gradNorm: number }[];
}

/** The finder's view of an objective: float64 vectors in and out, the objective's float32 in between. */
function finderProblem(obj: LocalObjective, signal?: AbortSignal): CriticalPointProblem {
  const check = () => {
    if (signal?.aborted) throw interrupted();
  };
  return {
    grad: async (t) => {
      check();
      const r = await obj.grad(Float32Array.from(t));
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
    hvp: async (t, v) => {
      check();
      return Float64Array.from(await obj.hvp(Float32Array.from(t), Float32Array.from(v)));
    },
  };
}

export async function criticalPointTask(c: CriticalPointConfig, ctx: TaskContext = {}): Promise<TaskOutput<CriticalPointResult>> {
  await selectBackend(c.backend);
  const { bundle, data } = await loadProblem(c);
  const theta0 = await startTheta(bundle, data, c.start, c.trajectory, ctx.signal);
  const obj = new LocalObjective(bundle, data, { batchSize: c.evalBatchSize });
  try {
    const cp = await findCriticalPoint(finderProblem(obj, ctx.signal), Float64Array.from(theta0), c.finder);
    const theta = Float32Array.from(cp.theta);
    const ev = await obj.evaluate(theta);
    const d = theta.length;
    const counts = await saddleCounts(async (v) => Float64Array.from(await obj.hvp(theta, Float32Array.from(v))), d, {
      taus: c.index.taus,
      method: c.index.method,
      denseMaxDim: c.index.denseMaxDim,
    });
    const result: CriticalPointResult = {
      start: c.start,
      paramCount: d,
      startLoss: cp.history[0].loss,
      loss: ev.loss,
      ...(ev.accuracy !== undefined ? { accuracy: ev.accuracy } : {}),
      gradNorm: cp.gradNorm,
      gradNorm0: cp.gradNorm0,
      gradNormRatio: cp.gradNormRatio,
      converged: cp.converged,
      stop: cp.stop,
      iterations: cp.iterations,
      hvps: cp.hvps,
      indexHvps: counts.matvecs,
      method: counts.method,
      lambdaMax: counts.lambdaMax,
      lambdaMin: counts.eigenvalues[0] ?? NaN,
      index: counts.thresholds.map((t) => ({
        tau: t.tau,
        threshold: t.threshold,
        count: t.count,
        exact: t.exact,
        fraction: (Number.isFinite(t.estimate) ? t.estimate : (t.count.lo + t.count.hi) / 2) / d,
        ...(t.cause ? { cause: t.cause } : {}),
      })),
      path: cp.history.map((h) => ({ loss: h.loss, gradNorm: h.gradNorm })),
    };
    return { result, attachments: { theta, spectrum: Float32Array.from(counts.eigenvalues) } };
  } finally {
    obj.dispose();
  }
}
