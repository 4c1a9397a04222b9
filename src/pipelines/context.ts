/**
 * What a pipeline gets from its caller besides its options: where to report progress and how to
 * hear about an interruption. The CLI passes a progress bar on stderr and its SIGINT hooks; a
 * library user passes nothing (silent, no signal handling) or their own.
 */
import type { Problem } from '../problem.js';
import type { OutputDir } from '../io/output-dir.js';

/** One stage's progress: called with work done / total (and a label), then `done()`. */
export interface Progress {
  (done: number, total: number, label?: string): void;
  done(): void;
}

/** What a caller of {@link runAnalysis} can hook in: progress sinks and interruption handling. */
export interface RunHooks {
  /** A progress sink per stage title (default: silent). */
  progress?: (title: string) => Progress;
  /** Register undo work for an interruption; returns its removal (default: none). */
  onInterrupt?: (undo: () => unknown) => () => void;
  /** One-line notices for a human (e.g. where a distributed study's runs went). */
  notify?: (line: string) => void;
}

/** A silent progress sink. */
export const silent: (title: string) => Progress = () => Object.assign(() => undefined, { done: () => undefined });

/** What an analysis pipeline runs with: the loaded problem and the caller's hooks, defaults filled. */
export interface PipelineContext {
  problem: Problem;
  progress: (title: string) => Progress;
  /** The staged report folder, for files written while the pipeline runs (e.g. training checkpoints). */
  out: OutputDir;
}
