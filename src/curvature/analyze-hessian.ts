/**
 * The Hessian analysis of `losslens hessian`: extreme eigenpairs by thick-restart Lanczos,
 * the trace by Hutchinson / Hutch++ / XTrace (whose Rademacher products also give the
 * Frobenius norm and, on request, the diagonal), the spectral density by SLQ (optional; its
 * probes give a second trace estimate and bounds on the extremes), and the diagnostics derived
 * from converged pairs, for an Objective at θ₀ or a plain matvec. Before any of it, a two-pass
 * determinism check. Pure: no I/O; progress through a callback.
 */
import type { Objective } from '../objective/types.js';
import { extremeEigenpairs, type ExtremeEigenResult } from './extreme-eigenvalues.js';
import { hutchinsonTrace, type TraceResult } from './hutchinson-trace.js';
import { slqDensity, type SlqResult } from './slq-density.js';
import { conditionNumbers, saddleIndex, criticalPointVerdict, stabilityVerdict } from './spectrum-diagnostics.js';
import { analysisMeta } from '../analysis-meta.js';
import { resolveHessianOptions, type HessianOptions } from './hessian-options.js';
import { perLayerCurvature } from './per-layer-curvature.js';
import { ProductAccumulator, estimateDiagonal, layerRanges, perLayerDiagonal } from './diagonal-estimate.js';
import { checkDeterministic } from './determinism-guard.js';
import { slqSummary } from './slq-summary.js';
import type { HessianResult, Stage } from './hessian-result.js';
import type { MatVec } from './vector-ops.js';
import { unsupportedError } from '../errors.js';
import type { CurvatureKind } from './curvature-kind.js';
import { mergeSaddleCounts, saddleStage } from './saddle-stage.js';

export type { HessianResult, Stage } from './hessian-result.js';

