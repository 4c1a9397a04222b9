/**
 * The `losslens optimizers` study: each optimizer over its hyperparameter grid (lr × momentum for
 * momentum/nesterov, lr × β₁ for adam/adamax, lr otherwise), several seeds per setting, all on one
 * train/validation split. Every run keeps ~`snapshots` θ along its path for the PCA-plane figure.
 */
import type { RunTask } from './types.js';
import type { TrainMeasureConfig } from './tasks/train-and-measure.js';
import type { OptimizerConfig } from '../train/index.js';
import { optionError } from '../errors.js';

export interface OptimizerGrid {
  name: string;
  lr: number[];
  momentum?: number[];
  beta1?: number[];
}

export interface OptimizersStudyConfig {
  base: Omit<TrainMeasureConfig, 'width'>;
  optimizers: OptimizerGrid[];
  seeds: number[];
  /** Loss the "steps to target" column counts to; null: the worst optimizer's median final train loss. */
  targetLoss: number | null;
  /** Grid points per axis of the PCA-plane contour figure. */
  planePoints: number;
}

/** All settings of one optimizer's grid, as optimizer configs. */
export function gridSettings(g: OptimizerGrid): OptimizerConfig[] {
  const second: [keyof OptimizerConfig, number[] | undefined] = ['momentum', 'nesterov'].includes(g.name)
    ? ['momentum', g.momentum]
    : ['adam', 'adamax'].includes(g.name)
      ? ['beta1', g.beta1]
      : ['momentum', undefined];
  return g.lr.flatMap((lr) => (second[1] ?? [undefined]).map((v) => ({ name: g.name, lr, ...(v !== undefined ? { [second[0]]: v } : {}) }) as OptimizerConfig));
}

/** "adam-lr0.01-beta10.9": a setting's stable, filesystem-safe key. */
export function settingKey(o: OptimizerConfig): string {
  return [o.name, `lr${o.lr}`, ...(o.momentum !== undefined ? [`m${o.momentum}`] : []), ...(o.beta1 !== undefined ? [`b${o.beta1}`] : [])].join('-');
}

export function optimizersTasks(c: OptimizersStudyConfig): RunTask<TrainMeasureConfig>[] {
  checkDistinct(c.optimizers);
  const pad = String(Math.max(...c.seeds)).length;
  return c.optimizers
    .flatMap((g) => gridSettings(g))
    .flatMap((opt) =>
      c.seeds.map((seed) => ({
        id: `${settingKey(opt)}-seed${String(seed).padStart(pad, '0')}`,
        kind: 'train-and-measure',
        config: { ...c.base, width: null, run: { ...c.base.run, seed, splitSeed: c.base.run.splitSeed ?? 0, optimizer: opt } },
      })),
    );
}

/** Refuse a list naming one optimizer or grid value twice: both runs would have one task id (and one result). */
function checkDistinct(grids: OptimizerGrid[]): void {
  const twice = <T>(xs: readonly T[] | undefined, key: (x: T) => unknown = (x) => x) => xs?.find((x, i) => xs.findIndex((y) => key(y) === key(x)) !== i);
  const name = twice(
    grids.map((g) => g.name),
    (n) => n.toLowerCase(),
  );
  if (name !== undefined) throw optionError('optimizers', `lists "${name}" twice; name each optimizer once`);
  for (const g of grids) {
    for (const [field, xs] of [
      ['lrs', g.lr],
      ['momentums', g.momentum],
      ['beta1s', g.beta1],
    ] as const) {
      const v = twice(xs);
      if (v !== undefined) throw optionError(field, `lists ${v} twice; give each value once`);
    }
  }
}
