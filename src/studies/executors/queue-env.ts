/**
 * The environment variables the distributed executor reads, read here and nowhere else:
 *   - LOSSLENS_QUEUE_SECRET: the shared secret that signs jobs and results (see job-signature.ts);
 *   - REDIS_URL: the Redis to use, password included (redis://[user]:PASS@host:port or rediss://).
 * Both keep credentials off the command line, where any local user sees them in `ps`.
 */
import { hostEnv, readConfig, type Env } from '../../config.js';
export interface QueueEnv {
  /** LOSSLENS_QUEUE_SECRET, when set and not empty. */
  secret?: string;
  /** REDIS_URL, when set and not empty. */
  redisUrl?: string;
}

export const SECRET_ENV = 'LOSSLENS_QUEUE_SECRET';
export const REDIS_URL_ENV = 'REDIS_URL';

export function queueEnv(env: Env = hostEnv()): QueueEnv {
  const c = readConfig(env);
  return { secret: c.queueSecret, redisUrl: c.redisUrl };
}
