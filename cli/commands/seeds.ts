/**
 * `losslens seeds --model M --data D [--seeds 20] [--widths 8,32,128]`: the spread of minima over
 * seeds (and widths): final losses, pairwise distances and barriers, sharpness. A resumable study
 * folder (see src/studies/study-folder.ts).
 */
import type { Argv } from 'yargs';
import { studyOptions, numberList, baseTaskConfig, checkStudyInputs, type StudyArgs } from '../study-options.js';
import { formatTable, num } from '../table.js';

export const command = 'seeds';
export const describe = 'train N seeds (optionally across widths) and compare their minima: losses, distances, barriers, sharpness';

export const builder = (y: Argv) =>
  studyOptions(y)
    .option('seeds', { type: 'number', default: 20, describe: 'number of seeds (0..N−1)' })
    .option('widths', { type: 'string', describe: 'hidden Dense widths to compare, e.g. 8,32,128 (default: the checkpoint\'s)' })
    .option('optimizer', { type: 'string', default: 'adam', describe: 'optimizer of every run' })
    .option('lr', { type: 'number', describe: 'learning rate (optimizer default when omitted)' })
    .option('barrier-points', { type: 'number', default: 11, describe: 'α points per pairwise interpolation' });

export type SeedsArgs = StudyArgs & { seeds: number; widths?: string; optimizer: string; lr?: number; barrierPoints: number };

export async function handler(args: SeedsArgs): Promise<void> {
  const { optionError } = await import('../../src/errors.js');
  const { seedsTasks } = await import('../../src/studies/seeds-study.js');
  const { rebuildSeeds } = await import('../../src/studies/seeds-report.js');
  const { resolveRunConfig } = await import('../../src/train/index.js');
  const { runStudyCommand } = await import('../study-runner.js');
  if (!(Number.isInteger(args.seeds) && args.seeds >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${args.seeds}`);
  if (!(Number.isInteger(args.barrierPoints) && args.barrierPoints >= 3)) throw optionError('barrierPoints', `must be an integer ≥ 3, got ${args.barrierPoints}`);
  const widths = numberList('--widths', args.widths);
  if (widths?.some((w) => !(Number.isInteger(w) && w >= 1))) throw optionError('widths', `each width must be an integer ≥ 1, got ${args.widths}`);
  const base = baseTaskConfig(args);
  base.run.optimizer = { name: args.optimizer, ...(args.lr !== undefined ? { lr: args.lr } : {}) };
  resolveRunConfig(base.run);
  await checkStudyInputs(base);
  const config = { base, seeds: Array.from({ length: args.seeds }, (_, i) => i), widths: widths ?? [null], barrierPoints: args.barrierPoints };
  await runStudyCommand({
    command: 'seeds', args, config, tasks: seedsTasks(config),
    rebuild: (records, folder) => rebuildSeeds(config, records as never, folder, { scale: args.scale }),
    table: seedsTable,
  });
}

function seedsTable(s: Record<string, unknown>): string {
  const widths = (s as { widths: any[] }).widths;
  const rows = widths.map((w) => [w.label, w.params, w.runs.length, `${num(w.trainLoss.mean)} ± ${num(w.trainLoss.std)}`, w.testLoss ? `${num(w.testLoss.mean)} ± ${num(w.testLoss.std)}` : '',
    w.lambdaMax ? num(w.lambdaMax.median) : '', w.trace ? num(w.trace.median) : '', w.barrier ? num(w.barrier.median) : '', w.distance ? num(w.distance.median) : '']);
  return formatTable(['width', 'params', 'runs', 'train loss', 'test loss', 'λmax (med)', 'trace (med)', 'barrier (med)', 'distance (med)'], rows);
}
