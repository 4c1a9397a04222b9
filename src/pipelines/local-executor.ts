/**
 * The executor of a study that runs on this machine: in process, or a pool of worker threads.
 *
 * Studies whose tasks compute curvature (Lanczos, traces, saddle indices) run in process, one task
 * at a time, unless a worker count is given: concurrent worker threads of one process share the
 * native kernels' threads and OpenBLAS, and the last bits of their eigenvalues and traces vary
 * from run to run; in process the rows repeat to the bit and equal a queued run's. Training studies
 * keep a pool of one thread per core. A native thread count other than this thread's runs on a
 * pool thread (of one task at a time by default), so that the caller's own thread keeps its count.
 */
import os from 'node:os';
import { LocalPool } from '../studies/local-pool.js';
import { InProcessExecutor } from '../studies/in-process-executor.js';
import { coordinatorNativeThreads } from '../studies/native-thread-count.js';
import type { RunExecutor, RunTask } from '../studies/types.js';

/** Task kinds that compute curvature: their studies run in process unless a worker count is given. */
export const CURVATURE_TASK_KINDS: readonly string[] = ['checkpoint-analysis', 'critical-point', 'saddle-dynamics'];

/** The worker threads a local study runs on: the count given, else 1 for curvature tasks and the cores for the others; never more than the tasks. */
export function localWorkers(workers: number | undefined, tasks: readonly RunTask[]): number {
  const curvature = tasks.some((t) => CURVATURE_TASK_KINDS.includes(t.kind));
  const wanted = workers ?? (curvature ? 1 : os.availableParallelism());
  return Math.max(1, Math.min(wanted, tasks.length));
}

/** The local executor for `tasks` (in process when one worker on this thread's own native count), and its label for progress and summary meta. */
export function localExecutor(
  o: { workers?: number; nativeThreads?: number },
  tasks: readonly RunTask[],
  handler: URL,
): { executor: RunExecutor; label: string } {
  const n = localWorkers(o.workers, tasks);
  const ownCount = o.nativeThreads === undefined || o.nativeThreads === coordinatorNativeThreads();
  if (n === 1 && ownCount) return { executor: new InProcessExecutor(handler), label: 'in process' };
  return { executor: new LocalPool({ workers: n, handler, nativeThreads: o.nativeThreads }), label: `${n} worker thread${n > 1 ? 's' : ''}` };
}
