/**
 * `losslens seeds --model M --data D [--seeds 20] [--widths 8,32,128]`: the spread of minima over
 * seeds (and widths): final losses, pairwise distances and barriers, sharpness. A resumable study
 * folder (see src/studies/study-folder.ts).
 */
import type { Argv } from 'yargs';
import { studyOptions, numberList, STUDY_KEYS, type StudyArgs } from '../study-options.js';
import { SEEDS_DEFAULTS as D } from '../../src/pipelines/defaults.js';
import type { SeedsOptions } from '../../src/pipelines/seeds.js';

export const command = 'seeds';
export const describe = 'train N seeds (optionally across widths) and compare their minima: losses, distances, barriers, sharpness';

export const builder = (y: Argv) =>
  studyOptions(y)
    .option('seeds', { type: 'number', default: D.seeds, describe: 'number of seeds (0..N−1)' })
    .option('widths', { type: 'string', describe: "hidden Dense widths to compare, e.g. 8,32,128 (default: the checkpoint's)" })
    .option('optimizer', { type: 'string', default: D.optimizer, describe: 'optimizer of every run' })
    .option('lr', { type: 'number', describe: 'learning rate (optimizer default when omitted)' })
    .option('barrier-points', { type: 'number', default: D.barrierPoints, describe: 'α points per pairwise interpolation' });

export type SeedsArgs = StudyArgs & { seeds: number; widths?: string; optimizer: string; lr?: number; barrierPoints: number };

export async function handler(args: SeedsArgs): Promise<void> {
  const { seedsStudy } = await import('../../src/pipelines/seeds.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const { fields } = await import('../run-analysis.js');
  const study = await seedsStudy({
    ...fields(args, STUDY_KEYS),
    ...fields(args, ['seeds', 'optimizer', 'lr', 'barrierPoints']),
    widths: numberList('--widths', args.widths),
  } as SeedsOptions);
  await runStudyCommand(study, { ...executorOptions(args), json: args.json, quiet: args.quiet });
}
