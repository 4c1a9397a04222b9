/**
 * Every numeric option of every command has a range in cli/option-limits.ts (or is one of the
 * finding thresholds, whose ranges the library checks before any work), and raw tfjs faults
 * that are the input's fault map to exit 2 naming the model.
 */
import { describe, expect, it } from 'vitest';
import yargs, { type Argv } from 'yargs';
import { cliMessage } from '../cli/flags.js';
import { OPTION_LIMITS, checkOptionLimits } from '../cli/option-limits.js';
import { rawErrorAsInput } from '../cli/raw-errors.js';
import { exitCodeFor } from '../src/errors.js';
import { lanczos } from '../src/curvature/lanczos.js';
import * as info from '../cli/commands/info.js';
import * as evalCmd from '../cli/commands/eval.js';
import * as hessian from '../cli/commands/hessian.js';
import * as slice from '../cli/commands/slice.js';
import * as interpolate from '../cli/commands/interpolate.js';
import * as gradients from '../cli/commands/gradients.js';
import * as train from '../cli/commands/train.js';
import * as seeds from '../cli/commands/seeds.js';
import * as optimizers from '../cli/commands/optimizers.js';
import * as batchSize from '../cli/commands/batch-size.js';
import * as doubleDescent from '../cli/commands/double-descent.js';
import * as report from '../cli/commands/report.js';

const COMMANDS = {
  info,
  eval: evalCmd,
  hessian,
  slice,
  interpolate,
  gradients,
  train,
  seeds,
  optimizers,
  'batch-size': batchSize,
  'double-descent': doubleDescent,
  report,
};
/** Thresholds of findings: any finite value is accepted here; their validators run before any work. */
const THRESHOLDS = [
  'vanishing-below',
  'exploding-above',
  'spike-factor',
  'saturation',
  'saturated-fraction',
  'dead-fraction',
  'ill-conditioned-above',
  'negative-tau',
  'negative-fraction',
  'gap-ratio',
  'min-gap',
  'target-loss',
  'dims',
];

describe('option limits', () => {
  it('cover every numeric option of every command', () => {
    const missing: string[] = [];
    let seen = 0;
    for (const [name, cmd] of Object.entries(COMMANDS)) {
      const y = (cmd as unknown as { builder: (y: Argv) => Argv }).builder(yargs([]));
      const numbers: string[] = (y as unknown as { getOptions(): { number: string[] } }).getOptions().number;
      seen += numbers.length;
      for (const n of numbers) if (!OPTION_LIMITS[n] && !THRESHOLDS.includes(n) && !/[A-Z]/.test(n)) missing.push(`${name} --${n}`);
    }
    expect(seen).toBeGreaterThan(60);
    expect(missing).toEqual([]);
  });

  it('refuses NaN, non-integers, values out of range and repeated options before any command runs', () => {
    // as the command line shows it: the middleware's errors name fields, cli/flags.ts turns them into flags
    const bad = (argv: Record<string, unknown>, re: RegExp) => {
      let msg = '';
      try {
        checkOptionLimits({ _: ['eval'], ...argv });
      } catch (e) {
        msg = cliMessage(e);
      }
      expect(msg).toMatch(re);
    };
    bad({ seed: NaN }, /option --seed: must be a finite number/);
    bad({ seed: 1.5 }, /option --seed: must be an integer ≥ 0 and ≤ 4294967295, got 1.5/);
    bad({ workers: 0 }, /option --workers: must be an integer ≥ 1 and ≤ 64/);
    bad({ tol: 1 }, /option --tol: must be a number > 0 and < 1/);
    bad({ model: ['a', 'b'] }, /option --model: given 2 times/);
    bad({ widths: '8,1e9' }, /option --widths: each value must be an integer ≥ 1 and ≤ 100000, got 1e9/);
    expect(() => checkOptionLimits({ _: ['eval'], seed: 7, workers: 2, m: 'x', model: 'x' })).not.toThrow();
  });
});

describe('raw tfjs faults', () => {
  it('map to input errors (exit 2) naming the model; other errors stay internal', () => {
    const argv = ['eval', '--model', 'm/model.json'];
    const conv = rawErrorAsInput(new Error('Error in conv2d: depth of input (3) must match input depth for filter 1.'), argv);
    expect(exitCodeFor(conv)).toBe(2);
    expect((conv as Error).message).toMatch(/^m\/model\.json: the model's layers, weights and data do not fit together \(tfjs: Error in conv2d/);
    expect(exitCodeFor(rawErrorAsInput(new Error('XNN status 6'), argv))).toBe(2);
    expect(exitCodeFor(rawErrorAsInput(new RangeError('Maximum call stack size exceeded'), argv))).toBe(2);
    expect(exitCodeFor(rawErrorAsInput(new RangeError('Array buffer allocation failed'), argv))).toBe(2);
    expect(exitCodeFor(rawErrorAsInput(new TypeError("Cannot read properties of undefined (reading 'x')"), argv))).toBe(1);
  });
});

describe('resource bounds of analyses', () => {
  it('a Lanczos basis larger than 2 GiB is refused before the first matvec', async () => {
    let calls = 0;
    const matvec = (v: Float64Array) => (calls++, v);
    await expect(lanczos(matvec, 2 ** 20, { maxIter: 1000 })).rejects.toThrow(
      /option maxIter: 1000 Lanczos vectors of 1048576 parameters need 7\.8 GiB; at most 2 GiB \(256 iterations/,
    );
    expect(calls).toBe(0);
  });
});
