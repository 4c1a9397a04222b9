/**
 * A task's native kernel threads. The thread count picks the native convolutions' form (tiles or
 * OpenBLAS), so a job must run on the count of the run it is to equal bit for bit: the coordinator
 * sends its own (a worker thread's default is 1).
 */
import { inputError } from '../../errors.js';
import { loadNativeAddon } from '../../kernels/native-addon.js';
import { refreshNativeKernelsInfo } from '../../kernels/native-kernels.js';

/** Sets this thread's native kernels to `n` threads (after the engine started); undefined leaves them. Refuses a count outside [1, 1024]. */
export function useNativeThreads(n: number | undefined): void {
  if (n === undefined) return;
  if (!(Number.isInteger(n) && n >= 1 && n <= 1024)) throw inputError('job', `nativeThreads must be an integer in [1, 1024], got ${n}`);
  const load = loadNativeAddon();
  if (load?.addon) {
    load.addon.setThreads(n);
    refreshNativeKernelsInfo(load.addon);
  }
}
