/**
 * A queue worker process that also serves the synthetic test handler (run with `node --import tsx`):
 * what `losslens worker` does, for tests that must SIGKILL a worker process mid-run.
 * Args: REDIS_URL QUEUE STALL_SECONDS; jobs signed with the tests' queue secret. Prints
 * `run <id> started` on stderr as `losslens worker` does.
 */
import './synthetic.js';
import { serveQueue } from '../../src/studies/executors/bullmq-worker.js';
import { TEST_SECRET } from './queue-secret.js';

const [redis, queue, stall] = process.argv.slice(2);
await serveQueue({
  redis,
  queue,
  secret: TEST_SECRET,
  concurrency: 1,
  stallSeconds: Number(stall),
  onEvent: (e) => void (e.type === 'started' && process.stderr.write(`run ${e.id} started\n`)),
});
