/**
 * The range of every numeric option, checked in one yargs middleware before any command runs
 * (so nothing is read, allocated or created for an option that is out of range), plus options
 * given twice and combinations that would be silently ignored. The library's validators check
 * the same fields again (with the lower bounds that matter for correctness); this table adds
 * the upper bounds that keep memory and time finite, and refuses NaN/non-integers at once.
 */
import { optionError } from '../src/errors.js';

interface Limit {
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
  seed: SEED, 'init-seed': SEED, 'split-seed': SEED, 'noise-seed': SEED,
  samples: int(1, 1e9), 'bn-samples': int(1, 1e9), 'n-train': int(1, 1e6), 'input-dim': int(1, 1e5),
  'batch-size': int(1, 2 ** 20), 'eval-batch-size': int(1, 2 ** 20), workers: int(1, 64),
  scale: { gt: 0, max: 10 }, points: int(2, 1001), grid: int(3, 1001), 'barrier-points': int(3, 1001), 'plane-points': int(2, 1001),
  top: int(1, 1000), bottom: int(0, 1000), 'max-iter': int(1, 1e5), tol: { gt: 0, lt: 1 }, 'rel-tol': { gt: 0, lt: 1 },
  'max-matvecs': int(2, 1e6), 'residual-floor': { min: 0, lt: 1 }, 'diagonal-probes': int(2, 1e5),
  probes: int(1, 1e5), 'slq-order': int(1, 1e4), 'slq-probes': int(1, 1e4), sigma: { gt: 0, max: 1e30 }, repeats: int(1, 1e4),
  'lanczos-iter': int(1, 1e4), 'trace-probes': int(1, 1e5), directions: int(1, 1e4),
  lr: { gt: 0, max: 1e6 }, momentum: FRACTION, beta1: FRACTION, beta2: FRACTION, rho: FRACTION, epsilon: { min: 0, max: 10 },
  'weight-decay': { min: 0, max: 1e6 }, 'decay-rate': { min: 0, max: 1e6 }, 'decay-steps': { gt: 0, max: 1e12 }, patience: int(1, 1e6),
  'min-lr': { min: 0, max: 1e6 }, 'clip-norm': { gt: 0, max: 1e30 }, 'clip-value': { gt: 0, max: 1e30 }, 'val-split': FRACTION,
  'early-stopping': int(0, 1e6), 'save-every': int(0, 1e9), batches: int(1, 1e5), epochs: int(1, 1e6), 'max-steps': int(1, 1e9),
  'eval-every': int(1, 1e6), seeds: int(1, 1000), snapshots: int(1, 1e4),
  attempts: int(1, 100), concurrency: int(1, 256), 'stall-seconds': { min: 1, max: 3600 },
  'base-batch-size': int(1, 2 ** 20), 'slice-points': int(2, 1001), 'slice-directions': int(0, 100), 'slice-direction-points': int(3, 1001),
  'slice-direction-range': { gt: 0, max: 100 },
  'track-sharpness': int(1, 1e9), 'sharpness-iter': int(2, 1000), 'sharpness-samples': int(1, 1e7),
  'noise-groups': int(2, 1e5), 'noise-group-size': int(2, 1000), 'symmetry-tol': { min: 0, lt: 1 },
  'label-noise': { min: 0, max: 1 }, margin: { gt: 0, lt: 1 }, 'interpolation-tol': { min: 0, max: 1e30 }, noise: { min: 0, max: 1e6 },
};

/** Comma-separated numeric lists: each element's range. */
export const LIST_LIMITS: Record<string, Limit> = {
  widths: int(1, 1e5), 'batch-sizes': int(1, 2 ** 20), lrs: { gt: 0, max: 1e6 }, momentums: FRACTION, beta1s: FRACTION,
};

function describe(l: Limit): string {
  const lo = l.gt !== undefined ? `> ${l.gt}` : l.min !== undefined ? `≥ ${l.min}` : '';
  const hi = l.lt !== undefined ? `< ${l.lt}` : l.max !== undefined ? `≤ ${l.max}` : '';
  return `${l.int ? 'an integer' : 'a number'}${lo || hi ? ` ${[lo, hi].filter(Boolean).join(' and ')}` : ''}`;
}

