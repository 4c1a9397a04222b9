/**
 * The range of every numeric option, checked in one yargs middleware before any command runs
 * (so nothing is read, allocated or created for an option that is out of range), plus options
 * given twice and combinations that would be silently ignored. The library's validators check
 * the same fields again (with the lower bounds that matter for correctness); this table adds
 * the upper bounds that keep memory and time finite, and refuses NaN/non-integers at once.
 * The table itself lives in the library (src/options/limits.ts): queue workers check every job's
 * config against the same one.
 */
import { optionError } from '../src/errors.js';
import { OPTION_LIMITS, LIST_LIMITS, describeLimit as describe, within } from '../src/options/limits.js';

export { OPTION_LIMITS, LIST_LIMITS };

const given = (argv: Record<string, unknown>, flag: string) => argv[flag] !== undefined;

/** Which optimizers use each optimizer hyper-parameter (anything else would ignore it). */
const OPTIMIZER_PARAMS: Record<string, string[]> = {
  momentum: ['momentum', 'nesterov'],
  beta1: ['adam', 'adamax'],
  beta2: ['adam', 'adamax'],
  rho: ['adadelta', 'rmsprop'],
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
      const lim = Object.hasOwn(OPTION_LIMITS, key) ? OPTION_LIMITS[key] : undefined;
      if (!Number.isFinite(value)) throw optionError(flag, `must be a finite number, got ${rawValue(raw, key) ?? value}`);
      if (lim && !within(value, lim)) throw optionError(flag, `must be ${describe(lim)}, got ${rawValue(raw, key) ?? value}`);
    }
    if (typeof value === 'string' && Object.hasOwn(LIST_LIMITS, key)) {
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
  const needs: [string, string, string][] =
    command === 'train'
      ? [
          ['sharpness-iter', 'track-sharpness', '--track-sharpness K'],
          ['sharpness-samples', 'track-sharpness', '--track-sharpness K'],
        ]
      : command === 'gradients'
        ? [
            ['noise-groups', 'noise', '--noise'],
            ['noise-group-size', 'noise', '--noise'],
          ]
        : [];
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
