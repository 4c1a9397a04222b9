/**
 * One optimiser's path from a start: gradient descent, heavy-ball momentum (SGD with momentum when
 * the problem gives minibatch gradients), damped Newton and saddle-free Newton in a Krylov subspace
 * (sfn-krylov.ts). Every step records the full-batch loss and ‖g‖; every `indexEvery` steps and at
 * the end, the index by the caller's probe (e.g. dense saddle counts). Pure numerics on a
 * DynamicsProblem: no tfjs, no files. A non-finite loss ends the path and is reported, not thrown.
 */
import { krylovModel, krylovStep, type KrylovModel } from './sfn-krylov.js';
import { resolveDynamicsOptions, type DynamicsMethod, type DynamicsOptions } from './dynamics-options.js';
import { axpy, norm, scale } from '../curvature/vector-ops.js';

/** The loss of a model as the dynamics see it: full-batch loss, gradient and HVP at θ (float64 views). */
export interface DynamicsProblem {
  dim: number;
  lossGrad(theta: Float64Array): Promise<{ loss: number; grad: Float64Array }>;
  loss(theta: Float64Array): Promise<number>;
  hvp(theta: Float64Array, v: Float64Array): Promise<Float64Array>;
  /** A minibatch gradient for step t (seeded order): momentum then is SGD with momentum. */
  batchGrad?(theta: Float64Array, step: number): Promise<Float64Array>;
}

/** The index at one threshold τ: #{λ < −τ·λmax} (an interval where undecided) and its fraction of d. */
export interface IndexAt {
  tau: number;
  count: { lo: number; hi: number };
  estimate: number;
  fraction: number;
  exact: boolean;
}

/** What an index probe reports at θ: counts by τ, the method that gave them, and the products it used. */
export interface IndexPoint {
  thresholds: IndexAt[];
  method: string;
  lambdaMax: number;
  hvps: number;
  /** Set (and thresholds empty) when the counts are undefined at this point: why. */
  undefinedWhy?: string;
}

/** Counts the Hessian's negative eigenvalues at θ (e.g. saddleIndexProbe's dense or iterative counts). */
export type IndexProbe = (theta: Float64Array) => Promise<IndexPoint>;

/** One step of a path: its full-batch loss and ‖g‖, and the index where one was recorded. */
export interface DynamicsRecord {
  step: number;
  loss: number;
  gradNorm: number;
  index?: IndexPoint;
}

/** One method's path: the records at steps 0..steps, the HVPs and losses it spent, where it diverged, and its final θ. */
export interface DynamicsResult {
  method: DynamicsMethod;
  records: DynamicsRecord[];
  /** HVPs spent on steps (Krylov bases) and on the index probes. */
  hvps: { steps: number; index: number };
  /** Extra loss evaluations (sfn's damping search). */
  lossEvals: number;
  /** Set when a loss turned non-finite: the step it happened at. */
  diverged?: number;
  theta: Float64Array;
}

interface StepState {
  velocity?: Float64Array;
  hvps: number;
  lossEvals: number;
}

const capped = (s: Float64Array, r: number) => {
  const n = norm(s);
  return n > r ? scale(r / n, s) : s;
};
const maxAbs = (m: KrylovModel) => m.values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);

/** SFN's damping search: the candidate step of least loss (each candidate costs one loss). */
async function sfnStep(p: DynamicsProblem, theta: Float64Array, m: KrylovModel, o: DynamicsOptions, st: StepState): Promise<Float64Array> {
  let best: { loss: number; step: Float64Array } | null = null;
  for (const d of o.sfnDampings) {
    const step = capped(krylovStep(m, 'saddle-free', d * maxAbs(m)), o.maxStep);
    const loss = await p.loss(axpy(1, step, Float64Array.from(theta)));
    st.lossEvals++;
    if (best === null || loss < best.loss) best = { loss, step };
  }
  return best!.step;
}

async function stepOf(method: DynamicsMethod, p: DynamicsProblem, theta: Float64Array, g: Float64Array, t: number, o: DynamicsOptions, st: StepState) {
  if (method === 'gd') return scale(-o.lr, Float64Array.from(g));
  if (method === 'momentum') {
    const gb = p.batchGrad ? await p.batchGrad(theta, t) : g;
    st.velocity = axpy(-o.lr, gb, scale(o.momentum, st.velocity ?? new Float64Array(p.dim)));
    return Float64Array.from(st.velocity);
  }
  const m = await krylovModel((v) => p.hvp(theta, v), g, o.krylovDim);
  st.hvps += m.hvps;
  if (method === 'newton') return capped(krylovStep(m, 'newton', o.newtonDamping * maxAbs(m)), o.maxStep);
  return sfnStep(p, theta, m, o, st);
}

/**
 * Runs `method` ('gd', 'momentum', 'newton' or 'sfn') from `start` for `steps` steps: the loss and
 * ‖g‖ at steps 0..steps, and the probe's index every `indexEvery` steps and at the end.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { runDynamics } from 'losslens/studies';
 *
 * // f(x, y) = x² − y² + y⁴/4: a saddle at 0, minima at y = ±√2
 * const f = (t: Float64Array) => t[0] ** 2 - t[1] ** 2 + t[1] ** 4 / 4;
 * const problem = {
 *   dim: 2,
 *   loss: async (t: Float64Array) => f(t),
 *   lossGrad: async (t: Float64Array) => ({ loss: f(t), grad: Float64Array.of(2 * t[0], -2 * t[1] + t[1] ** 3) }),
 *   hvp: async (t: Float64Array, v: Float64Array) => Float64Array.of(2 * v[0], (-2 + 3 * t[1] ** 2) * v[1]),
 * };
 * const start = Float64Array.of(0.5, 0.01);
 * const newton = await runDynamics(problem, 'newton', start, { steps: 30, krylovDim: 2 });
 * const sfn = await runDynamics(problem, 'sfn', start, { steps: 30, krylovDim: 2 });
 * assert.ok(Math.abs(newton.theta[1]) < 1e-9); // Newton converges to the saddle
 * assert.ok(Math.abs(Math.abs(sfn.theta[1]) - Math.SQRT2) < 1e-6); // saddle-free Newton escapes to a minimum
 * ```
 */
export async function runDynamics(
  p: DynamicsProblem,
  method: DynamicsMethod,
  start: Float64Array,
  options: Partial<DynamicsOptions>,
  probe?: IndexProbe,
  onStep?: (done: number, total: number) => void,
): Promise<DynamicsResult> {
  const o = resolveDynamicsOptions(options);
  const theta = Float64Array.from(start);
  const st: StepState = { hvps: 0, lossEvals: 0 };
  const records: DynamicsRecord[] = [];
  let indexHvps = 0;
  let diverged: number | undefined;
  for (let t = 0; t <= o.steps; t++) {
    const { loss, grad } = await p.lossGrad(theta);
    const gradNorm = norm(grad);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      diverged = t;
      break;
    }
    const rec: DynamicsRecord = { step: t, loss, gradNorm };
    if (probe && (t % o.indexEvery === 0 || t === o.steps)) {
      rec.index = await probe(theta);
      indexHvps += rec.index.hvps;
    }
    records.push(rec);
    onStep?.(t, o.steps);
    if (t === o.steps) break;
    axpy(1, await stepOf(method, p, theta, grad, t, o, st), theta);
  }
  return { method, records, hvps: { steps: st.hvps, index: indexHvps }, lossEvals: st.lossEvals, ...(diverged !== undefined ? { diverged } : {}), theta };
}