/**
 * Hessian-vector products at θ as a Float64 matvec, counting calls.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, hessianMatVec } from 'losslens';
 *
 * // linear regression with the mean squared error: H = 2·X̃ᵀX̃/N with X̃ = [X, 1], so H[bias, bias] = 2
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const { matvec, calls } = hessianMatVec(objective, objective.theta0);
 *   const hv = await matvec(Float64Array.of(0, 0, 0, 0, 0, 1)); // H's bias column
 *   assert.ok(Math.abs(hv[5] - 2) < 1e-5);
 *   assert.equal(calls(), 1);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function hessianMatVec(objective: Objective, theta: Float32Array): { matvec: MatVec; calls: () => number } {
  return curvatureMatVec(objective, theta, 'hessian');
}

type Product = (theta: Float32Array, v: Float32Array) => Promise<Float32Array>;

/**
 * The products of the chosen curvature matrix at θ as a Float64 matvec, counting calls:
 * the Hessian (hvp), the Gauss–Newton matrix (ggnvp) or the empirical Fisher (fishervp).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { curvatureMatVec } from 'losslens/curvature';
 *
 * // a linear model under the squared error: the Gauss–Newton matrix is the Hessian, 2·X̃ᵀX̃/N
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const v = Float64Array.of(1, -1, 0.5, 0, 2, 1);
 *   const hv = await curvatureMatVec(objective, objective.theta0, 'hessian').matvec(v);
 *   const gv = await curvatureMatVec(objective, objective.theta0, 'ggn').matvec(v);
 *   hv.forEach((h, i) => assert.ok(Math.abs(h - gv[i]) < 1e-4 * Math.abs(h) + 1e-5));
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function curvatureMatVec(objective: Objective, theta: Float32Array, kind: CurvatureKind): { matvec: MatVec; calls: () => number } {
  const o = objective as Objective & { ggnvp?: Product; fishervp?: Product };
  const product: Product | undefined = kind === 'hessian' ? (t, v) => o.hvp(t, v) : kind === 'ggn' ? o.ggnvp?.bind(o) : o.fishervp?.bind(o);
  if (!product)
    throw unsupportedError(
      `--curvature ${kind}: this objective has no ${kind === 'ggn' ? 'Gauss–Newton' : 'empirical-Fisher'} product (only tfjs-backed objectives do)`,
    );
  let calls = 0;
  const matvec: MatVec = async (v) => {
    calls++;
    return Float64Array.from(await product(theta, Float32Array.from(v)));
  };
  return { matvec, calls: () => calls };
}

/**
 * The Hessian analysis of an objective at θ₀: the extreme eigenvalues (thick-restart Lanczos, each with its residual),
 * the trace (Hutchinson or XTrace), the SLQ spectral density, condition numbers, saddle index, and the critical-point
 * and stability verdicts; per-layer blocks and the diagonal when asked. `onProgress` hears each stage.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, loadDataset, analyzeHessian } from 'losslens';
 * import { symmetricEigenvalues } from 'losslens/curvature';
 *
 * // the explicit Hessian of linear regression, H = 2·X̃ᵀX̃/N (X̃ = [X, 1]), and its eigenvalues in float64
 * const data = await loadDataset({ data: 'fixtures/linreg/data.csv' });
 * const H = new Float64Array(36);
 * for (let s = 0; s < data.n; s++) {
 *   const row = [...data.x.subarray(5 * s, 5 * s + 5), 1];
 *   for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) H[6 * i + j] += (2 * row[i] * row[j]) / data.n;
 * }
 * const exact = symmetricEigenvalues(H, 6).values;
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const h = await analyzeHessian(problem.train!.objective, { top: 1, bottom: 1, density: false });
 *   assert.ok(Math.abs(h.eigenvalues.top[0] - exact[5]) < 1e-5 * exact[5]); // float32 products
 *   assert.ok(Math.abs(h.eigenvalues.bottom[0] - exact[0]) < 1e-5 * exact[5]);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function analyzeHessian(
  objective: Objective,
  options: Partial<HessianOptions> = {},
  onProgress?: (stage: Stage, done: number, total: number) => void,
): Promise<HessianResult> {
  const started = Date.now();
  const o = resolveHessianOptions(options);
  const theta = objective.theta0;
  const dim = objective.layout.dim;
  const { matvec, calls } = curvatureMatVec(objective, theta, o.curvature);
  const { loss, grad } = o.determinismCheck ? await checkDeterministic(objective, theta) : await objective.grad(theta);
  let g2 = 0;
  for (let i = 0; i < grad.length; i++) g2 += grad[i] * grad[i];
  const timingsMs: Record<Stage, number> = { eigenvalues: 0, trace: 0, density: 0, diagonal: 0, 'per-layer': 0, saddles: 0 };
  const timed = async <T>(stage: Stage, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await f();
    timingsMs[stage] = Date.now() - t0;
    return r;
  };
  const progress = (stage: Stage) => (d: number, t: number) => onProgress?.(stage, d, t);
  const eig: ExtremeEigenResult = await timed('eigenvalues', () =>
    extremeEigenpairs(matvec, dim, {
      ...eigenvalueStageOptions(o, dim),
      vectors: o.vectors,
      onProgress: progress('eigenvalues'),
    }),
  );
  const acc = new ProductAccumulator(dim, layerRanges(objective.layout));
  const trace: TraceResult = await timed('trace', () =>
    hutchinsonTrace(matvec, dim, {
      probes: o.probes,
      seed: o.seed + 1,
      method: o.traceMethod,
      onProgress: progress('trace'),
      onProduct: (z, hz) => acc.add(z, hz),
    }),
  );
  const slq: SlqResult | null = o.density
    ? await timed('density', () =>
        slqDensity(matvec, dim, { order: Math.min(o.slqOrder, dim), probes: o.slqProbes, seed: o.seed + 2, sigma: o.sigma, onProgress: progress('density') }),
      )
    : null;
  const diag =
    o.diagonal === 'none'
      ? null
      : o.diagonal === 'hutchinson' && o.traceMethod === 'hutchinson'
        ? { ...acc.diagonal(), method: 'hutchinson' as const, shared: true }
        : {
            ...(await timed('diagonal', () =>
              estimateDiagonal(matvec, dim, {
                method: o.diagonal as 'hutchinson' | 'xdiag',
                probes: o.diagonalProbes,
                seed: o.seed + 4,
                onProgress: progress('diagonal'),
              }),
            )),
            shared: false,
          };
  const perLayer = o.perLayer
    ? await timed('per-layer', () =>
        perLayerCurvature(matvec, objective.layout, { maxIter: o.perLayerIter, probes: o.perLayerProbes, seed: o.seed + 3, onProgress: progress('per-layer') }),
      )
    : undefined;
  const lmax = eig.top.values[0];
  const counts = await timed('saddles', () => saddleStage(matvec, dim, o, lmax, progress('saddles')));
  const lmin = eig.bottom.values[0] ?? Math.min(...eig.top.values);
  const lminConverged = eig.bottom.values.length > 0 ? eig.bottom.convergedEach[0] : eig.top.converged;
  const topEnd = { values: eig.top.values, converged: eig.top.convergedEach, errorBounds: eig.top.errorBounds };
  const bottomEnd = { values: eig.bottom.values, converged: eig.bottom.convergedEach, errorBounds: eig.bottom.errorBounds };
  return {
    meta: analysisMeta(started, o, o.seed),
    curvature: o.curvature,
    params: dim,
    samples: objective.n,
    loss,
    gradNorm: Math.sqrt(g2),
    eigenvalues: {
      top: eig.top.values,
      bottom: eig.bottom.values,
      method: eig.method,
      converged: { top: eig.top.converged, bottom: eig.bottom.converged },
      convergedEach: { top: eig.top.convergedEach, bottom: eig.bottom.convergedEach },
      matvecs: eig.matvecs,
      restarts: eig.restarts,
      budgetExhausted: eig.budgetExhausted,
      maxMatvecs: o.maxMatvecs,
    },
    residuals: {
      top: eig.top.residuals,
      bottom: eig.bottom.residuals,
      errorBounds: { top: eig.top.errorBounds, bottom: eig.bottom.errorBounds },
      tol: eig.tol,
      floor: eig.floor,
      radius: eig.radius,
      rule: eig.definition,
    },
    trace: { estimate: trace.estimate, stderr: trace.stderr, probes: trace.probes, method: trace.method, ...(slq ? { slq: slqSummary(slq, dim).trace } : {}) },
    frobenius: acc.frobenius(),
    density: slq
      ? { nodes: slq.nodes, weights: slq.weights, order: slq.order, probes: slq.probes, sigma: slq.sigma, grid: slq.grid, ...slqSummary(slq, dim) }
      : null,
    ...(diag
      ? {
          diagonal: {
            method: diag.method,
            samples: diag.samples,
            matvecs: diag.shared ? 0 : diag.matvecs,
            sharedWithTrace: diag.shared,
            perLayer: perLayerDiagonal(diag, objective.layout, diag.shared ? acc.layerTraceStderr() : undefined),
            definition:
              'per-parameter estimate of diag(H) (Hutchinson: mean of z ⊙ Hz over Rademacher z; XDiag: exchangeable deflated estimate), per-entry stderr from its samples; per layer: sum (= trace of the diagonal block), its stderr, mean, max |entry|, fraction negative',
          },
        }
      : {}),
    conditionNumbers: conditionNumbers({ top: topEnd, bottom: bottomEnd, slq: slq ?? undefined, relTol: o.relTol }),
    saddleIndex: mergeSaddleCounts(saddleIndex(slq, lmax, dim, o.taus, bottomEnd), counts, dim),
    ...(counts ? { saddleCounts: { ...withoutSpectrum(counts), ...(counts.method === 'iterative' ? { eigenvalues: counts.eigenvalues } : {}) } } : {}),
    ...(counts?.method === 'dense' ? { spectrum: counts.eigenvalues } : {}),
    criticalPoint: criticalPointVerdict({ gradNorm: Math.sqrt(g2), lambdaMax: lmax, lambdaMin: lmin, loss, lambdaMinConverged: lminConverged }),
    stability: stabilityVerdict(lmax, o.lr),
    ...(perLayer ? { perLayer } : {}),
    hvps: calls(),
    timingsMs,
    ...(o.vectors && eig.top.vectors ? { vectors: { top: eig.top.vectors, bottom: eig.bottom.vectors ?? [] } } : {}),
    ...(diag ? { diagonalValues: { mean: diag.mean, stderr: diag.stderr } } : {}),
  };
}

function withoutSpectrum<T extends { eigenvalues: unknown; thresholds: unknown }>(c: T): Omit<T, 'eigenvalues' | 'thresholds'> {
  const { eigenvalues: _e, thresholds: _t, ...rest } = c;
  return rest;
}

/** The eigenvalue stage's Lanczos options from resolved hessian options on a `dim`-parameter operator (counts capped at dim). */
export function eigenvalueStageOptions(o: HessianOptions, dim: number) {
  return {
    top: Math.min(o.top, dim),
    bottom: Math.min(o.bottom, dim),
    maxIter: Math.min(o.maxIter, dim),
    maxMatvecs: o.maxMatvecs,
    tol: o.tol,
    floor: o.floor,
    seed: o.seed,
  };
}
