/**
 * Spectral density by stochastic Lanczos quadrature (Ubaru, Chen, Saad 2017; Ghorbani,
 * Krishnan, Xiao 2019, as in PyHessian).
 *
 * For each probe v (Gaussian, normalised to ‖v‖ = 1), `order` Lanczos steps with full
 * reorthogonalization give T = S diag(θ) Sᵀ; the Gauss quadrature nodes are the Ritz values
 * θᵢ and the weights wᵢ = S₁ᵢ² (they sum to 1 because S is orthogonal). vᵀ f(H) v ≈ Σ wᵢ f(θᵢ),
 * so the spectral density φ(λ) = (1/n) Σⱼ δ(λ − λⱼ) is estimated by the average over probes
 * of Σᵢ wᵢ δ(λ − θᵢ), smoothed with a Gaussian kernel of variance σ²:
 *   density(x) = (1/probes) Σ_probe Σᵢ wᵢ · N(x; θᵢ, σ²).
 * Default σ² = 1e-5 · (λmax − λmin)², i.e. relative to the observed range of nodes (the
 * PyHessian/Ghorbani choice after their normalisation of the spectrum to [−1, 1]).
 * A probe whose Krylov space becomes invariant before `order` steps stops early: its
 * quadrature is then exact with fewer nodes.
 * The grid spans [λmin − pad, λmax + pad] with pad = max(5σ, 1e-2 · range) so the tails of
 * the kernels at the extreme nodes are inside it, and the density integrates to ≈ 1.
 */
import { optionError } from '../errors.js';
import { gaussianVector } from '../random.js';
import { lanczos } from './lanczos.js';
import { tridiagonalEigen } from './tridiagonal-eigen.js';
import type { MatVec, OnProgress } from './vector-ops.js';

/** slqDensity's options: Lanczos steps per probe, probes, seed, smoothing width and grid. */
export interface SlqOptions {
  /** Lanczos steps per probe (quadrature nodes); default min(90, dim). */
  order?: number;
  /** Number of random probes; default 10. */
  probes?: number;
  seed?: number;
  /** Kernel standard deviation; default √(1e-5) · (λmax − λmin). */
  sigma?: number;
  /** Grid points for the smoothed density; default 1000. */
  gridPoints?: number;
  onProgress?: OnProgress;
}

/** Per-probe quadrature nodes and weights, and their smoothed spectral density on a grid. */
export interface SlqResult {
  /** nodes[p] = Ritz values (ascending) of probe p. */
  nodes: number[][];
  /** weights[p][i] = squared first component of the eigenvector of T for nodes[p][i]. */
  weights: number[][];
  probes: number;
  order: number;
  sigma: number;
  grid: { x: number[]; density: number[] };
  matvecs: number;
  definitions: { density: string; sigma: string };
}

/**
 * The spectral density of a symmetric operator by stochastic Lanczos quadrature: per probe, the
 * Ritz values (nodes) and squared first components (weights) of an `order`-step Lanczos run,
 * and their Gaussian-smoothed average on a grid.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, slqDensity, negativeSpectralMass } from 'losslens/curvature';
 *
 * const op = diagonalOperator([-2, -1, 1, 2, 3, 4, 5, 6]);
 * const d = await slqDensity(op.matvec, op.dim, { order: 8, probes: 20, seed: 0 });
 * const neg = negativeSpectralMass(d);
 * assert.ok(Math.abs(neg.fraction - 2 / 8) < 4 * neg.stderr!);
 * ```
 */
export async function slqDensity(matvec: MatVec, dim: number, options: SlqOptions = {}): Promise<SlqResult> {
  if (!Number.isInteger(dim) || dim < 1) throw optionError('dim', `must be a positive integer, got ${dim}`);
  const order = Math.min(options.order ?? 90, dim);
  const probes = options.probes ?? 10;
  const gridPoints = options.gridPoints ?? 1000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(order) || order < 1) throw optionError('order', `must be a positive integer, got ${options.order}`);
  if (!Number.isInteger(probes) || probes < 1) throw optionError('probes', `must be a positive integer, got ${probes}`);
  if (!Number.isInteger(gridPoints) || gridPoints < 2) throw optionError('gridPoints', `must be an integer ≥ 2, got ${gridPoints}`);
  if (options.sigma !== undefined && !(options.sigma > 0)) throw optionError('sigma', `must be > 0, got ${options.sigma}`);
  const nodes: number[][] = [],
    weights: number[][] = [];
  let matvecs = 0;
  for (let p = 0; p < probes; p++) {
    const start = gaussianVector(dim, (seed + Math.imul(p + 1, 0x85ebca6b)) >>> 0);
    const run = await lanczos(matvec, dim, {
      maxIter: order,
      tol: 0,
      seed: seed + p,
      which: 'both',
      start,
      restartOnBreakdown: false,
      onProgress: options.onProgress && ((done) => options.onProgress!(p * order + done, probes * order)),
    });
    matvecs += run.matvecs;
    const eig = tridiagonalEigen(run.alpha, run.beta);
    nodes.push(Array.from(eig.values));
    weights.push(eig.vectors.map((s) => s[0] * s[0]));
  }
  const sigma = options.sigma ?? defaultSigma(nodes);
  return {
    nodes,
    weights,
    probes,
    order,
    sigma,
    grid: smoothDensity(nodes, weights, sigma, gridPoints),
    matvecs,
    definitions: {
      density:
        'density(x) = (1/probes) Σ_probe Σ_i w_i N(x; θ_i, σ²); θ_i Ritz values of an order-step Lanczos run from a unit Gaussian probe, w_i squared first eigenvector components',
      sigma: options.sigma === undefined ? 'σ = √(1e-5)·(λmax − λmin) over all nodes (default)' : 'σ given by the caller',
    },
  };
}