function within(v: number, l: Limit): boolean {
  return Number.isFinite(v) && (!l.int || Number.isInteger(v)) && !(l.min !== undefined && v < l.min) && !(l.max !== undefined && v > l.max)
    && !(l.gt !== undefined && v <= l.gt) && !(l.lt !== undefined && v >= l.lt);
}

const given = (argv: Record<string, unknown>, flag: string) => argv[flag] !== undefined;

/** Which optimizers use each optimizer hyper-parameter (anything else would ignore it). */
const OPTIMIZER_PARAMS: Record<string, string[]> = {
  momentum: ['momentum', 'nesterov'], beta1: ['adam', 'adamax'], beta2: ['adam', 'adamax'], rho: ['adadelta', 'rmsprop'],
  epsilon: ['adagrad', 'adadelta', 'rmsprop', 'adam', 'adamax'],
};

/** yargs middleware: throw a one-line option error for the first option out of its range. */
export function checkOptionLimits(argv: Record<string, unknown>): void {
  const raw = process.argv.slice(2);
  for (const [key, value] of Object.entries(argv)) {
    // camelCase twins of kebab keys and one-letter aliases (-m, -d, -o, -q) repeat a long flag
    if (key === '_' || key === '$0' || /[A-Z]/.test(key) || (key.length === 1 && key !== 'x' && key !== 'y')) continue;
    const flag = key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()); // the field the flag sets
    if (Array.isArray(value)) throw optionError(flag, `given ${value.length} times; give it once`);
    if (typeof value === 'number') {
      const lim = OPTION_LIMITS[key];
      if (!Number.isFinite(value)) throw optionError(flag, `must be a finite number, got ${rawValue(raw, key) ?? value}`);
      if (lim && !within(value, lim)) throw optionError(flag, `must be ${describe(lim)}, got ${rawValue(raw, key) ?? value}`);
    }
    if (typeof value === 'string' && LIST_LIMITS[key]) {
      const lim = LIST_LIMITS[key];
      for (const part of value.split(',')) {
        const v = Number(part.trim());
        if (part.trim() !== '' && !within(v, lim)) throw optionError(flag, `each value must be ${describe(lim)}, got ${part.trim()}`);
      }
    }
  }
  checkCombinations(argv);
}

function checkCombinations(argv: Record<string, unknown>): void {
  const command = String((argv._ as unknown[])?.[0] ?? '');
  if (given(argv, 'data') && (given(argv, 'x') || given(argv, 'y'))) {
    throw optionError('data', 'give either {data} or --x with --y, not both');
  }
  if (command === 'slice') {
    const dims = argv.dims ?? 1;
    if (given(argv, 'y-range') && dims !== 2) throw optionError('yRange', 'only applies to 2-D slices ({dims} 2)');
    if (given(argv, 'dir2') && !given(argv, 'dir1')) throw optionError('dir2', 'needs {dir1} (the first direction)');
    if (given(argv, 'dir2') && dims !== 2) throw optionError('dir2', 'only applies to 2-D slices ({dims} 2)');
    if (argv.log === true && argv.linear === true) throw optionError('log', 'and {linear} contradict each other; give one');
  }
  const needs: [string, string, string][] = command === 'train' ? [['sharpness-iter', 'track-sharpness', '--track-sharpness K'], ['sharpness-samples', 'track-sharpness', '--track-sharpness K']]
    : command === 'gradients' ? [['noise-groups', 'noise', '--noise'], ['noise-group-size', 'noise', '--noise']] : [];
  for (const [opt, on, what] of needs) {
    if (given(argv, opt) && !argv[on]) throw optionError(`--${opt}`, `only applies with ${what}`);
  }
  if (command === 'train' || command === 'seeds') {
    const opt = String(argv.optimizer ?? '').toLowerCase();
    for (const [param, users] of Object.entries(OPTIMIZER_PARAMS)) {
      if (command === 'seeds' && param === 'epsilon') continue; // seeds' --epsilon is the sharpness radius
      if (given(argv, param) && !users.includes(opt)) {
        throw optionError(param, `is not used by {optimizer} ${opt || '(default)'}; it applies to ${users.join(', ')}`);
      }
    }
  }
}

/** The value as typed after --key (yargs turns "abc" into NaN), for the message. */
function rawValue(raw: string[], key: string): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === `--${key}`) return raw[i + 1];
    if (raw[i].startsWith(`--${key}=`)) return raw[i].slice(key.length + 3);
  }
  return undefined;
}
