/** Loss, accuracy and gradient norms (total and per layer) of an Objective at θ. */
import type { Objective, OutputMetrics, ParamLayout } from './types.js';

/** An evaluation of θ on a dataset: the loss, the accuracy (classification), ‖∇L‖ overall and per layer, and the sample count. */
export interface PointEvaluation {
  loss: number;
  accuracy?: number;
  n: number;
  gradNorm: number;
  /** ‖∂L/∂θ_layer‖ over each layer's trainable weights, in layout order. */
  gradNormPerLayer: Record<string, number>;
  /** A model with several outputs: each one's own loss (unweighted), weight and accuracy; `loss` is the weighted total. */
  outputs?: OutputMetrics[];
}

/**
 * One gradient pass where the objective measures evaluate's metrics on its forward (the
 * tfjs-backed ones do), else a loss pass and a gradient pass.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, evaluatePoint } from 'losslens';
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const e = await evaluatePoint(problem.train!.objective);
 *   assert.equal(e.n, 256);
 *   assert.ok(Math.abs(e.loss - 0.009124412201344967) < 1e-7); // the fixture's recorded loss
 *   assert.ok(e.gradNorm < 1e-4); // θ₀ solves the least-squares problem: ∇L ≈ 0 up to float32 rounding
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function evaluatePoint(objective: Objective, theta: Float32Array = objective.theta0): Promise<PointEvaluation> {
  const g = await objective.grad(theta);
  const ev = g.metrics ?? (await objective.evaluate(theta));
  const perLayer = blockNorms(objective.layout, g.grad);
  let total = 0;
  for (const v of Object.values(perLayer)) total += v * v;
  const outputs = ev.outputs ? { outputs: ev.outputs } : {};
  return {
    loss: ev.loss,
    ...(ev.accuracy !== undefined ? { accuracy: ev.accuracy } : {}),
    n: ev.n,
    gradNorm: Math.sqrt(total),
    gradNormPerLayer: perLayer,
    ...outputs,
  };
}

/** Euclidean norm of a vector's restriction to each layer (Float64 accumulation). */
export function blockNorms(layout: ParamLayout, v: ArrayLike<number>): Record<string, number> {
  const sq: Record<string, number> = {};
  for (const b of layout.blocks) {
    let s = 0;
    for (let i = b.offset; i < b.offset + b.size; i++) s += v[i] * v[i];
    sq[b.layer] = (sq[b.layer] ?? 0) + s;
  }
  return Object.fromEntries(Object.entries(sq).map(([k, s]) => [k, Math.sqrt(s)]));
}
