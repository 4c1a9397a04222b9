/**
 * The report's gradient-noise part: McCandlish's noise scale (src/gradients/gradient-noise.ts) over
 * all the training data (not the quick analysis subset: it costs groups × groupSize minibatch
 * gradients, not passes) at the gradient profile's batch size; null when the data has fewer
 * samples than one group needs.
 */
import type { Problem } from '../problem.js';
import type { ReportOptions } from '../report/report-options.js';
import { gradientNoise, type GradientNoise } from '../gradients/gradient-noise.js';
import { analysedLayers } from '../gradients/layers.js';
import { withModel } from '../gradients/analyze-gradients.js';

export async function reportNoise(problem: Problem, opts: ReportOptions): Promise<GradientNoise | null> {
  const data = problem.train!.prepared;
  const { batchSize } = opts.gradients;
  if (data.n < batchSize * opts.noise.groupSize) return null;
  // withModel: the checkpoint's weights as tensors, and the heads of a model with several outputs
  return withModel(problem.model, problem.model.checkpoint, (m) =>
    gradientNoise(m, analysedLayers(problem.model.arch), data, { ...opts.noise, batchSize, seed: opts.seed }),
  );
}