function defaultSigma(nodes: number[][]): number {
  const all = nodes.flat();
  const range = Math.max(...all) - Math.min(...all);
  return range > 0 ? Math.sqrt(1e-5) * range : Math.max(1e-3 * Math.abs(all[0]), 1e-6);
}

function smoothDensity(nodes: number[][], weights: number[][], sigma: number, points: number): { x: number[]; density: number[] } {
  const all = nodes.flat();
  const lo = Math.min(...all),
    hi = Math.max(...all);
  const pad = Math.max(5 * sigma, 1e-2 * (hi - lo));
  const x = Array.from({ length: points }, (_, i) => lo - pad + ((hi - lo + 2 * pad) * i) / (points - 1));
  const density = new Array<number>(points).fill(0);
  const norm = 1 / (nodes.length * sigma * Math.sqrt(2 * Math.PI));
  nodes.forEach((probeNodes, p) =>
    probeNodes.forEach((theta, i) => {
      const w = weights[p][i] * norm;
      for (let g = 0; g < points; g++) density[g] += w * Math.exp(-0.5 * ((x[g] - theta) / sigma) ** 2);
    }),
  );
  return { x, density };
}

/**
 * The spectral mass of {λ : predicate(λ)}: per probe Σ wᵢ [predicate(θᵢ)], averaged over
 * probes; stderr = std across probes / √probes (null for one probe). An estimate of
 * #{j : predicate(λⱼ)} / dim.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, slqDensity, spectralFraction } from 'losslens/curvature';
 *
 * // 2 of 8 eigenvalues exceed 5: SLQ with order = dim resolves each one as a node
 * const op = diagonalOperator([-1, 0.5, 1, 2, 3, 4, 6, 8]);
 * const slq = await slqDensity(op.matvec, 8, { order: 8, probes: 20, seed: 0 });
 * const above5 = spectralFraction(slq, (lambda) => lambda > 5);
 * assert.ok(Math.abs(above5.fraction - 2 / 8) < 4 * above5.stderr!);
 * ```
 */
export function spectralFraction(
  result: Pick<SlqResult, 'nodes' | 'weights'>,
  predicate: (lambda: number) => boolean,
): { fraction: number; stderr: number | null } {
  const perProbe = result.nodes.map((ns, p) => ns.reduce((acc, theta, i) => acc + (predicate(theta) ? result.weights[p][i] : 0), 0));
  const n = perProbe.length;
  const fraction = perProbe.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { fraction, stderr: null };
  const v = perProbe.reduce((a, b) => a + (b - fraction) ** 2, 0) / (n - 1);
  return { fraction, stderr: Math.sqrt(v / n) };
}

/**
 * Fraction of the spectrum below zero, Σ wᵢ [θᵢ < 0] averaged over probes.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, slqDensity, negativeSpectralMass } from 'losslens/curvature';
 *
 * // 2 of 8 eigenvalues are negative: the estimate is 1/4 within its probe spread
 * const op = diagonalOperator([-3, -1, 0.5, 1, 2, 3, 4, 6]);
 * const slq = await slqDensity(op.matvec, 8, { order: 8, probes: 20, seed: 0 });
 * const neg = negativeSpectralMass(slq);
 * assert.ok(Math.abs(neg.fraction - 0.25) < 4 * neg.stderr!);
 * ```
 */
export function negativeSpectralMass(result: Pick<SlqResult, 'nodes' | 'weights'>): { fraction: number; stderr: number | null } {
  return spectralFraction(result, (lambda) => lambda < 0);
}
