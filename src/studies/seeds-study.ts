/**
 * The `losslens seeds` study (Choromanska et al. 2015; Dauphin et al. 2014): N seeds of one
 * training configuration, optionally at several hidden widths. One 'train-and-measure' task per
 * (width, seed); all seeds share one train/validation split (run.splitSeed, default 0), so runs
 * differ only in initialisation, shuffles and noise.
 */
import type { RunTask } from './types.js';
import type { TrainMeasureConfig } from './tasks/train-and-measure.js';

export interface SeedsStudyConfig {
  /** Everything but width and seed; `run.seed` is replaced per task. */
  base: Omit<TrainMeasureConfig, 'width'>;
  seeds: number[];
  /** Hidden widths; [null] keeps the checkpoint's. */
  widths: (number | null)[];
  /** α points per pairwise interpolation (barriers). */
  barrierPoints: number;
}

export const widthLabel = (w: number | null) => (w === null ? 'ckpt' : `w${w}`);

export function seedsTasks(c: SeedsStudyConfig): RunTask<TrainMeasureConfig>[] {
  const pad = String(Math.max(...c.seeds)).length;
  return c.widths.flatMap((width) =>
    c.seeds.map((seed) => ({
      id: `${widthLabel(width)}-seed${String(seed).padStart(pad, '0')}`,
      kind: 'train-and-measure',
      config: { ...c.base, width, run: { ...c.base.run, seed, splitSeed: c.base.run.splitSeed ?? 0 } },
    })),
  );
}
