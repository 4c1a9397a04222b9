/**
 * `losslens watch DIR`: the live page of a run folder written by the fit callback, served on a loopback address
 * until interrupted; `--export` writes DIR/watch.html with the data embedded instead (opens offline).
 */
import type { Argv } from 'yargs';

export const command = 'watch <dir>';
export const describe = 'serve a live page of a training run folder on 127.0.0.1 (redraws as measurements arrive); --export writes watch.html';

export const builder = (y: Argv) =>
  y
    .positional('dir', { type: 'string', describe: 'the run folder (run.json, measurements.jsonl) written by lossLensCallback' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'loopback address to listen on: 127.0.0.1, localhost or ::1' })
    .option('port', { type: 'number', default: 8470, describe: 'port to listen on (0 picks a free one; the URL is printed)' })
    .option('export', { type: 'boolean', default: false, describe: 'write DIR/watch.html with every measurement and figure embedded, then exit' });

interface WatchArgs {
  dir: string;
  host: string;
  port: number;
  export: boolean;
}

export async function handler(args: WatchArgs): Promise<void> {
  const { watchRun } = await import('../../src/watch/watch.js');
  const r = await watchRun({ dir: String(args.dir), host: args.host, port: args.port, export: args.export });
  if (r.exported) process.stdout.write(`wrote ${r.exported}\n`);
  if (r.server) process.stdout.write(`losslens watch: ${r.server.url} (serving ${args.dir}; Ctrl-C to stop)\n`);
}
