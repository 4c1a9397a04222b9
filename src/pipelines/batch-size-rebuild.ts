/**
 * Rebuild the batch-size study's summary and figures from its finished runs: the slices of the
 * smallest- and largest-batch minima of the first seed that has both (main thread, from the stored
 * θ files; ./batch-size-slices.ts), then the pure summary and the figures. Deterministic in the
 * finished runs.
 */
import type { RunRecord } from '../studies/types.js';
import type { StudyFolder } from '../studies/study-folder.js';
import type { Figure } from '../render/figure.js';
import { studyObjectives, type TrainMeasureConfig, type TrainMeasureResult } from '../studies/tasks/train-and-measure.js';
import { batchSizeSummary } from '../studies/batch-size-analysis.js';
import { batchSizeFigures } from '../figures/batch-size.js';
import { batchSlices, type BatchSlices } from '../studies/batch-size-slices.js';
import { baseLr, type BatchSizeStudyConfig } from '../studies/batch-size-study.js';

export async function rebuildBatchSize(
  c: BatchSizeStudyConfig,
  records: RunRecord<TrainMeasureResult>[],
  folder: StudyFolder,
  opts: { scale: number; onProgress?: (label: string, done: number, total: number) => void },
): Promise<{ summary: Record<string, unknown>; figures: Figure[] }> {
  const slices = await smallLargeSlices(c, records, folder, opts.onProgress);
  const summary = batchSizeSummary(records, { batchSizes: c.batchSizes, lrScaling: c.lrScaling, baseBatchSize: c.baseBatchSize, baseLr: baseLr(c) }, slices);
  return { summary: { study: 'batch-size', ...summary }, figures: await batchSizeFigures(summary, opts.scale) };
}

async function smallLargeSlices(
  c: BatchSizeStudyConfig,
  records: RunRecord<TrainMeasureResult>[],
  folder: StudyFolder,
  onProgress?: (label: string, done: number, total: number) => void,
): Promise<BatchSlices | undefined> {
  if (c.batchSizes.length < 2) return undefined;
  const [bs, bl] = [c.batchSizes[0], c.batchSizes.at(-1)!];
  const ok = (r: RunRecord<TrainMeasureResult>, b: number) => (r.config as TrainMeasureConfig).run.batchSize === b && r.result.status !== 'diverged';
  for (const seed of c.seeds) {
    const small = records.find((r) => r.result.seed === seed && ok(r, bs));
    const large = records.find((r) => r.result.seed === seed && ok(r, bl));
    if (!small || !large) continue;
    const { train, test } = await studyObjectives(small.config as TrainMeasureConfig);
    try {
      const [ts, tl] = await Promise.all([folder.readAttachment(small.id, 'theta'), folder.readAttachment(large.id, 'theta')]);
      return await batchSlices(
        train,
        test,
        { id: small.id, batchSize: bs, theta: ts },
        { id: large.id, batchSize: bl, theta: tl },
        { ...c.slices, runSeed: seed },
        (d, t) => onProgress?.('slices', d, t),
      );
    } finally {
      train.dispose();
      test?.dispose();
    }
  }
  return undefined;
}
