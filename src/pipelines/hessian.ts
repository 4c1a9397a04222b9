/** hessian: Lanczos spectrum, trace, SLQ density, condition numbers, saddle index (and error bars over subsets). */
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import { poolThreadNativeThreads } from '../studies/native-thread-count.js';
import { analyzeHessian } from '../curvature/analyze-hessian.js';
import { resolveHessianOptions, type HessianOptions } from '../curvature/hessian-options.js';
import { hessianRepeats } from '../curvature/hessian-repeats.js';
import { hessianFigures } from '../figures/hessian.js';
import { hessianTable } from '../report/hessian-digest.js';
import { vectorBytes } from '../io/vector-file.js';
import { optionError } from '../errors.js';
import { requireData, type AnalysisOptions } from './common.js';
import { subsetObjectives } from './subsets.js';
import type { AnalysisPipeline } from './run-analysis.js';
import type { RepeatsQueueOptions } from './hessian-repeats-queue.js';
import { usesQueue } from '../studies/executors/uses-queue.js';

/** The hessian command's options: those of {@link HessianOptions} and the repeats over data subsets. */
export interface HessianPipelineOptions extends AnalysisOptions, Partial<Omit<HessianOptions, 'seed'>>, RepeatsQueueOptions {
  /** Estimate λmax, trace and saddle index on this many disjoint subsets of `samples` each. */
  repeats?: number;
}

function check(o: HessianPipelineOptions): void {
  requireData(o);
  if (o.repeats !== undefined && (!Number.isInteger(o.repeats) || o.repeats < 2)) throw optionError('repeats', `must be an integer ≥ 2, got ${o.repeats}`);
  if (o.repeats && !o.samples) throw optionError('samples', '{repeats} needs {samples} N (the size of each subset)');
  if (usesQueue(o) && !o.repeats) throw optionError('redis', 'the queue takes the {repeats} subsets: give {repeats} too');
  analysisOptions(o);
}

/** The analysis' own options (resolveHessianOptions reads only HessianOptions' fields). */
function analysisOptions(o: HessianPipelineOptions): HessianOptions {
  return resolveHessianOptions(o);
}

/** The hessian command: eigenvalues, trace, density and saddle index with their figures, for {@link runAnalysis}. */
export const hessianPipeline: AnalysisPipeline<HessianPipelineOptions> = {
  command: 'hessian',
  check,
  async run({ problem, progress }, o) {
    const opts = analysisOptions(o);
    const bar = progress('hessian');
    const result = await analyzeHessian(problem.train!.objective, opts, (stage, d, t) => bar(d, t, stage));
    bar.done();
    let repeats;
    if (o.repeats && usesQueue(o)) {
      // the jobs run on the native threads of the local repeats: this process' when its objective is in process, a pool worker's otherwise
      const threads = problem.workers === 1 ? nativeKernelsInfo()?.threads : poolThreadNativeThreads();
      const q = await import('./hessian-repeats-queue.js');
      repeats = await q.queuedRepeats(o, opts, o.repeats, progress(`repeats ×${o.repeats} (queue)`), {}, threads);
    } else if (o.repeats) {
      const subsets = await subsetObjectives(o, problem, o.repeats, o.samples!);
      const rbar = progress(`repeats ×${o.repeats}`);
      try {
        repeats = await hessianRepeats(subsets, opts, rbar);
      } finally {
        subsets.forEach((s) => s.dispose());
        rbar.done();
      }
    }
    const { vectors, diagonalValues, spectrum, ...json } = result;
    const files = vectors
      ? [
          ...vectors.top.map((v, i) => ({ name: `eigenvector-top-${i + 1}.f32`, data: vectorBytes(v) })),
          ...vectors.bottom.map((v, i) => ({ name: `eigenvector-bottom-${i + 1}.f32`, data: vectorBytes(v) })),
        ]
      : [];
    if (diagonalValues) {
      files.push({ name: 'hessian-diagonal.f32', data: vectorBytes(diagonalValues.mean) });
      if (diagonalValues.stderr) files.push({ name: 'hessian-diagonal-stderr.f32', data: vectorBytes(diagonalValues.stderr) });
    }
    if (spectrum)
      files.push({
        name: 'spectrum.json',
        data: new TextEncoder().encode(
          JSON.stringify({ method: 'dense', curvature: json.curvature, params: json.params, eigenvalues: spectrum, ...json.saddleCounts?.dense }),
        ),
      });
    const figures = await hessianFigures(json, { title: problem.model.arch.name, scale: o.scale ?? 1, repeats, fullSpectrum: spectrum });
    return { summary: { ...json, ...(repeats ? { repeats } : {}) }, figures, files, digest: hessianTable(json, repeats) };
  },
};
