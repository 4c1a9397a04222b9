/** `losslens slice`: 1-D or 2-D loss slices along filter-normalised (or chosen) directions. */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import type { DirectionArgs } from '../directions.js';
import { runAnalysis } from '../run-analysis.js';
import { formatTable, num } from '../table.js';
import { batchNormOptions, type BatchNormArgs } from '../batch-norm.js';

export const command = 'slice';
export const describe = 'loss along 1 or 2 directions around the checkpoint (Li et al. 2018)';

export const builder = (y: Argv) =>
  batchNormOptions(outputOptions(computeOptions(dataOptions(modelOption(y)))))
    .option('dims', { type: 'number', choices: [1, 2], default: 1, describe: '1-D curve or 2-D surface' })
    .option('range', { type: 'string', default: '-1:1', describe: 'α range LO:HI (write --range=-1:1 or --range -1:1)' })
    .option('y-range', { type: 'string', describe: 'β range for 2-D (default: --range)' })
    .option('points', { type: 'number', default: 51, describe: 'points per axis' })
    .option('norm', { type: 'string', choices: ['filter', 'layer', 'none'], default: 'filter', describe: 'direction normalisation' })
    .option('include-bias', { type: 'boolean', default: false, describe: 'perturb 1-D parameters (biases, BatchNorm) too' })
    .option('orthogonalize', { type: 'boolean', default: false, describe: 'make direction 2 orthogonal to direction 1' })
    .option('dir1', { type: 'string', describe: 'direction 1 from a float32 file in θ layout (.f32 or .npy)' })
    .option('dir2', { type: 'string', describe: 'direction 2 from a file' })
    .option('hessian-dirs', { type: 'string', describe: 'report folder of `losslens hessian --save-eigenvectors`: slice along the top eigenvectors' })
    .option('trajectory', { type: 'string', describe: 'folder of checkpoints: slice in their PCA plane' })
    .option('log', { type: 'boolean', describe: 'log colour scale (default: when the loss spans > 2 decades)' })
    .option('linear', { type: 'boolean', describe: 'linear colour scale' });

type SliceArgs = CommonArgs & BatchNormArgs & Omit<DirectionArgs, 'dims'> & { dims: number; range: string; yRange?: string; points: number; log?: boolean; linear?: boolean };

export async function handler(args: SliceArgs): Promise<void> {
  const { requireData } = await import('../require-data.js');
  const { parseRange } = await import('../parse.js');
  const { chooseDirections } = await import('../directions.js');
  const { computeSlice } = await import('../../src/landscape/slice.js');
  const { sliceFigures } = await import('../../src/landscape/figures.js');
  const { vectorBytes } = await import('../../src/io/vector-file.js');
  const { checkBatchNormArgs, batchNormPlan } = await import('../batch-norm.js');
  requireData(args);
  checkBatchNormArgs(args);
  const range = parseRange(args.range, '--range', [-1, 1]);
  const yRange = args.yRange ? parseRange(args.yRange, '--y-range', range) : undefined;
  const dims = args.dims === 2 ? 2 : 1;
  await runAnalysis('slice', args, async ({ problem, progress }) => {
    const bn = batchNormPlan(problem, args);
    const dirs = await chooseDirections(problem.model, { ...args, dims });
    const bar = progress(dims === 2 ? `slice ${args.points}×${args.points}` : `slice ${args.points} points`);
    const t0 = Date.now();
    const result = await computeSlice(problem.train!.objective, problem.test?.objective, problem.model.theta0, dirs.d1, dirs.d2, {
      dims, range, yRange, points: args.points, onProgress: bar, batchNormAt: bn.at,
    });
    bar.done();
    const colorScale = args.linear ? 'linear' : args.log ? 'log' : undefined;
    const figures = await sliceFigures(result, { scale: args.scale, colorScale, model: problem.model.checkpoint.path, pca: dirs.pca });
    const files = [{ name: 'direction1.f32', data: vectorBytes(dirs.d1) }, ...(dirs.d2 ? [{ name: 'direction2.f32', data: vectorBytes(dirs.d2) }] : [])];
    const summary = {
      slice: result,
      directions: dirs.info.map((d, i) => ({ ...d, file: `direction${i + 1}.f32` })),
      ...(dirs.pca ? { pca: dirs.pca } : {}),
      batchNorm: bn.summary,
      timings: { gridMs: Date.now() - t0, perPointMs: (Date.now() - t0) / result.evaluations },
    };
    const lossArr = (result.train.loss as (number | number[])[]).flat();
    const rows = [
      ['base loss (α=0)', num(result.baseLoss)],
      ['min / max on grid', `${num(Math.min(...lossArr))} / ${num(Math.max(...lossArr))}`],
      ['points', String(lossArr.length)],
      ['directions', dirs.info.map((d) => d.source).join(', ')],
      ...(bn.summary.recomputed ? [['BatchNorm statistics', `recomputed at each point (${bn.summary.samples} samples)`]] : []),
    ];
    return { summary, figures, files, table: formatTable(['slice', ''], rows) };
  });
}
