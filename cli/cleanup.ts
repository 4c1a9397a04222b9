import { removePendingTempFiles } from '../src/io/atomic-write.js';

/** Work to undo if the run is interrupted (e.g. remove a staging folder). main.ts runs it on SIGINT/SIGTERM. */
const hooks = new Set<() => void | Promise<void>>();

export function onInterrupt(fn: () => void | Promise<void>): () => void {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

export async function runInterruptHooks(): Promise<void> {
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
