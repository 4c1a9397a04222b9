/**
 * The report's gradient-noise part: McCandlish's noise scale (src/gradients/gradient-noise.ts) over
 * all the training data (not the quick analysis subset: it costs groups × groupSize minibatch
 * gradients, not passes) at the gradient profile's batch size; null when the data has fewer
 * samples than one group needs.
 */
import tf from '../tf.cjs';
import type { Problem } from '../problem.js';
import type { ReportOptions } from '../report/report-options.js';
import { gradientNoise, type GradientNoise } from '../gradients/gradient-noise.js';
import { analysedLayers } from '../gradients/layers.js';

export async function reportNoise(problem: Problem, opts: ReportOptions): Promise<GradientNoise | null> {
  const data = problem.train!.prepared;
  const { batchSize } = opts.gradients;
  if (data.n < batchSize * opts.noise.groupSize) return null;
  const weights = problem.model.checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
  try {
    const model = { arch: problem.model.arch, loss: problem.model.loss, weights };
    return await gradientNoise(model, analysedLayers(problem.model.arch), data, { ...opts.noise, batchSize, seed: opts.seed });
  } finally {
    tf.dispose(weights);
  }
}
