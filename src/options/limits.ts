/**
 * The range of every numeric option: one table, used by the CLI's flag check (cli/option-limits.ts)
 * and by the queue worker's check of each job's config (src/studies/executors/job-checks.ts), so
 * a job put straight into Redis is held to the same bounds as a flag typed on the command line.
 * The library's validators check the same fields again (with the lower bounds that matter for
 * correctness); this table adds the upper bounds that keep memory and time finite.
 */
export interface Limit {
  int?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive bounds. */
  gt?: number;
  lt?: number;
}
const int = (min: number, max: number): Limit => ({ int: true, min, max });
const SEED = int(0, 2 ** 32 - 1);
const FRACTION: Limit = { min: 0, lt: 1 };

/** Per flag (kebab-case, as typed). A flag missing here must still be a finite number. */
export const OPTION_LIMITS: Record<string, Limit> = {
  seed: SEED,
  'init-seed': SEED,
  'split-seed': SEED,
  'noise-seed': SEED,
  samples: int(1, 1e9),
  'bn-samples': int(1, 1e9),
  'n-train': int(1, 1e6),
  'input-dim': int(1, 1e5),
  'batch-size': int(1, 2 ** 20),
  'eval-batch-size': int(1, 2 ** 20),
  workers: int(1, 64),
  scale: { gt: 0, max: 10 },
  points: int(2, 1001),
  grid: int(3, 1001),
  'barrier-points': int(3, 1001),
  'plane-points': int(2, 1001),
  // a queued slice's points per block: at most the largest grid, 1001 × 1001
  'block-points': int(1, 1001 * 1001),
  top: int(1, 1000),
  bottom: int(0, 1000),
  'max-iter': int(1, 1e5),
  tol: { gt: 0, lt: 1 },
  'rel-tol': { gt: 0, lt: 1 },
  'max-matvecs': int(2, 1e6),
  'residual-floor': { min: 0, lt: 1 },
  'diagonal-probes': int(2, 1e5),
  probes: int(1, 1e5),
  'slq-order': int(1, 1e4),
  'slq-probes': int(1, 1e4),
  sigma: { gt: 0, max: 1e30 },
  repeats: int(1, 1e4),
  'lanczos-iter': int(1, 1e4),
  'trace-probes': int(1, 1e5),
  directions: int(1, 1e4),
  lr: { gt: 0, max: 1e6 },
  momentum: FRACTION,
  beta1: FRACTION,
  beta2: FRACTION,
  rho: FRACTION,
  epsilon: { min: 0, max: 10 },
  'weight-decay': { min: 0, max: 1e6 },
  'decay-rate': { min: 0, max: 1e6 },
  'decay-steps': { gt: 0, max: 1e12 },
  patience: int(1, 1e6),
  'min-lr': { min: 0, max: 1e6 },
  'clip-norm': { gt: 0, max: 1e30 },
  'clip-value': { gt: 0, max: 1e30 },
  'val-split': FRACTION,
  'early-stopping': int(0, 1e6),
  'save-every': int(0, 1e9),
  batches: int(1, 1e5),
  epochs: int(1, 1e6),
  'max-steps': int(1, 1e9),
  'eval-every': int(1, 1e6),
  seeds: int(1, 1000),
  snapshots: int(1, 1e4),
  attempts: int(1, 100),
  concurrency: int(1, 256),
  'stall-seconds': { min: 1, max: 3600 },
  'cache-max-bytes': int(2 ** 20, 2 ** 50),
  'base-batch-size': int(1, 2 ** 20),
  'slice-points': int(2, 1001),
  'slice-directions': int(0, 100),
  'slice-direction-points': int(3, 1001),
  'slice-direction-range': { gt: 0, max: 100 },
  'track-sharpness': int(1, 1e9),
  'sharpness-iter': int(2, 1000),
  'sharpness-samples': int(1, 1e7),
  'noise-groups': int(2, 1e5),
  'noise-group-size': int(2, 1000),
  'symmetry-tol': { min: 0, lt: 1 },
  'saddle-dense-max': int(1, 8000),
  'saddle-block': int(2, 4096),
  'saddle-degree': int(1, 1000),
  'saddle-max-locked': int(1, 1e5),
  'saddle-max-matvecs': int(1, 1e8),
  starts: int(1, 10_000),
  'trajectory-points': int(0, 1000),
  'trajectory-steps': int(1, 1e7),
  'grad-tol': { gt: 0, lt: 1 },
  'minres-iter': int(1, 1e5),
  'minres-tol': { gt: 0, lt: 1 },
  'max-hvps': int(1, 1e8),
  'step-cap': { gt: 0, max: 1e6 },
  tau: { gt: 0, lt: 1 },
  steps: int(1, 1e6),
  'krylov-dim': int(1, 1000),
  'init-scale': { gt: 0, max: 1e3 },
  'index-every': int(1, 1e6),
  'max-step': { gt: 0, max: 1e30 },
  'newton-damping': { min: 0, max: 1e30 },
  'label-noise': { min: 0, max: 1 },
  margin: { gt: 0, lt: 1 },
  'interpolation-tol': { min: 0, max: 1e30 },
  noise: { min: 0, max: 1e6 },
};

/** Comma-separated numeric lists: each element's range. */
export const LIST_LIMITS: Record<string, Limit> = {
  widths: int(1, 1e5),
  'batch-sizes': int(1, 2 ** 20),
  lrs: { gt: 0, max: 1e6 },
  momentums: FRACTION,
  beta1s: FRACTION,
  'sfn-dampings': { min: 0, max: 1e30 },
};

/**
 * Task config fields (camelCase, as in the task types) whose name is not their flag's, or whose
 * range in a task differs from the flag's: a task's `width` is one element of `--widths`, and a
 * task's `snapshots` may be 0 (no trajectory) where the flag that sets it is only given when wanted.
 */
const FIELD_LIMITS: Record<string, Limit> = {
  width: LIST_LIMITS.widths,
  batchSize: OPTION_LIMITS['batch-size'],
  earlyStoppingPatience: OPTION_LIMITS['early-stopping'],
  snapshots: int(0, 1e4),
  classes: int(2, 1e5),
  downsample: int(1, 64),
  sgdSteps: int(0, 1e7),
  resize: int(1, 4096),
  denseMaxDim: int(1, 8000),
};

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The limit of a config field (camelCase) or flag (kebab-case); undefined when the table has none. */
export function limitOf(field: string): Limit | undefined {
  if (Object.hasOwn(FIELD_LIMITS, field)) return FIELD_LIMITS[field];
  const flag = kebab(field);
  return Object.hasOwn(OPTION_LIMITS, flag) ? OPTION_LIMITS[flag] : undefined;
}

export function describeLimit(l: Limit): string {
  const lo = l.gt !== undefined ? `> ${l.gt}` : l.min !== undefined ? `≥ ${l.min}` : '';
  const hi = l.lt !== undefined ? `< ${l.lt}` : l.max !== undefined ? `≤ ${l.max}` : '';
  return `${l.int ? 'an integer' : 'a number'}${lo || hi ? ` ${[lo, hi].filter(Boolean).join(' and ')}` : ''}`;
}

export function within(v: number, l: Limit): boolean {
  return (
    Number.isFinite(v) &&
    (!l.int || Number.isInteger(v)) &&
    !(l.min !== undefined && v < l.min) &&
    !(l.max !== undefined && v > l.max) &&
    !(l.gt !== undefined && v <= l.gt) &&
    !(l.lt !== undefined && v >= l.lt)
  );
}
