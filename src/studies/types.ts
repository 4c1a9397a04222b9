/**
 * Contracts of research studies (many training runs compared): a study is a folder with its
 * config, one result file per finished run (written atomically), and a summary + figures rebuilt
 * from the finished runs. Runs are executed by a RunExecutor: a local worker pool now, a
 * distributed queue (e.g. BullMQ on Redis) later — study code never knows which.
 */
import type { WireError } from '../workers/wire-error.js';

/** One unit of work: JSON-serialisable, identified by a stable id (the result file name). */
export interface RunTask<C = unknown> {
  /** Stable, filesystem-safe id, e.g. "w32-seed07" or "adam-lr0.01-b0.9-seed3". */
  id: string;
  /** Which task handler runs it (a key of the task registry, e.g. "train-and-measure"). */
  kind: string;
  config: C;
}

/** What a finished run reports back; stored verbatim as runs/<id>.json. */
export interface RunRecord<R = unknown> {
  id: string;
  kind: string;
  config: unknown;
  result: R;
  /** Wall-clock milliseconds the run took. */
  elapsedMs: number;
  finishedAt: string;
  /**
   * Present when the handler threw (or its worker died): the run failed, `result` is null.
   * A failure is reported through onResult like any record, never as a crash of the study;
   * study folders keep it apart from finished runs so that a resume retries it.
   */
  error?: WireError;
}

/** What an executor calls back: each finished run, and progress. */
export interface ExecutorCallbacks<R = unknown> {
  /** Called once per finished run, in completion order; the study persists it before returning. */
  onResult(record: RunRecord<R>): Promise<void>;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/**
 * Executes tasks by kind. A task handler is a module that exports
 * `runTask(kind: string, config: unknown, ctx: {signal?: AbortSignal}): Promise<unknown>`;
 * the executor loads it in each worker (one tfjs instance per worker).
 */
export interface RunExecutor {
  readonly workers: number;
  run<R>(tasks: RunTask[], callbacks: ExecutorCallbacks<R>): Promise<void>;
  close(): Promise<void>;
}
