/**
 * Learning-rate schedules. η₀ is the optimizer's base rate; t is the 0-based epoch index
 * (or the 0-based step index when unit = 'step'); γ = decayRate, k = decaySteps.
 *
 *   constant      η = η₀
 *   step          η = η₀ · γ^⌊t/k⌋                 (drop by γ every k epochs)
 *   exponential   η = η₀ · γ^(t/k)                 (k = 1: η₀·γ^epoch)
 *   inverse-time  η = η₀ / (1 + γ · t/k)           (the 1/t schedule)
 *   plateau       reduce-on-plateau: after each epoch, if the monitored loss (validation loss,
 *                 or training loss without a validation split) has not improved on its best by
 *                 more than minDelta·|best| for `patience` epochs, η ← max(γ·η, minLr) and the
 *                 wait restarts. Always counted in epochs.
 */
import { optionError } from '../errors.js';

/** The learning-rate schedules a run can use. */
export const SCHEDULE_NAMES = ['constant', 'step', 'exponential', 'inverse-time', 'plateau'] as const;
/** One of {@link SCHEDULE_NAMES}. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** A learning-rate schedule: its name, decay rate and steps, unit, and the plateau settings. */
export interface ScheduleConfig {
  name?: ScheduleName | string;
  /** γ: the drop factor (step, plateau), the base of exponential decay, the k of 1/t. */
  decayRate?: number;
  /** k: epochs (or steps) per decay period. Default 1. */
  decaySteps?: number;
  /** What t counts for step/exponential/inverse-time. Default 'epoch'. */
  unit?: 'epoch' | 'step';
  /** Plateau: epochs without improvement before a drop. Default 5. */
  patience?: number;
  /** Plateau: the lowest rate. Default 0. */
  minLr?: number;
  /** Plateau: relative improvement that counts. Default 1e-4. */
  minDelta?: number;
}

/** {@link ScheduleConfig} with every default filled in. */
export type ResolvedScheduleConfig = Required<ScheduleConfig> & { name: ScheduleName };

/** A learning-rate schedule in use: the rate for each step, fed the monitored loss at each epoch's end (plateau). */
export interface Schedule {
  readonly config: ResolvedScheduleConfig;
  /** The rate for the step about to be taken (both indices 0-based). */
  lr(epoch: number, step: number): number;
  /** Feed the monitored loss at the end of an epoch (only plateau reacts). */
  endEpoch(monitored: number): void;
}

/**
 * A schedule config with its defaults filled in, each field checked and refused naming it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveScheduleConfig } from 'losslens/train';
 *
 * assert.equal(resolveScheduleConfig({}).name, 'constant');
 * assert.throws(() => resolveScheduleConfig({ name: 'cosine-warmup' }), /option schedule: unknown schedule/);
 * ```
 */
export function resolveScheduleConfig(c: ScheduleConfig = {}): ResolvedScheduleConfig {
  const name = (c.name ?? 'constant') as ScheduleName;
  if (!SCHEDULE_NAMES.includes(name)) throw optionError('schedule', `unknown schedule "${c.name}"; valid: ${SCHEDULE_NAMES.join(', ')}`);
  const decayRate = c.decayRate ?? (name === 'inverse-time' ? 1 : name === 'exponential' ? 0.96 : 0.5);
  const r: ResolvedScheduleConfig = {
    name,
    decayRate,
    decaySteps: c.decaySteps ?? 1,
    unit: c.unit ?? 'epoch',
    patience: c.patience ?? 5,
    minLr: c.minLr ?? 0,
    minDelta: c.minDelta ?? 1e-4,
  };
  if (!(r.decaySteps > 0)) throw optionError('decaySteps', `must be > 0, got ${r.decaySteps}`);
  if (r.unit !== 'epoch' && r.unit !== 'step') throw optionError('scheduleUnit', `unknown unit "${r.unit}"; valid: epoch, step`);
  const factor = name === 'step' || name === 'plateau' || name === 'exponential';
  if (factor && !(decayRate > 0 && decayRate <= 1)) throw optionError('decayRate', `must be in (0, 1] for ${name}, got ${decayRate}`);
  if (name === 'inverse-time' && !(decayRate >= 0)) throw optionError('decayRate', `must be ≥ 0 for inverse-time, got ${decayRate}`);
  if (!(Number.isInteger(r.patience) && r.patience >= 1)) throw optionError('patience', `must be a positive integer, got ${r.patience}`);
  if (!(r.minLr >= 0)) throw optionError('minLr', `must be ≥ 0, got ${r.minLr}`);
  return r;
}

/**
 * The learning rate as a function of step and epoch for a base rate and a schedule config.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { createSchedule } from 'losslens/train';
 *
 * const s = createSchedule(0.1, { name: 'step', decayRate: 0.5, decaySteps: 10 });
 * assert.deepEqual(
 *   [0, 10, 20].map((epoch) => s.lr(epoch, 0)),
 *   [0.1, 0.05, 0.025],
 * );
 * ```
 */
export function createSchedule(baseLr: number, config: ScheduleConfig = {}): Schedule {
  const c = resolveScheduleConfig(config);
  const { decayRate: g, decaySteps: k } = c;
  let plateauLr = baseLr;
  let best = Infinity;
  let wait = 0;
  return {
    config: c,
    lr(epoch, step) {
      const t = c.unit === 'step' ? step : epoch;
      switch (c.name) {
        case 'constant':
          return baseLr;
        case 'step':
          return baseLr * g ** Math.floor(t / k);
        case 'exponential':
          return baseLr * g ** (t / k);
        case 'inverse-time':
          return baseLr / (1 + (g * t) / k);
        case 'plateau':
          return plateauLr;
      }
    },
    endEpoch(monitored) {
      if (c.name !== 'plateau') return;
      if (monitored < best - c.minDelta * Math.abs(best) || best === Infinity) {
        best = monitored;
        wait = 0;
        return;
      }
      if (++wait >= c.patience) {
        plateauLr = Math.max(plateauLr * g, c.minLr);
        wait = 0;
      }
    },
  };
}
