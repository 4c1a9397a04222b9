/**
 * RunExecutor without workers: tasks run one after another in this thread (tests, --workers 1).
 * Same semantics as the worker pool: a throwing task becomes a failure record; an aborted signal
 * stops before the next task and rejects with INTERRUPTED.
 */
import type { ExecutorCallbacks, RunExecutor, RunTask } from './types.js';
import { interrupted, loadHandler, makeRecord, type RunTaskFn } from './task-handler.js';

/**
 * A study executor without workers: tasks run one after another in this thread, each through the handler (a
 * function, or a module exporting `runTask`); a throwing task becomes a failure record.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { InProcessExecutor } from 'losslens/studies';
 *
 * // a throwing task becomes a failure record, the others run on
 * const executor = new InProcessExecutor(async (_kind, config) => {
 *   const x = (config as { x: number }).x;
 *   if (x < 0) throw new Error('negative');
 *   return Math.sqrt(x);
 * });
 * const results: Record<string, unknown> = {};
 * await executor.run(
 *   [4, -1, 9].map((x) => ({ id: `x${x}`, kind: 'sqrt', config: { x } })),
 *   { onResult: async (r) => void (results[r.id] = r.error ? 'failed' : r.result) },
 * );
 * assert.deepEqual(results, { x4: 2, 'x-1': 'failed', x9: 3 });
 * ```
 */
export class InProcessExecutor implements RunExecutor {
  readonly workers = 1;
  private fn?: Promise<RunTaskFn>;

  /** @param handler the handler module (path or file URL) exporting `runTask`, or the function itself. */
  constructor(private readonly handler: string | URL | RunTaskFn) {}

  async run<R>(tasks: RunTask[], cb: ExecutorCallbacks<R>): Promise<void> {
    const runTask = await (this.fn ??= typeof this.handler === 'function' ? Promise.resolve(this.handler) : loadHandler(this.handler));
    let done = 0;
    cb.onProgress?.(0, tasks.length);
    for (const task of tasks) {
      if (cb.signal?.aborted) throw interrupted();
      const started = Date.now();
      let rec;
      try {
        rec = makeRecord(task, await runTask(task.kind, task.config, { signal: cb.signal }), started);
      } catch (err) {
        if (cb.signal?.aborted) throw interrupted();
        rec = makeRecord(task, null, started, err);
      }
      await cb.onResult(rec as never);
      cb.onProgress?.(++done, tasks.length);
    }
  }

  async close(): Promise<void> {}
}
