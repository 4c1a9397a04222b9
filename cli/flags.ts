/**
 * The one table between the library's option fields and the command line's flags. Library errors
 * name fields (camelCase, as in the options types); the CLI shows the flag a user typed. A field
 * is its flag in kebab-case unless this table says otherwise.
 */
import { LosslensError, renderOptionError } from '../src/errors.js';

/** Fields whose flag is not their kebab-case name. */
export const FLAG_OF_FIELD: Record<string, string> = {
  floor: '--residual-floor',
  vectors: '--save-eigenvectors',
  earlyStoppingPatience: '--early-stopping',
  kTop: '--top',
  kBottom: '--bottom',
  sharpnessIterations: '--sharpness-iter',
};

/** The flag that sets `field` (a field already written as a flag is returned as it is). */
export function flagOf(field: string): string {
  if (field.startsWith('-')) return field;
  return FLAG_OF_FIELD[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** An error's one-line message as the command line shows it: option fields become flags. */
export function cliMessage(err: unknown): string {
  if (err instanceof LosslensError && err.option) return renderOptionError(err.option.field, err.option.problem, flagOf);
  return err instanceof Error ? err.message : String(err);
}
