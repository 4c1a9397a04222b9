/**
 * Rebuild the optimizers study's summary and figures: the pure summary, then (main thread) the
 * PCA plane of the best settings' trajectories for the first seed — PCA of all their θ snapshots
 * around the mean of their final θs (pcaDirections) — and the train loss on a grid over that plane
 * (computeSlice) spanning the paths with a 25% margin.
 */
import type { RunRecord } from '../studies/types.js';
import type { StudyFolder } from '../studies/study-folder.js';
import type { Figure } from '../report/write-report.js';
import { studyObjectives, type TrainMeasureResult, type TrainMeasureConfig } from '../studies/tasks/train-and-measure.js';
import { optimizersSummary, type OptimizersSummary } from '../studies/optimizers-analysis.js';
import { optimizersFigures, type PlanePaths } from '../figures/optimizers.js';
import type { OptimizersStudyConfig } from '../studies/optimizers-study.js';
import { pcaDirections } from '../landscape/pca-directions.js';
import { computeSlice } from '../landscape/slice.js';

export async function rebuildOptimizers(
  c: OptimizersStudyConfig,
  records: RunRecord<TrainMeasureResult>[],
  folder: StudyFolder,
  opts: { scale: number },
): Promise<{ summary: Record<string, unknown>; figures: Figure[] }> {
  const summary = optimizersSummary(
    records,
    c.optimizers.map((o) => o.name),
    c.targetLoss,
  );
  const plane = await planePaths(c, summary, records, folder);
  const { paths: _omit, ...planeSummary } = plane ?? { paths: [] };
  return {
    summary: { study: 'optimizers', ...summary, ...(plane ? { plane: { ...planeSummary, paths: plane.paths.map((p) => p.name) } } : {}) },
    figures: await optimizersFigures(summary, plane, opts.scale),
  };
}

async function planePaths(
  c: OptimizersStudyConfig,
  s: OptimizersSummary,
  records: RunRecord<TrainMeasureResult>[],
  folder: StudyFolder,
): Promise<PlanePaths | null> {
  const seed = c.seeds[0];
  const runs = s.best
    .map((b) => records.find((r) => b.runIds.includes(r.id) && r.result.seed === seed && r.result.trajectorySteps))
    .filter((r) => r !== undefined);
  if (runs.length === 0) return null;
  const trajs = await Promise.all(
    runs.map(async (r) => {
      const flat = await folder.readAttachment(r.id, 'trajectory');
      const m = r.result.trajectorySteps!.length;
      const dim = flat.length / m;
      return Array.from({ length: m }, (_, k) => flat.subarray(k * dim, (k + 1) * dim));
    }),
  );
  const dim = trajs[0][0].length;
  const center = new Float32Array(dim);
  for (const t of trajs) for (let i = 0; i < dim; i++) center[i] += t[t.length - 1][i] / trajs.length;
  const snaps = trajs.flat();
  if (snaps.length < 3) return null;
  const pca = pcaDirections(snaps, center, 2, 'optimizer trajectories');
  let k = 0;
  const paths = runs.map((r, i) => ({ name: s.best[i].setting.key, coords: trajs[i].map(() => pca.coords[k++]) }));
  const range = (axis: number): [number, number] => {
    const v = pca.coords.map((p) => p[axis]);
    const [lo, hi] = [Math.min(...v), Math.max(...v)];
    const pad = 0.25 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  const { train, test } = await studyObjectives(runs[0].config as TrainMeasureConfig);
  try {
    const sl = await computeSlice(train, undefined, center, pca.directions[0], pca.directions[1], {
      dims: 2,
      range: range(0),
      yRange: range(1),
      points: c.planePoints,
    });
    if (sl.dims !== 2) throw new Error('computeSlice: a 2-D slice was asked for');
    return { alphas: sl.alphas, betas: sl.betas, loss: sl.train.loss, paths, explainedVariance: pca.explainedVariance, seed };
  } finally {
    train.dispose();
    test?.dispose();
  }
}
