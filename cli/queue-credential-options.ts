/**
 * The flags that say how to reach Redis safely and which secret signs the queue's jobs, shared by
 * `losslens worker` and the study commands' --redis. No flag takes a credential itself: a command
 * line is visible to every local user in `ps` (see docs/security.md).
 */
import type { Argv } from 'yargs';

export const queueCredentialOptions = <T>(y: Argv<T>) =>
  y
    .option('redis-url-file', {
      type: 'string',
      describe: 'a file (mode 0600) holding the Redis URL with its password, redis://:PASS@host:port or rediss://…; instead of --redis or REDIS_URL',
    })
    .option('redis-ca-file', {
      type: 'string',
      describe: "with a rediss:// (TLS) URL: the CA certificate (PEM) that signed the server's (or set NODE_EXTRA_CA_CERTS)",
    })
    .option('secret-file', {
      type: 'string',
      describe:
        'a file (mode 0600) holding the queue secret that signs jobs and results, the same for the coordinator and every worker (or set LOSSLENS_QUEUE_SECRET)',
    })
    .option('insecure-no-secret', { type: 'boolean', describe: 'run the queue without a secret (unsigned jobs): only for a Redis on loopback' });

export interface QueueCredentialArgs {
  redisUrlFile?: string;
  redisCaFile?: string;
  secretFile?: string;
  insecureNoSecret?: boolean;
}
