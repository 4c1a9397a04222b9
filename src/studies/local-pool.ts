/**
 * RunExecutor on worker_threads: `workers` threads, each importing the handler module once (one
 * tfjs instance per worker) and running one task at a time; tasks are handed out as workers free up.
 *
 * - Results reach `onResult` in completion order, one at a time (persistence is serialised).
 * - A task that throws, or whose worker dies, becomes a failure record (`error` set); a dead worker
 *   is replaced. Only a failing `onResult` (e.g. disk full) rejects `run`.
 * - An aborted signal terminates the workers at once (runs in flight are lost, as with SIGKILL)
 *   and rejects with INTERRUPTED; the next `run` starts fresh workers.
 * - Idle workers are unref'd, but call `close()` when done to terminate them.
 * - Every task goes out in an envelope with the coordinator's native thread count (the calling
 *   thread's unless `nativeThreads` is given), which the worker applies before the handler runs.
 *
 * Under tsx/vitest (this file is .ts) workers register tsx first (see startWorker); from dist/ the .js entry runs.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import type { ExecutorCallbacks, RunExecutor, RunRecord, RunTask } from './types.js';
import { interrupted, makeRecord, type TaskEnvelope } from './task-handler.js';
import { startWorker, moduleUrl } from '../workers/start-worker.js';
import { fromWireError, type WireError } from '../workers/wire-error.js';
import { LosslensError, optionError } from '../errors.js';
import { coordinatorNativeThreads, nativeThreadsProblem } from './native-thread-count.js';

/** How {@link LocalPool} runs tasks: its worker threads and the handler module they load. */
export interface LocalPoolOptions {
  /** Worker threads (default: the core count). */
  workers?: number;
  /** Handler module exporting `runTask`: an absolute path or a file URL. */
  handler: string | URL;
  /** Native kernel threads of every task, in [1, 1024] (default: the calling thread's count at each `run`). */
  nativeThreads?: number;
}

/** Kept for callers of the old location; the one start-up is src/workers/start-worker.ts. */
export { startWorker } from '../workers/start-worker.js';

type Reply = { id: string; output?: unknown; error?: WireError };

class Slot {
  private pending?: { task: RunTask; started: number; resolve: (r: RunRecord) => void };
  readonly worker: Worker;

  constructor(handler: string, onDead: (s: Slot) => void) {
    this.worker = startWorker(moduleUrl('./pool-worker', import.meta.url), { handler });
    this.worker.unref();
    this.worker.on('message', (m: Reply) => {
      const p = this.take();
      if (!p) return;
      // one run in flight per slot: a reply for another run is a protocol fault, recorded as such
      if (m.id !== p.task.id)
        p.resolve(makeRecord(p.task, null, p.started, new LosslensError('INTERNAL', `run thread answered ${m.id}, expected ${p.task.id}`)));
      else p.resolve(makeRecord(p.task, m.output, p.started, m.error ? fromWireError(m.error) : undefined));
    });
    const die = (err: unknown) => {
      const p = this.take();
      p?.resolve(makeRecord(p.task, null, p.started, err));
      onDead(this);
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`worker exited with code ${code}`)));
  }

  private take() {
    const p = this.pending;
    this.pending = undefined;
    this.worker.unref();
    return p;
  }

  start(task: RunTask, nativeThreads: number | undefined): Promise<RunRecord> {
    return new Promise((resolve) => {
      this.pending = { task, started: Date.now(), resolve };
      this.worker.ref();
      const envelope: TaskEnvelope = nativeThreads === undefined ? task : { ...task, nativeThreads };
      this.worker.postMessage({ task: envelope });
    });
  }
}

/**
 * A study executor on worker threads: each loads the handler module (exporting `runTask`) and runs tasks as they
 * come; a failed or crashed task becomes a failure record. `close()` ends the threads.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, writeFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { LocalPool } from 'losslens/studies';
 *
 * // the handler module every worker thread loads: runTask(kind, config)
 * const handler = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'handler.mjs');
 * await writeFile(handler, 'export async function runTask(kind, config) { return config.x * config.x; }\n');
 * const pool = new LocalPool({ workers: 2, handler });
 * const results: Record<string, unknown> = {};
 * try {
 *   await pool.run(
 *     [1, 2, 3, 4].map((x) => ({ id: `x${x}`, kind: 'square', config: { x } })),
 *     { onResult: async (r) => void (results[r.id] = r.result) },
 *   );
 * } finally {
 *   await pool.close();
 * }
 * assert.deepEqual(results, { x1: 1, x2: 4, x3: 9, x4: 16 });
 * ```
 */
export class LocalPool implements RunExecutor {
  readonly workers: number;
  private readonly handler: string;
  private slots: Slot[] = [];

  private readonly nativeThreads?: number;

  constructor(opts: LocalPoolOptions) {
    this.workers = Math.max(1, Math.floor(opts.workers ?? os.availableParallelism()));
    const problem = opts.nativeThreads === undefined ? undefined : nativeThreadsProblem(opts.nativeThreads);
    if (problem) throw optionError('nativeThreads', problem);
    this.nativeThreads = opts.nativeThreads;
    this.handler = opts.handler instanceof URL ? opts.handler.href : opts.handler.startsWith('file:') ? opts.handler : new URL(`file://${opts.handler}`).href;
  }

  private spawn(): Slot {
    const slot = new Slot(this.handler, (dead) => (this.slots = this.slots.filter((s) => s !== dead)));
    this.slots.push(slot);
    return slot;
  }

  async run<R>(tasks: RunTask[], cb: ExecutorCallbacks<R>): Promise<void> {
    if (cb.signal?.aborted) throw interrupted();
    const queue = tasks.slice();
    const total = tasks.length;
    let done = 0;
    cb.onProgress?.(0, total);
    if (total === 0) return;
    const threads = this.nativeThreads ?? coordinatorNativeThreads();
    while (this.slots.length < Math.min(this.workers, total)) this.spawn();
    await new Promise<void>((resolve, reject) => {
      let persisted: Promise<void> = Promise.resolve();
      let stopped = false;
      let active = 0;
      const stop = (err: unknown) => {
        if (stopped) return;
        stopped = true;
        cb.signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const onAbort = () => {
        void this.terminateAll();
        stop(interrupted());
      };
      cb.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (slot: Slot) => {
        if (stopped) return;
        const task = queue.shift();
        if (!task) {
          if (active === 0)
            persisted.then(() => {
              if (!stopped) {
                stopped = true;
                cb.signal?.removeEventListener('abort', onAbort);
                resolve();
              }
            }, stop);
          return;
        }
        active++;
        void slot.start(task, threads).then((rec) => {
          active--;
          if (stopped) return;
          persisted = persisted.then(async () => {
            if (stopped) return;
            await cb.onResult(rec as RunRecord<R>);
            cb.onProgress?.(++done, total);
          });
          persisted.catch(stop);
          feed(this.slots.includes(slot) ? slot : this.spawn());
        });
      };
      for (const slot of this.slots.slice(0, total)) feed(slot);
    });
  }

  private async terminateAll(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  async close(): Promise<void> {
    await this.terminateAll();
  }
}
