import { removePendingTempFiles } from '../src/io/atomic-write.js';

/** Work to undo if the run is interrupted (e.g. remove a staging folder). main.ts runs it on SIGINT/SIGTERM. */
const hooks = new Set<() => unknown>();
let interrupted: string | undefined;

export function onInterrupt(fn: () => unknown): () => void {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

/** The signal that interrupted this run, if one did (errors after it are its echoes, not faults). */
export function interruptedBy(): string | undefined {
  return interrupted;
}

export async function runInterruptHooks(signal = 'SIGINT'): Promise<void> {
  interrupted ??= signal;
  for (const fn of [...hooks].reverse()) {
    try {
      await fn();
    } catch {
      /* best effort while exiting */
    }
  }
  hooks.clear();
  removePendingTempFiles(); // atomic writes cut short: no temp files left behind
}
