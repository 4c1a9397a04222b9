/**
 * The key that signs a queue's jobs and results (job-signature.ts), or none. A worker or a
 * coordinator without a secret refuses to start: whoever can write to its Redis could otherwise
 * make a worker run jobs of their choosing. The one exception, `insecureNoSecret`, holds only for
 * a Redis on loopback (a single machine whose local users are all trusted).
 */
import net from 'node:net';
import { optionError } from '../../errors.js';
import { redisWhere } from './redis.js';
import { SECRET_ENV } from './queue-env.js';

export const MIN_SECRET_BYTES = 16;
export const MAX_SECRET_BYTES = 4096;

/** Whether a Redis URL's host is this machine's loopback interface. */
export function isLoopbackRedis(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

export function queueKey(secret: string | Buffer | undefined, insecureNoSecret: boolean | undefined, redisUrl: string): Buffer | undefined {
  if (secret === undefined || secret.length === 0) {
    if (!insecureNoSecret)
      throw optionError(
        'secretFile',
        `no queue secret: give {secretFile} (a file only you can read) or set ${SECRET_ENV}, the same on the coordinator and every worker; or {insecureNoSecret} for a Redis on loopback only`,
      );
    if (!isLoopbackRedis(redisUrl))
      throw optionError(
        'insecureNoSecret',
        `is for a Redis on loopback only, not ${redisWhere(redisUrl)}: anyone who can reach that Redis could run jobs here; give {secretFile} or ${SECRET_ENV} instead`,
      );
    return undefined;
  }
  if (insecureNoSecret) throw optionError('insecureNoSecret', 'contradicts the queue secret that was given; drop one of them');
  const key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES)
    throw optionError(
      'secretFile',
      `the queue secret has ${key.length} bytes, expected ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} (make one with: openssl rand -hex 32)`,
    );
  return key;
}
