/** The double-descent study's rebuild: finished run records → summary.json, double-descent.png, epochwise.png. */
import type { RunRecord } from '../studies/types.js';
import { renderFigure, type Figure } from '../render/figure.js';
import { analyzeSweep, epochCurves } from '../double-descent/analysis.js';
import { summarizeDoubleDescent, type DoubleDescentStudyConfig, type RebuildOptions } from '../double-descent/study.js';
import { modelwiseSpec, epochwiseSpec } from '../figures/double-descent.js';
import type { MlpTaskResult } from '../double-descent/train-task.js';

export async function rebuildDoubleDescent(
  c: DoubleDescentStudyConfig,
  records: RunRecord<MlpTaskResult>[],
  o: RebuildOptions = {},
): Promise<{ summary: Record<string, unknown>; figures: Figure[] }> {
  const runs = records.map((r) => r.result);
  const analysis = analyzeSweep(runs, { nTrain: c.nTrain, outputs: c.base.classes, interpolationTol: o.interpolationTol ?? 0.005, margin: o.margin });
  const noiseLabel = `label noise ${Math.round(c.base.labelNoise * 100)}%`;
  const figures: Figure[] = [];
  if (analysis.points.length >= 2) {
    const spec = modelwiseSpec(analysis, { family: c.family, noiseLabel });
    figures.push(await renderFigure('double-descent', spec, o.scale));
  }
  const curves = epochCurves(runs);
  if (curves.length && curves[0].epoch.length >= 2) {
    const spec = epochwiseSpec(curves, { family: c.family, noiseLabel, highlight: analysis.peak?.width });
    figures.push(await renderFigure('epochwise', spec, o.scale));
  }
  return { summary: summarizeDoubleDescent(c, analysis, records), figures };
}
