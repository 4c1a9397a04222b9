/**
 * Typed errors. Errors are data until the edge: library code throws these,
 * and only cli/main.ts maps them to one stderr line and an exit code.
 */
export type ErrorCode =
  | 'BAD_INPUT' // a file the user gave is missing, malformed or inconsistent
  | 'BAD_OPTION' // an option value is out of range or unknown
  | 'UNSUPPORTED' // a valid input that losslens does not handle (e.g. a layer type)
  | 'OUTPUT_EXISTS' // the output folder exists and --force was not given
  | 'INTERRUPTED' // the run was stopped (SIGINT/SIGTERM)
  | 'INTERNAL'; // a bug: the stack is shown under --verbose

/**
 * The one error type the library throws for what a user can fix or should know: `code` says which
 * kind (BAD_INPUT names the file, BAD_OPTION the option field); anything else thrown is a bug.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, LosslensError } from 'losslens';
 *
 * // a bad option value is refused before anything loads, naming the option's field
 * await assert.rejects(
 *   loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' }, workers: 0 }),
 *   (err) => err instanceof LosslensError && err.code === 'BAD_OPTION' && err.option?.field === 'workers',
 * );
 * ```
 */
export class LosslensError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  /** For BAD_OPTION from optionError: the option field (camelCase) and the problem as a template. */
  readonly option?: { field: string; problem: string };

  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown; option?: { field: string; problem: string } } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LosslensError';
    this.code = code;
    this.file = options.file;
    if (options.option) this.option = options.option;
  }
}

/** A problem with an input file: the message reads "<file>: <problem>". */
export function inputError(file: string, problem: string, cause?: unknown): LosslensError {
  return new LosslensError('BAD_INPUT', `${file}: ${problem}`, { file, cause });
}

/**
 * A bad option value. The library names option *fields* (camelCase, as in the options types), never
 * command-line flags: `problem` may mention other fields as `{field}`. The message reads
 * "option <field>: <problem>" with fields as written; the CLI renders the same error with its flags
 * (cli/flags.ts maps field → --flag in one table).
 */
export function optionError(field: string, problem: string): LosslensError {
  return new LosslensError(
    'BAD_OPTION',
    renderOptionError(field, problem, (f) => f),
    { option: { field, problem } },
  );
}

/** "option <name(field)>: <problem with each {other} as name(other)>". */
export function renderOptionError(field: string, problem: string, name: (field: string) => string): string {
  const fill = (s: string) => s.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (_, f: string) => name(f));
  return `option ${field.includes('{') ? fill(field) : name(field)}: ${fill(problem)}`;
}

export function unsupportedError(problem: string, file?: string): LosslensError {
  return new LosslensError('UNSUPPORTED', file ? `${file}: ${problem}` : problem, { file });
}

/** Exit codes: 2 for anything the user can fix, 130 for an interrupt, 1 for internal faults. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof LosslensError)) return 1;
  switch (err.code) {
    case 'BAD_INPUT':
    case 'BAD_OPTION':
    case 'UNSUPPORTED':
    case 'OUTPUT_EXISTS':
      return 2;
    case 'INTERRUPTED':
      return 130;
    default:
      return 1;
  }
}
