/**
 * The curvature estimates' options that `hessian` and `trajectory` share: the Lanczos eigenvalue
 * stage (basis size, HVP budget, residual tolerance), the Hutchinson trace probes and the SLQ
 * density (steps and probes). One set of flag names and help texts; their ranges come from the one
 * option table (cli/option-limits.ts → src/options/limits.ts); each command gives its defaults.
 */
import type { Argv } from 'yargs';

/** A command's defaults of the shared curvature options (library fields, as HESSIAN_DEFAULTS names them). */
export interface CurvatureDefaults {
  maxIter: number;
  maxMatvecs: number;
  tol: number;
  probes: number;
  slqOrder: number;
  slqProbes: number;
}

/** The fields the shared options set, for a command's key list (flag → field). */
export const CURVATURE_KEYS = ['maxIter', 'maxMatvecs', 'tol', 'probes', 'slqOrder', 'slqProbes'] as const;

/** The parsed values of the shared curvature options. */
export type CurvatureArgs = CurvatureDefaults;

/**
 * Adds --max-iter, --max-matvecs, --tol, --probes, --slq-order and --slq-probes with `d` as defaults;
 * `per` names what a budget is spent on (e.g. ' per checkpoint') where a command repeats the estimates.
 */
export const curvatureOptions = <T>(y: Argv<T>, d: CurvatureDefaults, per = '') =>
  y
    .option('max-iter', { type: 'number', default: d.maxIter, describe: 'eigenvalues: Lanczos basis size, the vectors held between thick restarts' })
    .option('max-matvecs', { type: 'number', default: d.maxMatvecs, describe: `eigenvalues: HVP budget of the Lanczos stage (all restarts)${per}` })
    .option('tol', { type: 'number', default: d.tol, describe: "eigenvalues: residual tolerance relative to |λ| (ARPACK's rule)" })
    .option('probes', { type: 'number', default: d.probes, describe: `trace: Hutchinson probes${per}` })
    .option('slq-order', { type: 'number', default: d.slqOrder, describe: 'density: Lanczos steps per SLQ probe (quadrature nodes)' })
    .option('slq-probes', { type: 'number', default: d.slqProbes, describe: `density: SLQ probe vectors${per}` });
