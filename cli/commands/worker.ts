/**
 * `losslens worker --redis redis://host:port [--concurrency N]`: serve the runs that study commands
 * (seeds, optimizers, double-descent … --redis) put on a Redis queue, on this or any machine, until
 * stopped. Ctrl-C (or SIGTERM) takes no new runs and finishes those in hand; a second Ctrl-C puts
 * them back in the queue at once (another worker redoes them). A worker killed outright loses its
 * runs' locks; they are re-delivered elsewhere after --stall-seconds. Redis credentials and the
 * queue secret come from files or the environment, never the command line (docs/workers.md).
 */
import type { Argv } from 'yargs';
import os from 'node:os';
import { queueCredentialOptions, type QueueCredentialArgs } from '../queue-credential-options.js';

export const command = 'worker';
export const describe = 'serve study runs queued on Redis (seeds/optimizers/double-descent --redis) until stopped';

export const builder = (y: Argv) =>
  queueCredentialOptions(y)
    .option('redis', {
      type: 'string',
      describe: 'the Redis the coordinator enqueued on, redis://host:port without a password (bare: REDIS_URL; see --redis-url-file)',
    })
    .option('queue', { type: 'string', default: 'losslens', describe: 'queue name (as given to the study command)' })
    .option('concurrency', { type: 'number', describe: 'runs at once, each in its own thread (default: core count)' })
    .option('stall-seconds', {
      type: 'number',
      default: 30,
      describe: 'a run whose worker stops renewing its lock this long is re-delivered to another worker',
    })
    .option('cache', { type: 'string', describe: 'folder for the checkpoints and datasets fetched from Redis (default <tmp>/losslens-worker-cache)' })
    .option('cache-max-bytes', {
      type: 'number',
      default: 10 * 2 ** 30,
      describe: 'size limit of --cache: least recently used inputs are evicted to stay under it; a run needing more is refused',
    })
    .option('shared-fs', { type: 'string', describe: 'serve studies submitted with --shared-fs: read their model and data paths, only under this folder' });

export interface WorkerArgs extends QueueCredentialArgs {
  redis?: string;
  queue: string;
  concurrency?: number;
  stallSeconds: number;
  cache?: string;
  cacheMaxBytes: number;
  sharedFs?: string;
  quiet?: boolean;
}

export async function handler(args: WorkerArgs): Promise<void> {
  const { optionError } = await import('../../src/errors.js');
  const { QUEUE_NAME } = await import('../../src/studies/executors/redis.js');
  const { serveQueue } = await import('../../src/studies/executors/bullmq-worker.js');
  const { onInterrupt } = await import('../cleanup.js');
  const { VERSION } = await import('../../src/version.js');
  const concurrency = args.concurrency ?? os.availableParallelism();
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256))
    throw optionError('concurrency', `must be an integer in [1, 256], got ${args.concurrency}`);
  if (!(Number.isFinite(args.stallSeconds) && args.stallSeconds >= 1 && args.stallSeconds <= 3600))
    throw optionError('stallSeconds', `must be in [1, 3600], got ${args.stallSeconds}`);
  if (!QUEUE_NAME.test(args.queue)) throw optionError('queue', `letters, digits, '.', '_' and '-' only (at most 100), got "${args.queue}"`);
  const { resolveQueueAccess } = await import('../../src/studies/executors/queue-credentials.js');
  const access = await resolveQueueAccess(args);
  const say = (s: string) => void (!args.quiet && process.stderr.write(`losslens worker: ${s}\n`));
  const server = await serveQueue({
    redis: access.url,
    redisCa: access.ca,
    secret: access.secret,
    insecureNoSecret: access.insecureNoSecret,
    queue: args.queue,
    concurrency,
    stallSeconds: args.stallSeconds,
    cacheDir: args.cache,
    cacheMaxBytes: args.cacheMaxBytes,
    sharedFs: args.sharedFs,
    onEvent: (e) => {
      if (e.type === 'ready')
        say(
          `${e.name} (losslens ${VERSION}) serving queue ${e.queue} (${concurrency} at once${access.insecureNoSecret ? ', UNSIGNED jobs accepted' : ''}); Ctrl-C to stop`,
        );
      else if (e.type === 'started') say(`run ${e.id} started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
      else if (e.type === 'finished') say(`run ${e.id} finished in ${(e.elapsedMs / 1000).toFixed(1)}s`);
      else if (e.type === 'failed') say(`run ${e.id} failed (attempt ${e.attempt}${e.final ? ', final' : ', will be retried'}): ${e.message}`);
      else if (e.type === 'refused') say(`job ${e.job} refused: ${e.reason}`);
      else say(`run ${e.id} released back to the queue`);
    },
  });
  // main.ts runs this hook on the first SIGINT/SIGTERM and exits when it returns
  let stopped!: () => void;
  const until = new Promise<void>((resolve) => (stopped = resolve));
  onInterrupt(async () => {
    const n = server.inHand();
    if (n > 0) say(`finishing ${n} run(s) in hand; Ctrl-C again to put them back in the queue now`);
    const release = () => void server.stop('release');
    process.once('SIGINT', release);
    process.once('SIGTERM', release);
    await server.stop('finish');
    stopped();
  });
  await until;
}
