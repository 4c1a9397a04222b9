/**
 * The environment variables the distributed executor reads, read here and nowhere else:
 *   - LOSSLENS_QUEUE_SECRET: the shared secret that signs jobs and results (see job-signature.ts);
 *   - REDIS_URL: the Redis to use, password included (redis://[user]:PASS@host:port or rediss://).
 * Both keep credentials off the command line, where any local user sees them in `ps`.
 */
export interface QueueEnv {
  /** LOSSLENS_QUEUE_SECRET, when set and not empty. */
  secret?: string;
  /** REDIS_URL, when set and not empty. */
  redisUrl?: string;
}

export const SECRET_ENV = 'LOSSLENS_QUEUE_SECRET';
export const REDIS_URL_ENV = 'REDIS_URL';

export function queueEnv(env: NodeJS.ProcessEnv = process.env): QueueEnv {
  const get = (k: string) => (env[k] ? env[k] : undefined);
  return { secret: get(SECRET_ENV), redisUrl: get(REDIS_URL_ENV) };
}
