/**
 * Critical points of a loss by Newton-MR (Roosta, Liu, Xu & Mahoney 2018): minimise ½‖∇L‖²,
 * whose gradient is H∇L, with steps s = −MINRES(H, g) and a backtracking line search on ‖g‖²
 * (Armijo: ‖g(θ + αs)‖² ≤ ‖g‖² + 2ραsᵀHg; every MINRES iterate has sᵀHg < 0). The step does not
 * care about the sign of H's eigenvalues, so it converges to saddles and maxima as readily as to
 * minima — which is why it finds the critical points a loss-vs-index picture needs
 * (Dauphin et al. 2014). Vectors are float64; the problem's products may round to float32.
 */
import { optionError } from '../errors.js';
import { minres } from './minres.js';

/** The loss as the finder sees it: value and gradient, and Hessian-vector products, at θ. */
export interface CriticalPointProblem {
  grad(theta: Float64Array): Promise<{ loss: number; grad: Float64Array }>;
  hvp(theta: Float64Array, v: Float64Array): Promise<Float64Array>;
}

/** Budgets and tolerances of the Newton-MR critical-point finder ({@link FINDER_DEFAULTS} gives each a value). */
export interface FinderOptions {
  /** Converged when ‖∇L(θ)‖ ≤ gradTol·‖∇L(θ₀)‖. */
  gradTol: number;
  /** Newton-MR steps at most. */
  maxIter: number;
  /** MINRES iterations per step at most (one product each). */
  minresIter: number;
  /** MINRES inexactness: ‖r‖ ≤ η‖g‖ or ‖Hr‖ ≤ η‖Hg‖. */
  minresTol: number;
  /** Hessian-vector products in all at most. */
  maxHvps: number;
  /** A step longer than stepCap·max(1, ‖θ‖) is shortened to it (a far jump leaves the region the model was in). */
  stepCap: number;
}

export const FINDER_DEFAULTS: FinderOptions = { gradTol: 1e-4, maxIter: 60, minresIter: 200, minresTol: 1e-2, maxHvps: 20_000, stepCap: 0.5 };

/** One accepted Newton-MR step: the loss and ‖∇L‖ after it, the step length α taken and the MINRES iterations it cost. */
export interface FinderStep {
  iter: number;
  loss: number;
  gradNorm: number;
  alpha: number;
  minresIterations: number;
}

/**
 * Where the finder stopped: θ with its loss and gradient norm, whether ‖∇L‖ fell below gradTol relative to the start
 * (`converged`; otherwise `stop` says which budget ended it), the products spent, and every step.
 */
export interface CriticalPoint {
  theta: Float64Array;
  loss: number;
  gradNorm: number;
  gradNorm0: number;
  /** ‖∇L(θ)‖ / ‖∇L(θ₀)‖. */
  gradNormRatio: number;
  converged: boolean;
  stop: 'converged' | 'max-iter' | 'max-hvps' | 'line-search';
  iterations: number;
  hvps: number;
  grads: number;
  history: FinderStep[];
}

const ARMIJO = 1e-4;
const BACKTRACKS = 30;
const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

export function resolveFinderOptions(o: Partial<FinderOptions> = {}): FinderOptions {
  // only the finder's own fields: a caller's whole options object (paths included) must not reach the task config
  const own = (Object.keys(FINDER_DEFAULTS) as (keyof FinderOptions)[]).filter((k) => o[k] !== undefined).map((k) => [k, o[k]]);
  const r = { ...FINDER_DEFAULTS, ...Object.fromEntries(own) } as FinderOptions;
  if (!(r.gradTol > 0 && r.gradTol < 1)) throw optionError('gradTol', `must be in (0, 1), got ${r.gradTol}`);
  if (!(r.minresTol > 0 && r.minresTol < 1)) throw optionError('minresTol', `must be in (0, 1), got ${r.minresTol}`);
  if (!(r.stepCap > 0)) throw optionError('stepCap', `must be > 0, got ${r.stepCap}`);
  for (const f of ['maxIter', 'minresIter', 'maxHvps'] as const)
    if (!(Number.isInteger(r[f]) && r[f] >= 1)) throw optionError(f, `must be an integer ≥ 1, got ${r[f]}`);
  return r;
}

