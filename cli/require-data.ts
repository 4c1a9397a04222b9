import { optionError } from '../src/errors.js';
import type { CommonArgs } from './options.js';

/** Commands that evaluate the loss need a dataset: --data, or --x with --y. */
export function requireData(args: CommonArgs): void {
  if (!args.data && !args.x) throw optionError('data', 'a dataset is required ({data} FILE|DIR, or --x X --y Y)');
  if (args.x && !args.y) throw optionError('y', '--x needs --y');
}
