/**
 * The phases of a report commit, observable: `write:<file>` (a report file written to staging),
 * `commit` (commit started), `manifest` (manifest written), `aside` (an old report moved aside, the
 * new one not yet in place), `renamed` (the new report in place, the old one not yet deleted).
 *
 * One observer per process, awaited at each phase; the library sets none, and without one a phase
 * costs a comparison. The crash-safety tests set one in the CLI they spawn (preloaded from
 * test/helpers/commit-pause.mjs) to deliver SIGINT or SIGKILL inside an exact phase.
 */
export type CommitPhase = `write:${string}` | 'commit' | 'manifest' | 'aside' | 'renamed';
export type CommitObserver = (phase: CommitPhase) => void | Promise<void>;

let observer: CommitObserver | undefined;

/** Set (or, with undefined, clear) the process's commit observer. */
export function observeCommitPhases(fn: CommitObserver | undefined): void {
  observer = fn;
}

/** Reached `phase`: wait for the observer, if one is set. */
export async function commitPhase(phase: CommitPhase): Promise<void> {
  if (observer) await observer(phase);
}
