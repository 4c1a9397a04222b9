/**
 * The watch page's event stream (Server-Sent Events): each client tails the run folder on its own from offset 0,
 * so a page opened late still gets every measurement. Sends `run` when run.json changes, `points` per batch of
 * new complete lines, `figures` when the folder's PNGs or report pages change, and a comment now and then to
 * keep the connection open.
 */
import type http from 'node:http';
import path from 'node:path';
import { readNewLines } from './tail.js';
import { listFigures, MEASUREMENTS, pointsBatch, readRun } from './folder.js';

/** Streams the folder's changes to one client until it disconnects. */
export function openEventStream(root: string, req: http.IncomingMessage, res: http.ServerResponse, pollMs: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let offset = 0;
  let runSeen = '';
  let figuresSeen = '';
  let ticks = 0;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const run = await readRun(root);
      if (run && JSON.stringify(run) !== runSeen) {
        runSeen = JSON.stringify(run);
        send('run', run);
      }
      const r = await readNewLines(path.join(root, MEASUREMENTS), offset);
      offset = r.offset;
      if (r.records.length || r.bad) send('points', pointsBatch(r.records, r.bad));
      const figs = await listFigures(root, '/files/');
      if (JSON.stringify(figs) !== figuresSeen && (figs.pngs.length || figs.pages.length)) {
        figuresSeen = JSON.stringify(figs);
        send('figures', figs);
      }
      if (++ticks % 30 === 0) res.write(': alive\n\n');
    } catch {
      // a file replaced mid-read: the next tick reads it again
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), pollMs);
  void tick();
  req.on('close', () => clearInterval(timer));
}
