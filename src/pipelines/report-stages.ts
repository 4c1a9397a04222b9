/**
 * Two stages of `losslens report` (./report-parts.ts) that need no analysis subset: eval on all the
 * data, with one progress count over its passes, and the two seeded slice directions, which the
 * local slices and the queued ones (./report-queue.ts) share.
 */
import type { Problem } from '../problem.js';
import { evaluatePoint } from '../objective/evaluate-point.js';
import { randomDirection, norm, type DirectionInfo } from '../landscape/directions.js';
import type { FullReport, ReportStage } from '../report/report-types.js';

/** Progress of the report's stages: work done of total, with a stage's own label. */
export type ReportProgress = (stage: ReportStage, done: number, total: number, label?: string) => void;

/** Eval on all the data: three passes (train loss, train gradient, test loss), progress as samples done of all three. */
export async function evalStage(problem: Problem, onProgress?: ReportProgress): Promise<FullReport['eval']> {
  const parts = [problem.train!.objective, problem.train!.objective, ...(problem.test ? [problem.test.objective] : [])];
  const total = parts.reduce((a, o) => a + o.n, 0);
  let finished = 0;
  const track = ({ done, total: n }: { done: number; total: number }) => {
    if (done >= n) finished += n;
    onProgress?.('eval', Math.min(total, done >= n ? finished : finished + done), total);
  };
  onProgress?.('eval', 0, total);
  for (const o of new Set(parts)) o.setProgressListener?.(track);
  try {
    const train = await evaluatePoint(problem.train!.objective);
    const test = problem.test ? await problem.test.objective.evaluate(problem.model.theta0) : undefined;
    onProgress?.('eval', total, total);
    return { train, ...(test ? { test } : {}) };
  } finally {
    for (const o of new Set(parts)) o.setProgressListener?.(undefined);
  }
}

/** The report's two filter-normalised directions (seeds 2·seed and 2·seed + 1, biases left out) and what the summary says of them. */
export function reportDirections(problem: Problem, seed: number): { d1: Float64Array; d2: Float64Array; info: DirectionInfo[] } {
  const dirOpts = { norm: 'filter' as const, includeBias: false };
  const d1 = randomDirection(problem.model.theta0, problem.model.layout, seed * 2, dirOpts);
  const d2 = randomDirection(problem.model.theta0, problem.model.layout, seed * 2 + 1, dirOpts);
  const info: DirectionInfo[] = [d1, d2].map((d, k) => ({ source: 'random', seed: seed * 2 + k, norm: 'filter', includeBias: false, norm2: norm(d) }));
  return { d1, d2, info };
}
