/** Small parsers for option values, each failing with the option's name. */
import { optionError } from '../src/errors.js';

/** "lo:hi" → [lo, hi]. */
export function parseRange(value: string | undefined, field: string, fallback: [number, number]): [number, number] {
  if (value === undefined || value === '') return fallback;
  const m = /^\s*(-?[\d.eE+-]+)\s*:\s*(-?[\d.eE+-]+)\s*$/.exec(value);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw optionError(field, `expected LO:HI such as -1:1, got "${value}"`);
  if (Math.abs(lo) > 1e6 || Math.abs(hi) > 1e6) throw optionError(field, `ends must lie within ±1e6, got "${value}"`);
  if (!(lo < hi)) throw optionError(field, `lower end ${lo} must be below upper end ${hi}`);
  return [lo, hi];
}

/** "8,32,128" → [8, 32, 128]. */
export function parseList(value: string | undefined, field: string): number[] | undefined {
  if (value === undefined || value === '') return undefined;
  const out = value.split(',').map((s) => Number(s.trim()));
  if (out.some((x) => !Number.isFinite(x))) throw optionError(field, `expected comma-separated numbers, got "${value}"`);
  return out;
}

/**
 * yargs reads "--range -1:1" as two flags; rewrite "--opt -x…" into "--opt=-x…" for options
 * whose values may start with a minus sign.
 */
export function joinNegativeValues(argv: string[], options: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (options.includes(a) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** --scale: checked by the pipelines (src/pipelines/common.ts), re-exported for the commands that check it early. */
export { checkScale } from '../src/pipelines/common.js';
