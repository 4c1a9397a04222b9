/** `losslens interpolate --from A --to B`: loss along the segment between two checkpoints, and its barrier. */
import type { Argv } from 'yargs';
import { dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { runAnalysis } from '../run-analysis.js';
import { formatTable, num } from '../table.js';
import { batchNormOptions, type BatchNormArgs } from '../batch-norm.js';

export const command = 'interpolate';
export const describe = 'loss and accuracy along (1−α)θ_A + αθ_B, with the barrier height (Goodfellow et al. 2015)';

export const builder = (y: Argv) =>
  batchNormOptions(outputOptions(computeOptions(dataOptions(y))))
    .option('from', { type: 'string', demandOption: true, describe: 'checkpoint A (model.json or folder)' })
    .option('to', { type: 'string', demandOption: true, describe: 'checkpoint B (same architecture)' })
    .option('range', { type: 'string', default: '-0.5:1.5', describe: 'α range LO:HI' })
    .option('points', { type: 'number', default: 41, describe: 'points on the path' });

type InterpArgs = Omit<CommonArgs, 'model'> & BatchNormArgs & { from: string; to: string; range: string; points: number };

export async function handler(args: InterpArgs): Promise<void> {
  const { requireData } = await import('../require-data.js');
  const { parseRange } = await import('../parse.js');
  const { readCheckpoint } = await import('../../src/io/checkpoint-read.js');
  const { loadModel } = await import('../../src/objective/model-bundle.js');
  const { interpolate, assertSameLayout } = await import('../../src/landscape/interpolate.js');
  const { interpolationFigure } = await import('../../src/landscape/figures.js');
  const { optionError } = await import('../../src/errors.js');
  const { checkBatchNormArgs, batchNormPlan } = await import('../batch-norm.js');
  const { endsBatchNorm } = await import('../../src/landscape/interpolate.js');
  const common = { ...args, model: args.from };
  requireData(common);
  checkBatchNormArgs(args);
  const range = parseRange(args.range, '--range', [-0.5, 1.5]);
  if (!Number.isInteger(args.points) || args.points < 2) throw optionError('points', `must be an integer ≥ 2, got ${args.points}`);
  await runAnalysis('interpolate', common, async ({ problem, progress }) => {
    const b = loadModel(await readCheckpoint(args.to), problem.model.loss);
    assertSameLayout(problem.model.layout, b.layout, problem.model.checkpoint.path, b.checkpoint.path);
    const bn = batchNormPlan(problem, args);
    // default: each end with its own checkpoint's moving statistics, interpolated in between
    const batchNormAt = bn.at ?? endsBatchNorm(problem.model, b);
    const bar = progress(`interpolate ${args.points} points`);
    const r = await interpolate(problem.train!.objective, problem.test?.objective, problem.model.theta0, b.theta0, {
      range, points: args.points, onProgress: bar, batchNormAt,
    });
    bar.done();
    const figure = await interpolationFigure(r, { scale: args.scale, from: args.from, to: args.to });
    const rows = [
      ['loss at A (α=0)', num(r.ends.lossA)],
      ['loss at B (α=1)', num(r.ends.lossB)],
      ['barrier height', `${num(r.barrier)} at α=${num(r.barrierAlpha)}`],
      ['‖θ_A − θ_B‖', num(r.distance)],
    ];
    if (bn.summary.recomputed) rows.push(['BatchNorm statistics', `recomputed at each point (${bn.summary.samples} samples)`]);
    const batchNorm = bn.summary.recomputed || bn.summary.layers.length === 0 ? bn.summary : { ...bn.summary, interpolated: 'mean linearly, variance geometrically between the two checkpoints\' moving statistics' };
    return { summary: { from: args.from, to: args.to, interpolation: r, batchNorm }, figures: [figure], table: formatTable(['interpolation', ''], rows) };
  });
}
