/**
 * The one way losslens starts a worker thread (objective shards, study runs, Redis run slots).
 * Under tsx/vitest (sources are .ts) the worker registers tsx's ESM hooks in its own thread, then
 * imports the entry: Node 20 does not apply `--import tsx` from a Worker's execArgv to the
 * worker's entry module ("Unknown file extension .ts"). From dist/ the .js entry runs directly.
 */
import { Worker } from 'node:worker_threads';

/** Whether the library runs from its .ts sources (tsx, vitest) rather than dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** The URL of a sibling module of `base`, `.ts` from sources and `.js` from dist/. */
export function moduleUrl(stem: string, base: string | URL): URL {
  return new URL(`${stem}.${FROM_SOURCES ? 'ts' : 'js'}`, base);
}

export function startWorker(entry: URL, workerData: unknown): Worker {
  if (!FROM_SOURCES) return new Worker(entry, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}
