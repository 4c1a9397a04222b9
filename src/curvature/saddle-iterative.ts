/**
 * Saddle counts #{λ < t} from locked bottom eigenpairs (block-bottom-eigen.ts), and where they
 * do not reach t, an interval from the locked pairs plus a deflated SLQ estimate of the rest.
 *
 * Exact rule: when a locked value's lower bound θ − r is ≥ t, every eigenvalue below t is among
 * the locked ones (they are locked in ascending order, see the locking rule), so the count is
 * #{θ + r < t}, exact when no locked value lies within its residual r of t (else the interval
 * [#{θ + r < t}, #{θ − r < t}]). The guarantee is the one every Krylov/subspace method gives: an
 * eigenvalue whose eigenvector is orthogonal to every start and filter vector is never seen, which
 * for seeded Gaussian starts has probability zero; a locked value lower than one locked before it
 * would show such a miss and is reported.
 *
 * Otherwise: the k locked pairs are deflated (P H P on the complement, P = I − QQᵀ) and SLQ run from
 * probes in the complement; each probe's Chebyshev–Markov–Stieltjes bounds at t give the fraction
 * of the other d − k eigenvalues below t, averaged over probes: count ∈ [#{θ + r < t} + (d − k)·lo,
 * k + (d − k)·hi], widened by two standard errors of the probes' mean (a stochastic interval:
 * ≈ 95 % for the probe spread), its width the quadrature's resolution at t plus that spread.
 */
import { gaussianVector } from '../random.js';
import { deflatedMatVec, orthonormalizeBlock } from './block-chebyshev.js';
import { lanczos } from './lanczos.js';
import { cmsBounds } from './spectrum-diagnostics.js';
import { tridiagonalEigen } from './tridiagonal-eigen.js';
import type { LockedPairs } from './block-bottom-eigen.js';
import type { MatVec } from './vector-ops.js';

export interface CountAt {
  count: { lo: number; hi: number };
  estimate: number;
  /** The estimate's standard error over the SLQ probes (deflated SLQ intervals only). */
  stderr?: number;
  exact: boolean;
  cause?: string;
}

/** The count at t when the locked pairs pass it, else null. */
export function lockedCount(locked: Pick<LockedPairs, 'values' | 'residuals'>, t: number): CountAt | null {
  const v = locked.values,
    r = locked.residuals;
  if (!v.some((x, i) => x - r[i] >= t)) return null;
  const lo = v.filter((x, i) => x + r[i] < t).length;
  const hi = v.filter((x, i) => x - r[i] < t).length;
  const exact = lo === hi;
  return { count: { lo, hi }, estimate: lo, exact, ...(exact ? {} : { cause: `${hi - lo} locked eigenvalue(s) within their residual of the threshold` }) };
}

export interface DeflatedSlq {
  nodes: number[][];
  weights: number[][];
  matvecs: number;
  probes: number;
  order: number;
}

/** SLQ on P H P from probes in the complement of the locked vectors. */
export async function deflatedSlq(
  matvec: MatVec,
  dim: number,
  locked: readonly Float64Array[],
  o: { probes: number; order: number; seed: number; shift: number },
): Promise<DeflatedSlq> {
  const op = deflatedMatVec(matvec, locked, o.shift);
  const order = Math.min(o.order, dim - locked.length);
  const nodes: number[][] = [],
    weights: number[][] = [];
  let matvecs = 0;
  for (let p = 0; p < o.probes; p++) {
    const [start] = orthonormalizeBlock([gaussianVector(dim, (o.seed + Math.imul(p + 1, 0x85ebca6b)) >>> 0)], locked, o.seed + p);
    const run = await lanczos(op, dim, { maxIter: order, tol: 0, seed: o.seed + p, which: 'both', start, restartOnBreakdown: false });
    matvecs += run.matvecs;
    const eig = tridiagonalEigen(run.alpha, run.beta);
    nodes.push(Array.from(eig.values));
    weights.push(eig.vectors.map((s) => s[0] * s[0]));
  }
  return { nodes, weights, matvecs, probes: o.probes, order };
}

/** The interval at t from the locked pairs (which do not pass t) and the complement's SLQ. */
export function intervalCount(locked: Pick<LockedPairs, 'values' | 'residuals' | 'stop'>, slq: DeflatedSlq | null, t: number, dim: number): CountAt {
  const k = locked.values.length;
  const below = locked.values.filter((x, i) => x + locked.residuals[i] < t).length;
  const top = k > 0 ? Math.max(...locked.values) : NaN;
  const reach = k > 0 ? `the ${k} locked pairs reach only ${top.toPrecision(4)}` : 'no pair was locked';
  const why = {
    'matvec-budget': 'the matvec budget ran out',
    'vector-budget': 'the vector budget (most locked pairs) ran out',
    exhausted: 'the block filled the space',
    passed: 'passed',
  }[locked.stop];
  if (!slq) return { count: { lo: below, hi: dim }, estimate: NaN, exact: false, cause: `${reach} (${why}) and no density was computed: at least ${below}` };
  const rest = dim - k;
  const perProbe = (f: (p: number) => number) => slq.nodes.map((_, p) => f(p));
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const lo = below + rest * mean(perProbe((p) => cmsBounds(slq.nodes[p], slq.weights[p], t).lo));
  const hi = k + rest * mean(perProbe((p) => cmsBounds(slq.nodes[p], slq.weights[p], t).hi));
  const fractions = perProbe((p) => slq.nodes[p].reduce((a, x, i) => a + (x < t ? slq.weights[p][i] : 0), 0));
  const est = below + rest * mean(fractions);
  // the probes' spread: the standard error of their mean fraction, times the complement's size
  const n = fractions.length;
  const se = n > 1 ? rest * Math.sqrt(fractions.reduce((a, x) => a + (x - mean(fractions)) ** 2, 0) / (n - 1) / n) : NaN;
  const spread = Number.isFinite(se) ? 2 * se : 0;
  return {
    count: { lo: Math.max(below, lo - spread), hi: Math.min(dim, Math.max(lo, hi) + spread) },
    estimate: est,
    stderr: se,
    exact: false,
    cause: `${reach} (${why}): the rest is a deflated SLQ interval over the other ${rest} eigenvalues (${slq.probes} probes × ${slq.order} steps; quadrature width ${(hi - lo).toFixed(1)}, ± 2 standard errors ${spread.toFixed(1)} of the probes)`,
  };
}
