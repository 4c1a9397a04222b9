/**
 * Rebuild the seeds study's summary and figures from its finished runs: pairwise distances and
 * barriers per width are computed here (main thread) from the stored θ files, then the pure
 * summary (seeds-analysis) and figures (seeds-figures). Deterministic in the finished runs.
 */
import type { RunRecord } from '../studies/types.js';
import type { StudyFolder } from '../studies/study-folder.js';
import type { Figure } from '../report/write-report.js';
import { studyObjectives, type TrainMeasureResult, type TrainMeasureConfig } from '../studies/tasks/train-and-measure.js';
import { pairwise, type PairwiseResult } from '../studies/pairwise.js';
import { seedsSummary } from '../studies/seeds-analysis.js';
import { seedsFigures } from '../figures/seeds.js';
import { widthLabel, type SeedsStudyConfig } from '../studies/seeds-study.js';

export async function rebuildSeeds(
  c: SeedsStudyConfig,
  records: RunRecord<TrainMeasureResult>[],
  folder: StudyFolder,
  opts: { scale: number; onProgress?: (label: string, done: number, total: number) => void },
): Promise<{ summary: Record<string, unknown>; figures: Figure[] }> {
  const pairs = new Map<string, PairwiseResult>();
  for (const width of c.widths) {
    const recs = records.filter((r) => r.result.width === width && r.result.status !== 'diverged');
    if (recs.length < 2) continue;
    const { train, test } = await studyObjectives({ ...(recs[0].config as TrainMeasureConfig) });
    try {
      const minima = await Promise.all(recs.map(async (r) => ({ id: r.id, theta: await folder.readAttachment(r.id, 'theta') })));
      pairs.set(widthLabel(width), await pairwise(train, minima, c.barrierPoints, (d, t) => opts.onProgress?.(`barriers ${widthLabel(width)}`, d, t)));
    } finally {
      train.dispose();
      test?.dispose();
    }
  }
  const summary = seedsSummary(records, c.widths, pairs);
  return { summary: { study: 'seeds', ...summary }, figures: await seedsFigures(summary, opts.scale) };
}
