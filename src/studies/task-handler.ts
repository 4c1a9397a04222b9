/**
 * The task-handler side of the executor contract (src/studies/types.ts), shared by every executor.
 *
 * A handler module exports `runTask(kind, config, ctx)`. It may return binary attachments
 * (e.g. the final θ) next to its JSON result by returning a {@link TaskOutput}: executors move
 * the Float32Arrays without copying (transfer lists), and `runStudy` writes each one as
 * `runs/<id>.<name>.f32` before the record, so a record on disk implies its attachments exist.
 */
import { LosslensError } from '../errors.js';
import { toWireError } from '../workers/wire-error.js';
import type { RunRecord, RunTask } from './types.js';

/** What a task handler receives besides its config: an abort signal. */
export interface TaskContext {
  signal?: AbortSignal;
}

/**
 * What an executor hands a worker thread for one task: the task and the job envelope's fields, which
 * no task kind's config carries. `nativeThreads`: the coordinator's native kernel threads, applied
 * before the handler runs (./tasks/native-threads.ts); absent, the thread keeps its own.
 */
export interface TaskEnvelope extends RunTask {
  nativeThreads?: number;
}

/** What a handler module exports. */
export type RunTaskFn = (kind: string, config: unknown, ctx: TaskContext) => Promise<unknown>;

/** A handler result with binary attachments: `result` is the JSON part, stored in the record. */
export interface TaskOutput<R = unknown> {
  result: R;
  attachments?: Record<string, Float32Array>;
}

/** True for a value shaped like a {@link TaskOutput} (has `result` and an `attachments` object). */
export function isTaskOutput(v: unknown): v is TaskOutput {
  return typeof v === 'object' && v !== null && 'result' in v && typeof (v as TaskOutput).attachments === 'object';
}

/** The record of a finished (or failed) task; attachments stay in `result` until the study splits them off. */
export function makeRecord(task: RunTask, output: unknown, started: number, error?: unknown): RunRecord {
  const rec: RunRecord = {
    id: task.id,
    kind: task.kind,
    config: task.config,
    result: error === undefined ? output : null,
    elapsedMs: Date.now() - started,
    finishedAt: new Date().toISOString(),
  };
  if (error !== undefined) rec.error = errorInfo(error);
  return rec;
}

export const errorInfo = toWireError;

/** Load a handler module's `runTask` (path or file URL). */
export async function loadHandler(module: string | URL): Promise<RunTaskFn> {
  const mod = (await import(module instanceof URL ? module.href : module)) as { runTask?: RunTaskFn };
  if (typeof mod.runTask !== 'function') throw new LosslensError('INTERNAL', `task handler ${String(module)} does not export runTask`);
  return mod.runTask;
}

export const interrupted = () => new LosslensError('INTERRUPTED', 'the study was stopped; finished runs are kept and a re-run resumes');
