/**
 * The index–loss picture of `losslens saddles` from its finished runs: every critical point (the
 * ones whose ‖∇L‖ did not fall below the tolerance kept, flagged, and left out of the
 * statistics), the Spearman correlation of training loss with the index fraction at the default
 * τ (with a seeded permutation p-value), and the finding in words (Dauphin et al. 2014, Fig. 1:
 * the index of critical points grows with their loss).
 */
import { createRng } from '../random.js';
import { spearman } from '../studies/stats.js';
import type { RunRecord } from '../studies/types.js';
import type { CriticalPointResult, IndexAt } from '../studies/tasks/critical-point.js';

export interface CriticalPointRow extends Omit<CriticalPointResult, 'path' | 'start'> {
  id: string;
  start: { seed: number; sgdSteps: number; kind: 'initialisation' | 'sgd' };
}

export interface SpearmanResult {
  tau: number;
  rho: number;
  n: number;
  /** Two-sided: the share of label permutations with |ρ| at least as large (add-one rule). */
  pValue: number;
  permutations: number;
}

export const PERMUTATIONS = 9999;

/** ρ of (x, y) and its two-sided permutation p-value (seeded: the same data gives the same p). */
export function spearmanTest(x: number[], y: number[], seed = 0, permutations = PERMUTATIONS): { rho: number; n: number; pValue: number } {
  const { rho, n } = spearman(x, y);
  if (!Number.isFinite(rho)) return { rho, n, pValue: NaN };
  const rng = createRng(seed);
  const yy = y.slice();
  let hits = 0;
  for (let p = 0; p < permutations; p++) {
    for (let i = yy.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [yy[i], yy[j]] = [yy[j], yy[i]];
    }
    if (Math.abs(spearman(x, yy).rho) >= Math.abs(rho) - 1e-12) hits++;
  }
  return { rho, n, pValue: (hits + 1) / (permutations + 1) };
}

const at = (r: { index: IndexAt[] }, tau: number) => r.index.find((i) => i.tau === tau);

/** The finding in one sentence: whether index grows with loss at τ, how strongly, and how many points are saddles. */
export function indexLossFinding(rows: CriticalPointRow[], s: SpearmanResult): string {
  const conv = rows.filter((r) => r.converged);
  const saddles = conv.filter((r) => (at(r, s.tau)?.count.lo ?? 0) > 0).length;
  const apart = rows.length - conv.length ? `; ${rows.length - conv.length} start(s) did not reach the tolerance and are shown apart` : '';
  const share = `${saddles} of ${conv.length} converged critical points are saddles (index > 0 at τ = ${s.tau})${apart}`;
  if (!(s.n >= 3) || !Number.isFinite(s.rho)) return `too few converged critical points with distinct values (n = ${s.n}) for a correlation; ${share}`;
  const stat = `ρ = ${s.rho.toFixed(2)} (n = ${s.n}, permutation p = ${s.pValue.toPrecision(2)})`;
  if (s.pValue < 0.05 && s.rho > 0) return `index grows with loss: ${stat}, as Dauphin et al. (2014, Fig. 1) report; ${share}`;
  if (s.pValue < 0.05) return `the data disagrees with Dauphin et al. (2014): index falls as loss grows, ${stat}; ${share}`;
  return `no significant monotone relation between loss and index: ${stat}; the data does not show Dauphin et al.'s trend here; ${share}`;
}

/** One row per finished start, in id order. */
export function criticalPointRows(records: RunRecord<CriticalPointResult>[]): CriticalPointRow[] {
  return records.map((rec) => {
    const { path: _path, start, ...r } = rec.result;
    return { id: rec.id, ...r, start: { ...start, kind: start.sgdSteps === 0 ? 'initialisation' : 'sgd' } };
  });
}

/** summary.json's body: the points, the correlation at τ and the finding. */
export function saddlesSummary(records: RunRecord<CriticalPointResult>[], o: { tau: number; gradTol: number }) {
  const rows = criticalPointRows(records);
  const conv = rows.filter((r) => r.converged);
  const frac = conv.map((r) => at(r, o.tau)?.fraction ?? NaN);
  const t = spearmanTest(
    conv.map((r) => r.loss),
    frac,
  );
  const sp: SpearmanResult = { tau: o.tau, ...t, permutations: PERMUTATIONS };
  // every start's end point, critical or not: a description of where the search stopped, not Dauphin's statistic
  const all = spearmanTest(
    rows.map((r) => r.loss),
    rows.map((r) => at(r, o.tau)?.fraction ?? NaN),
  );
  return {
    tau: o.tau,
    gradTol: o.gradTol,
    counts: { starts: rows.length, converged: conv.length, unconverged: rows.length - conv.length },
    criticalPoints: rows,
    unconverged: rows.filter((r) => !r.converged).map((r) => ({ id: r.id, gradNormRatio: r.gradNormRatio, stop: r.stop })),
    spearman: sp,
    spearmanAllStarts: { tau: o.tau, ...all, permutations: PERMUTATIONS },
    finding: indexLossFinding(rows, sp),
    definitions: {
      converged: `‖∇L(θ)‖ ≤ gradTol·‖∇L(θ₀)‖ (gradTol = ${o.gradTol}), θ₀ the start; the others are kept, flagged, and left out of ρ`,
      index: '#{λ < −τ·λmax} of the Hessian at the point (count.lo = count.hi where exact); fraction = that count (or the interval midpoint) / parameters',
      spearmanAllStarts: 'the same over every start’s end point, converged or not (the unconverged are not critical points)',
      spearman: `rank correlation of training loss with the index fraction at τ = ${o.tau} over the converged points; p two-sided by ${PERMUTATIONS} seeded permutations`,
    },
  };
}
