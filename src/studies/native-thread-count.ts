/**
 * The job envelope's native thread count. The count picks the native convolutions' form (tiles or
 * OpenBLAS), so a job must run on the count of the run it is to equal bit for bit. Every executor
 * stamps the coordinator's count on each job, whatever its kind, and the worker thread applies it
 * before the handler runs (./pool-worker.ts). A worker thread's own default is 1, the main
 * thread's its cores. This module loads no tfjs: executors and idle worker threads stay light.
 */
import { readConfig } from '../config.js';
import { LosslensError } from '../errors.js';
import { loadNativeAddon } from '../kernels/native-addon.js';

/** The envelope field's range, as the addon's setThreads takes it. */
export const MAX_NATIVE_THREADS = 1024;

/** Why `n` is not a thread count (an integer in [1, 1024]); undefined when it is one. */
export function nativeThreadsProblem(n: unknown): string | undefined {
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_NATIVE_THREADS) return undefined;
  const got = typeof n === 'string' ? JSON.stringify(n.slice(0, 20)) : typeof n === 'object' ? typeof n : String(n);
  return `must be an integer in [1, ${MAX_NATIVE_THREADS}], got ${got}`;
}

/**
 * The count this thread's native kernels run on: what an executor stamps on its jobs unless told
 * another. Undefined where no native kernels load here (a job then keeps its worker's own count).
 */
export function coordinatorNativeThreads(): number | undefined {
  const load = loadNativeAddon();
  return load.addon ? load.addon.info().threads : undefined;
}

/** The count the worker threads of a data-parallel objective run on (LOSSLENS_NATIVE_THREADS, else 1). */
export function poolThreadNativeThreads(): number {
  return readConfig().nativeThreads ?? 1;
}

let tasksSeen = 0;

/**
 * Put this thread's native kernels on `n` threads before a task runs (undefined: leave them).
 * Throws for a count outside [1, 1024]. A thread's first task installs its kernels after this, so
 * their recorded facts are right; a later task that changes the count refreshes them.
 */
export async function applyNativeThreads(n: number | undefined): Promise<void> {
  const first = tasksSeen++ === 0;
  if (n === undefined) return;
  const problem = nativeThreadsProblem(n);
  if (problem) throw new LosslensError('BAD_INPUT', `job refused: nativeThreads ${problem}`);
  const load = loadNativeAddon();
  if (!load.addon || load.addon.info().threads === n) return;
  load.addon.setThreads(n);
  if (!first) (await import('../kernels/native-kernels.js')).refreshNativeKernelsInfo(load.addon);
}
