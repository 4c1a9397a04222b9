/**
 * The Hessian analysis of `losslens hessian`: extreme eigenpairs by Lanczos, the trace by
 * Hutchinson, the spectral density by SLQ, and the diagnostics derived from them, for an
 * Objective at θ₀. Pure: no I/O; progress through a callback.
 */
import type { Objective } from '../objective/types.js';
import { extremeEigenpairs, type ExtremeEigenResult } from './extreme-eigenvalues.js';
import { hutchinsonTrace, type TraceResult } from './hutchinson-trace.js';
import { slqDensity, type SlqResult } from './slq-density.js';
import { conditionNumbers, saddleIndex, criticalPointVerdict, stabilityVerdict } from './spectrum-diagnostics.js';
import { resolveHessianOptions, type HessianOptions } from './hessian-options.js';
import { perLayerCurvature, type LayerCurvature } from './per-layer-curvature.js';
import type { MatVec } from './vector-ops.js';

export type Stage = 'eigenvalues' | 'trace' | 'density' | 'per-layer';

export interface HessianResult {
  params: number;
  samples: number;
  loss: number;
  gradNorm: number;
  eigenvalues: {
    top: number[]; bottom: number[]; method: string;
    /** Every wanted value at that end converged. */
    converged: { top: boolean; bottom: boolean };
    /** Per value: meets the convergence rule (residuals.rule); an unconverged value is a Ritz value, not an eigenvalue. */
    convergedEach: { top: boolean[]; bottom: boolean[] };
    matvecs: number; restarts: number; budgetExhausted: boolean; maxMatvecs: number;
  };
  residuals: { top: number[]; bottom: number[]; errorBounds: { top: number[]; bottom: number[] }; tol: number; floor: number; radius: number; rule: string };
  trace: { estimate: number; stderr: number | null; probes: number; method: string };
  density: { nodes: number[][]; weights: number[][]; order: number; probes: number; sigma: number; grid: { x: number[]; density: number[] } };
  conditionNumbers: ReturnType<typeof conditionNumbers>;
  saddleIndex: ReturnType<typeof saddleIndex>;
  criticalPoint: ReturnType<typeof criticalPointVerdict>;
  stability: ReturnType<typeof stabilityVerdict>;
  perLayer?: LayerCurvature[];
  hvps: number;
  timingsMs: Record<Stage, number>;
  /** Unit eigenvectors (top then bottom) when asked; not JSON: the caller writes them as files. */
  vectors?: { top: Float64Array[]; bottom: Float64Array[] };
}

/** Hessian-vector products at θ as a Float64 matvec, counting calls. */
export function hessianMatVec(objective: Objective, theta: Float32Array): { matvec: MatVec; calls: () => number } {
  let calls = 0;
  const matvec: MatVec = async (v) => {
    calls++;
    return Float64Array.from(await objective.hvp(theta, Float32Array.from(v)));
  };
  return { matvec, calls: () => calls };
}

export async function analyzeHessian(
  objective: Objective,
  options: Partial<HessianOptions> = {},
  onProgress?: (stage: Stage, done: number, total: number) => void,
): Promise<HessianResult> {
  const o = resolveHessianOptions(options);
  const theta = objective.theta0;
  const dim = objective.layout.dim;
  const { matvec, calls } = hessianMatVec(objective, theta);
  const { loss, grad } = await objective.grad(theta);
  let g2 = 0;
  for (let i = 0; i < grad.length; i++) g2 += grad[i] * grad[i];
  const timingsMs = { eigenvalues: 0, trace: 0, density: 0, 'per-layer': 0 } as Record<Stage, number>;
  const timed = async <T>(stage: Stage, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await f();
    timingsMs[stage] = Date.now() - t0;
    return r;
  };
  const eig: ExtremeEigenResult = await timed('eigenvalues', () =>
    extremeEigenpairs(matvec, dim, { top: Math.min(o.top, dim), bottom: Math.min(o.bottom, dim), maxIter: Math.min(o.maxIter, dim), maxMatvecs: o.maxMatvecs, tol: o.tol, floor: o.floor, seed: o.seed, vectors: o.vectors, onProgress: (d, t) => onProgress?.('eigenvalues', d, t) }),
  );
  const trace: TraceResult = await timed('trace', () =>
    hutchinsonTrace(matvec, dim, { probes: o.probes, seed: o.seed + 1, method: o.traceMethod, onProgress: (d, t) => onProgress?.('trace', d, t) }),
  );
  const slq: SlqResult = await timed('density', () =>
    slqDensity(matvec, dim, { order: Math.min(o.slqOrder, dim), probes: o.slqProbes, seed: o.seed + 2, sigma: o.sigma, onProgress: (d, t) => onProgress?.('density', d, t) }),
  );
  const perLayer = o.perLayer
    ? await timed('per-layer', () => perLayerCurvature(matvec, objective.layout, { maxIter: o.perLayerIter, probes: o.perLayerProbes, seed: o.seed + 3, onProgress: (d, t) => onProgress?.('per-layer', d, t) }))
    : undefined;
  const lmax = eig.top.values[0];
  const lmin = eig.bottom.values[0] ?? Math.min(...eig.top.values);
  const lminConverged = eig.bottom.values.length > 0 ? eig.bottom.convergedEach[0] : eig.top.converged;
  const topEnd = { values: eig.top.values, converged: eig.top.convergedEach, errorBounds: eig.top.errorBounds };
  const bottomEnd = { values: eig.bottom.values, converged: eig.bottom.convergedEach, errorBounds: eig.bottom.errorBounds };
  return {
    params: dim,
    samples: objective.n,
    loss,
    gradNorm: Math.sqrt(g2),
    eigenvalues: {
      top: eig.top.values, bottom: eig.bottom.values, method: eig.method,
      converged: { top: eig.top.converged, bottom: eig.bottom.converged },
      convergedEach: { top: eig.top.convergedEach, bottom: eig.bottom.convergedEach },
      matvecs: eig.matvecs, restarts: eig.restarts, budgetExhausted: eig.budgetExhausted, maxMatvecs: o.maxMatvecs,
    },
    residuals: {
      top: eig.top.residuals, bottom: eig.bottom.residuals, errorBounds: { top: eig.top.errorBounds, bottom: eig.bottom.errorBounds },
      tol: eig.tol, floor: eig.floor, radius: eig.radius, rule: eig.definition,
    },
    trace: { estimate: trace.estimate, stderr: trace.stderr, probes: trace.probes, method: trace.method },
    density: { nodes: slq.nodes, weights: slq.weights, order: slq.order, probes: slq.probes, sigma: slq.sigma, grid: slq.grid },
    conditionNumbers: conditionNumbers({ top: topEnd, bottom: bottomEnd, slq, relTol: o.relTol }),
    saddleIndex: saddleIndex(slq, lmax, dim, o.taus, bottomEnd),
    criticalPoint: criticalPointVerdict({ gradNorm: Math.sqrt(g2), lambdaMax: lmax, lambdaMin: lmin, loss, lambdaMinConverged: lminConverged }),
    stability: stabilityVerdict(lmax, o.lr),
    ...(perLayer ? { perLayer } : {}),
    hvps: calls(),
    timingsMs,
    ...(o.vectors && eig.top.vectors ? { vectors: { top: eig.top.vectors, bottom: eig.bottom.vectors ?? [] } } : {}),
  };
}
