/**
 * `losslens optimizers --model M --data D --optimizers sgd,momentum,adam --lrs 0.1,0.03,0.01`:
 * grid search per optimizer on validation loss, then the best settings compared: loss histories,
 * final losses, sharpness, steps to a target loss, and their paths on a PCA plane. Resumable.
 */
import type { Argv } from 'yargs';
import { studyOptions, numberList, baseTaskConfig, checkStudyInputs, type StudyArgs } from '../study-options.js';
import { formatTable, num } from '../table.js';

export const command = 'optimizers';
export const describe = 'compare optimizers: grid search on validation loss, then losses, sharpness and paths of the best settings';

export const builder = (y: Argv) =>
  studyOptions(y)
    .option('optimizers', { type: 'string', default: 'sgd,momentum,adam', describe: 'comma-separated optimizer names' })
    .option('lrs', { type: 'string', default: '0.1,0.03,0.01', describe: 'learning-rate grid (adadelta: used as given)' })
    .option('momentums', { type: 'string', default: '0.9', describe: 'momentum grid for momentum/nesterov' })
    .option('beta1s', { type: 'string', default: '0.9', describe: 'β₁ grid for adam/adamax' })
    .option('seeds', { type: 'number', default: 3, describe: 'seeds per setting (0..N−1)' })
    .option('target-loss', { type: 'number', describe: 'train loss for "steps to target" (default: the worst best-setting median final loss)' })
    .option('snapshots', { type: 'number', default: 20, describe: 'θ snapshots per run for the PCA-plane figure' })
    .option('plane-points', { type: 'number', default: 25, describe: 'grid points per axis of the PCA-plane contours' });

export type OptimizersArgs = StudyArgs & { optimizers: string; lrs: string; momentums: string; beta1s: string; seeds: number; targetLoss?: number; snapshots: number; planePoints: number };

export async function handler(args: OptimizersArgs): Promise<void> {
  const { optionError } = await import('../../src/errors.js');
  const { optimizersTasks, gridSettings } = await import('../../src/studies/optimizers-study.js');
  const { rebuildOptimizers } = await import('../../src/studies/optimizers-report.js');
  const { resolveRunConfig } = await import('../../src/train/index.js');
  const { runStudyCommand } = await import('../study-runner.js');
  if (!(Number.isInteger(args.seeds) && args.seeds >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${args.seeds}`);
  if (!(Number.isInteger(args.snapshots) && args.snapshots >= 0)) throw optionError('snapshots', `must be an integer ≥ 0, got ${args.snapshots}`);
  if (!(Number.isInteger(args.planePoints) && args.planePoints >= 2)) throw optionError('planePoints', `must be an integer ≥ 2, got ${args.planePoints}`);
  const { OPTIMIZER_NAMES } = await import('../../src/train/optimizers.js');
  const names = String(args.optimizers).split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw optionError('optimizers', `name at least one of ${OPTIMIZER_NAMES.join(', ')}`);
  const unknown = names.find((n) => !(OPTIMIZER_NAMES as readonly string[]).includes(n.toLowerCase()));
  if (unknown) throw optionError('optimizers', `unknown optimizer "${unknown}"; valid: ${OPTIMIZER_NAMES.join(', ')}`);
  const grid = { lr: numberList('--lrs', args.lrs)!, momentum: numberList('--momentums', args.momentums), beta1: numberList('--beta1s', args.beta1s) };
  if (!grid.lr || grid.lr.some((v) => !(v > 0))) throw optionError('lrs', `each learning rate must be > 0, got "${args.lrs}"`);
  const optimizers = names.map((name) => ({ name, ...grid }));
  const base = baseTaskConfig({ ...args, valSplit: args.valSplit ?? 0.2 });
  base.snapshots = args.snapshots;
  for (const g of optimizers) for (const o of gridSettings(g)) resolveRunConfig({ ...base.run, optimizer: o });
  await checkStudyInputs(base);
  const config = { base, optimizers, seeds: Array.from({ length: args.seeds }, (_, i) => i), targetLoss: args.targetLoss ?? null, planePoints: args.planePoints };
  await runStudyCommand({
    command: 'optimizers', args, config, tasks: optimizersTasks(config),
    rebuild: (records, folder) => rebuildOptimizers(config, records as never, folder, { scale: args.scale }),
    table: optimizersTable,
  });
}

function optimizersTable(s: Record<string, unknown>): string {
  const { best, targetLoss, selectedOn } = s as { best: any[]; targetLoss: number; selectedOn: string };
  const rows = best.map((b) => [b.name, b.setting.key, num(b.setting.selectionLoss), num(b.trainLoss.median), b.testLoss ? num(b.testLoss.median) : '',
    b.lambdaMax ? num(b.lambdaMax.median) : '', b.trace ? num(b.trace.median) : '', b.stepsToTargetMedian ?? 'never']);
  return `${formatTable(['optimizer', 'best setting', `${selectedOn} loss`, 'train loss', 'test loss', 'λmax', 'trace', `steps to ${num(targetLoss)}`], rows)}\n(medians over seeds)`;
}
