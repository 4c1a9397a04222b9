/**
 * `losslens watch DIR`: checks the folder and the listen options, then either serves the live page on a loopback
 * address or, with `export`, writes `DIR/watch.html` with the data embedded.
 */
import { promises as fs } from 'node:fs';
import { inputError, optionError } from '../errors.js';
import { startWatchServer, type WatchServer } from './server.js';
import { exportWatchPage } from './folder.js';

/** Options of {@link watchRun}. */
export interface WatchOptions {
  dir: string;
  host: string;
  port: number;
  export: boolean;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

async function checkDir(dir: string): Promise<void> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st) throw inputError(dir, 'no such folder (give the run folder the fit callback writes)');
  if (!st.isDirectory()) throw inputError(dir, 'not a folder (give the run folder the fit callback writes)');
}

/** Refuses a host that is not a loopback name and a port outside 0…65535 (one line each). */
export function checkListen(host: string, port: number): void {
  if (!LOOPBACK.includes(host))
    throw optionError('host', `must be a loopback name (${LOOPBACK.join(', ')}): the page is served to this machine only, got ${host}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw optionError('port', `must be an integer ≥ 0 and ≤ 65535 (0 picks a free port), got ${port}`);
}

/** Serves the folder (resolves once listening) or writes watch.html (resolves with its path). */
export async function watchRun(o: WatchOptions): Promise<{ server?: WatchServer; exported?: string }> {
  await checkDir(o.dir);
  if (o.export) return { exported: await exportWatchPage(o.dir) };
  checkListen(o.host, o.port);
  try {
    return { server: await startWatchServer({ dir: o.dir, host: o.host, port: o.port }) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw optionError('port', `${o.port} is in use on ${o.host}; pick another, or 0 for a free one`);
    if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') throw optionError('host', `${o.host} is not available on this machine`);
    throw e;
  }
}