/**
 * Newton-MR from θ₀ until ‖g‖ ≤ gradTol·‖g₀‖ or a budget ends; the last point is returned either
 * way, with `converged`, its ‖g‖ ratio, the products used and the path of ‖g‖.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { findCriticalPoint } from 'losslens/studies';
 *
 * // f(x, y) = (x² − 1)² + (y² − 1)²: from near (0, 1) Newton-MR lands on the saddle there (index 1)
 * const grad = async (t: Float64Array) => ({ loss: (t[0] ** 2 - 1) ** 2 + (t[1] ** 2 - 1) ** 2, grad: t.map((x) => 4 * x ** 3 - 4 * x) });
 * const hvp = async (t: Float64Array, v: Float64Array) => v.map((x, i) => (12 * t[i] ** 2 - 4) * x);
 * const p = await findCriticalPoint({ grad, hvp }, Float64Array.from([0.2, 0.8]), { gradTol: 1e-10 });
 * assert.ok(p.converged && Math.abs(p.theta[0]) < 1e-8 && Math.abs(p.theta[1] - 1) < 1e-8);
 * ```
 */
export async function findCriticalPoint(p: CriticalPointProblem, theta0: Float64Array, options: Partial<FinderOptions> = {}): Promise<CriticalPoint> {
  const o = resolveFinderOptions(options);
  let theta: Float64Array = theta0.slice();
  let { loss, grad }: { loss: number; grad: Float64Array } = await p.grad(theta);
  const g0 = norm(grad);
  let gn = g0,
    hvps = 0,
    grads = 1,
    iter = 0;
  const history: FinderStep[] = [{ iter: 0, loss, gradNorm: gn, alpha: 0, minresIterations: 0 }];
  let stop: CriticalPoint['stop'] = 'max-iter';
  while (iter < o.maxIter) {
    if (gn <= o.gradTol * g0) {
      stop = 'converged';
      break;
    }
    const budget = Math.min(o.minresIter, o.maxHvps - hvps);
    if (budget < 1) {
      stop = 'max-hvps';
      break;
    }
    const at = theta;
    const m = await minres((v) => p.hvp(at, v), grad, { tol: o.minresTol, maxIter: budget });
    hvps += m.iterations;
    const step = capped(m.x, o.stepCap * Math.max(1, norm(theta)));
    // sᵀHg with s = −x: negative for a MINRES iterate; a rounding-positive value still demands ‖g‖ not grow
    const slope = Math.min(0, -dot(step, m.hb));
    const ls = await lineSearch(p, theta, step, gn * gn, slope);
    grads += ls.evaluations;
    iter++;
    if (!ls.accepted) {
      stop = 'line-search';
      break;
    }
    ({ theta, loss, grad } = ls);
    gn = norm(grad);
    history.push({ iter, loss, gradNorm: gn, alpha: ls.alpha, minresIterations: m.iterations });
  }
  if (stop === 'max-iter' && gn <= o.gradTol * g0) stop = 'converged';
  return {
    theta,
    loss,
    gradNorm: gn,
    gradNorm0: g0,
    gradNormRatio: g0 > 0 ? gn / g0 : 0,
    converged: stop === 'converged',
    stop,
    iterations: iter,
    hvps,
    grads,
    history,
  };
}

/** The step x scaled down to length `cap` when longer. */
function capped(x: Float64Array, cap: number): Float64Array {
  const n = norm(x);
  return n > cap ? x.map((v) => (v * cap) / n) : x;
}

interface Accepted {
  accepted: true;
  theta: Float64Array;
  loss: number;
  grad: Float64Array;
  alpha: number;
  evaluations: number;
}

/** Backtracking from α = 1 on ‖g(θ − αx)‖² (x the MINRES solution, so the step is −x). */
async function lineSearch(
  p: CriticalPointProblem,
  theta: Float64Array,
  x: Float64Array,
  g2: number,
  slope: number,
): Promise<Accepted | { accepted: false; evaluations: number }> {
  let alpha = 1;
  for (let k = 1; k <= BACKTRACKS; k++) {
    const t = theta.map((v, i) => v - alpha * x[i]);
    const r = await p.grad(t);
    const n2 = dot(r.grad, r.grad);
    if (Number.isFinite(r.loss) && n2 <= g2 + 2 * ARMIJO * alpha * slope)
      return { accepted: true, theta: t, loss: r.loss, grad: r.grad, alpha, evaluations: k };
    alpha /= 2;
  }
  return { accepted: false, evaluations: BACKTRACKS };
}
