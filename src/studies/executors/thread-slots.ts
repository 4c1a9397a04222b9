/**
 * Up to `size` worker threads running one task each (the LocalPool's worker entry, one tfjs
 * instance per thread), handed out per call rather than per batch: a queue worker's processor
 * calls `run` for each job it takes. The CPU-bound run never blocks the calling thread, so BullMQ's
 * lock renewal keeps its beat.
 *
 * A thread that dies rejects its run (and is replaced on the next call); `run(…, signal)` aborted
 * terminates the thread at once and rejects with the signal's reason.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../workers/start-worker.js';
import type { RunTask } from '../types.js';

const ENTRY = new URL(`../pool-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

interface Slot {
  worker: Worker;
  handler: string;
  busy: boolean;
  dead: boolean;
}
type Reply = { id: string; output?: unknown; error?: { message: string; code?: string } };

export class TaskError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class ThreadSlots {
  private slots: Slot[] = [];
  constructor(readonly size: number) {}

  private acquire(handler: string): Slot {
    this.slots = this.slots.filter((s) => !s.dead);
    const same = this.slots.find((s) => !s.busy && s.handler === handler);
    if (same) return same;
    if (this.slots.length >= this.size) {
      const idle = this.slots.find((s) => !s.busy);
      if (!idle) throw new Error('ThreadSlots: more concurrent runs than threads');
      this.kill(idle);
    }
    const slot: Slot = { worker: startWorker(ENTRY, { handler }), handler, busy: false, dead: false };
    slot.worker.unref();
    slot.worker.on('exit', () => (slot.dead = true));
    this.slots.push(slot);
    return slot;
  }

  private kill(s: Slot) {
    s.dead = true;
    this.slots = this.slots.filter((x) => x !== s);
    void s.worker.terminate();
  }

  /** Run `task` with the handler module `handler` (file URL); resolves with the handler's output. */
  run(handler: string, task: RunTask, signal?: AbortSignal): Promise<unknown> {
    const slot = this.acquire(handler);
    slot.busy = true;
    slot.worker.ref();
    return new Promise((resolve, reject) => {
      const done = (f: () => void) => {
        slot.worker.off('message', onMsg).off('error', onErr).off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        slot.busy = false;
        slot.worker.unref();
        f();
      };
      const onMsg = (m: Reply) => done(() => (m.error ? reject(new TaskError(m.error.message, m.error.code)) : resolve(m.output)));
      const onErr = (err: Error) => done(() => reject(new TaskError(`run thread failed: ${err.message}`)));
      const onExit = (code: number) => done(() => reject(new TaskError(`run thread exited with code ${code}`)));
      const onAbort = () =>
        done(() => {
          this.kill(slot);
          reject(signal!.reason);
        });
      slot.worker.on('message', onMsg).on('error', onErr).on('exit', onExit);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.worker.postMessage({ task });
    });
  }

  async close(): Promise<void> {
    const all = this.slots;
    this.slots = [];
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}
