/**
 * `losslens/queue`: a study's runs on machines that share a Redis server (BullMQ), with signed
 * jobs and content-addressed inputs. The only entry that loads bullmq and ioredis.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { serveQueue } from 'losslens/queue';
 *
 * // on each worker machine: serve signed runs until told to stop
 * const server = await serveQueue({ redis: 'rediss://queue-host:6380', concurrency: 2, secret: await readFile('/etc/losslens/queue.secret') });
 * process.on('SIGTERM', () => void server.stop('finish'));
 * ```
 *
 * @module losslens/queue
 */
export { BullmqExecutor, type BullmqExecutorOptions, type QueueStatus } from '../studies/executors/bullmq-executor.js';
export { serveQueue, type ServeOptions, type QueueServer, type WorkerEvent } from '../studies/executors/bullmq-worker.js';
