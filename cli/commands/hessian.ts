/** `losslens hessian`: Lanczos spectrum, trace, SLQ density, condition numbers, saddle index. */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { runAnalysis } from '../run-analysis.js';

export const command = 'hessian';
export const describe = 'Hessian spectrum: extreme eigenvalues, trace, spectral density, condition numbers, saddle index';

export const builder = (y: Argv) =>
  outputOptions(computeOptions(dataOptions(modelOption(y))))
    .option('top', { type: 'number', default: 5, describe: 'largest eigenvalues to find' })
    .option('bottom', { type: 'number', default: 5, describe: 'smallest (most negative) eigenvalues to find' })
    .option('max-iter', { type: 'number', default: 100, describe: 'Lanczos basis size: vectors held between thick restarts' })
    .option('max-matvecs', { type: 'number', default: 1000, describe: 'HVP budget of the eigenvalue stage (all restarts)' })
    .option('tol', { type: 'number', default: 1e-4, describe: 'residual tolerance relative to |λ| (ARPACK\'s rule)' })
    .option('residual-floor', { type: 'number', default: 9.5367431640625e-7, describe: 'absolute residual floor relative to the spectral radius (float32 HVP noise, 8·2⁻²³)' })
    .option('probes', { type: 'number', default: 100, describe: 'Hutchinson probes for the trace' })
    .option('trace-method', { type: 'string', choices: ['hutchinson', 'hutch++', 'xtrace'], default: 'hutchinson', describe: 'trace estimator (its Rademacher products also give ‖H‖_F)' })
    .option('density', { type: 'boolean', default: true, describe: 'SLQ spectral density (--no-density skips it: ~90% of the default run\'s HVPs)' })
    .option('diagonal', { type: 'string', choices: ['none', 'hutchinson', 'xdiag'], default: 'none', describe: 'per-parameter diagonal of H (files hessian-diagonal{,-stderr}.f32, per-layer summary)' })
    .option('diagonal-probes', { type: 'number', default: 100, describe: 'HVPs for the diagonal (Hutchinson with --trace-method hutchinson reuses the trace probes)' })
    .option('curvature', { type: 'string', choices: ['hessian', 'ggn', 'empirical-fisher'], default: 'hessian', describe: 'curvature matrix for every analysis: the Hessian, the Gauss–Newton matrix JᵀH_zJ (PSD) or the empirical Fisher' })
    .option('determinism-check', { type: 'boolean', default: true, describe: 'refuse a model whose loss/gradient differ between two passes (rtol 5e-5)' })
    .option('slq-order', { type: 'number', default: 90, describe: 'Lanczos steps per SLQ probe (quadrature nodes)' })
    .option('slq-probes', { type: 'number', default: 3, describe: 'SLQ probe vectors' })
    .option('sigma', { type: 'number', describe: 'Gaussian broadening of the density (default √1e-5·(λmax−λmin))' })
    .option('rel-tol', { type: 'number', default: 1e-6, describe: 'κ₊ floor: eigenvalues ≤ rel-tol·λmax count as zero' })
    .option('lr', { type: 'number', describe: 'learning rate to hold against the stability threshold 2/λmax' })
    .option('repeats', { type: 'number', describe: 'estimate λmax, trace, saddle index on R disjoint subsets of --samples each' })
    .option('per-layer', { type: 'boolean', default: false, describe: 'λmax and trace of each layer\'s diagonal Hessian block' })
    .option('save-eigenvectors', { type: 'boolean', default: false, describe: 'write eigenvectors (float32, θ layout) for `losslens slice --hessian-dirs`' });

type HessianArgs = CommonArgs & {
  top: number; bottom: number; maxIter: number; maxMatvecs: number; tol: number; residualFloor: number; probes: number; traceMethod: 'hutchinson' | 'hutch++' | 'xtrace';
  slqOrder: number; slqProbes: number; sigma?: number; density: boolean; diagonal: 'none' | 'hutchinson' | 'xdiag'; diagonalProbes: number; determinismCheck: boolean; curvature: 'hessian' | 'ggn' | 'empirical-fisher'; relTol: number; lr?: number; repeats?: number; perLayer: boolean; saveEigenvectors: boolean;
};

export async function handler(args: HessianArgs): Promise<void> {
  const { requireData } = await import('../require-data.js');
  const { analyzeHessian } = await import('../../src/curvature/analyze-hessian.js');
  const { resolveHessianOptions } = await import('../../src/curvature/hessian-options.js');
  const { hessianFigures } = await import('../../src/curvature/figures.js');
  const { hessianTable } = await import('../hessian-table.js');
  const { subsetObjectives } = await import('../subsets.js');
  const { vectorBytes } = await import('../../src/io/vector-file.js');
  const { optionError } = await import('../../src/errors.js');
  requireData(args);
  if (args.repeats !== undefined && (!Number.isInteger(args.repeats) || args.repeats < 2)) throw optionError('repeats', `must be an integer ≥ 2, got ${args.repeats}`);
  if (args.repeats && !args.samples) throw optionError('samples', '{repeats} needs {samples} N (the size of each subset)');
  const opts = resolveHessianOptions({ ...args, floor: args.residualFloor, vectors: args.saveEigenvectors, seed: args.seed });
  await runAnalysis('hessian', args, async ({ problem, progress }) => {
    const bar = progress('hessian');
    const result = await analyzeHessian(problem.train!.objective, opts, (stage, d, t) => bar(d, t, stage));
    bar.done();
    let repeats;
    if (args.repeats) {
      const { hessianRepeats } = await import('../../src/curvature/hessian-repeats.js');
      const subsets = await subsetObjectives(args, problem, args.repeats, args.samples!);
      const rbar = progress(`repeats ×${args.repeats}`);
      try {
        repeats = await hessianRepeats(subsets, opts, rbar);
      } finally {
        subsets.forEach((s) => s.dispose());
        rbar.done();
      }
    }
    const { vectors, diagonalValues, ...json } = result;
    const files = vectors
      ? [...vectors.top.map((v, i) => ({ name: `eigenvector-top-${i + 1}.f32`, data: vectorBytes(v) })), ...vectors.bottom.map((v, i) => ({ name: `eigenvector-bottom-${i + 1}.f32`, data: vectorBytes(v) }))]
      : [];
    if (diagonalValues) {
      files.push({ name: 'hessian-diagonal.f32', data: vectorBytes(diagonalValues.mean) });
      if (diagonalValues.stderr) files.push({ name: 'hessian-diagonal-stderr.f32', data: vectorBytes(diagonalValues.stderr) });
    }
    const figures = await hessianFigures(json, repeats, { scale: args.scale, title: problem.model.arch.name });
    return { summary: { ...json, ...(repeats ? { repeats } : {}) }, figures, files, table: hessianTable(json, repeats) };
  });
}
