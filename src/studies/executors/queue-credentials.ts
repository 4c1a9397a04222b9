/**
 * Where a coordinator or worker finds Redis and the queue secret, never on the command line
 * (any local user reads a command line in `ps`):
 *   - Redis: {redisUrlFile} (a file holding the URL with its password), else {redis} (a URL
 *     without a password; given bare, it means REDIS_URL), else REDIS_URL;
 *   - the secret: {secretFile}, else LOSSLENS_QUEUE_SECRET;
 *   - TLS: a rediss:// URL, its CA from {redisCaFile} (or NODE_EXTRA_CA_CERTS, which Node reads).
 * A file holding a credential must be a regular file that neither group nor others can access.
 */
import { promises as fs } from 'node:fs';
import { optionError } from '../../errors.js';
import { checkRedisUrl } from './redis.js';
import { queueEnv, REDIS_URL_ENV, type QueueEnv } from './queue-env.js';
import { MAX_SECRET_BYTES, queueKey } from './queue-key.js';

export interface QueueAccessOptions {
  redis?: string;
  redisUrlFile?: string;
  redisCaFile?: string;
  secretFile?: string;
  insecureNoSecret?: boolean;
}
export interface QueueAccess {
  url: string;
  /** CA certificate(s) for a rediss:// server, PEM. */
  ca?: Buffer;
  /** The key that signs jobs and results; undefined only under insecureNoSecret on loopback. */
  secret?: Buffer;
  insecureNoSecret: boolean;
}

/** Whether the options ask for the queue at all (REDIS_URL alone does not). */
export { usesQueue } from './uses-queue.js';

async function readFileChecked(field: string, file: string, maxBytes: number, secret: boolean): Promise<Buffer> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw optionError(field, `${file} not found`);
  if (!st.isFile()) throw optionError(field, `${file} is not a regular file`);
  if (secret && (st.mode & 0o077) !== 0)
    throw optionError(
      field,
      `${file} can be read by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); it holds a credential: chmod 600 ${file}`,
    );
  if (st.size > maxBytes) throw optionError(field, `${file} has ${st.size} bytes, at most ${maxBytes} expected`);
  return fs.readFile(file);
}

/** A credential file's text without surrounding white space (a trailing newline is usual). */
export async function readPrivateFile(field: string, file: string, maxBytes: number): Promise<string> {
  const text = (await readFileChecked(field, file, maxBytes, true)).toString('utf8').trim();
  if (!text) throw optionError(field, `${file} is empty`);
  return text;
}

/** A well-formed redis(s):// URL from `where`; the error never repeats the URL (it may hold a password). */
function checkedUrl(field: string, where: string, url: string): string {
  try {
    checkRedisUrl(url);
  } catch {
    throw optionError(field, `${where} does not hold a redis://host:port or rediss://host:port URL`);
  }
  return url;
}

export async function resolveRedisUrl(o: QueueAccessOptions, env: QueueEnv): Promise<string> {
  if (o.redisUrlFile !== undefined) {
    if (o.redis) throw optionError('redisUrlFile', 'give either {redis} or {redisUrlFile}, not both');
    return checkedUrl('redisUrlFile', o.redisUrlFile, await readPrivateFile('redisUrlFile', o.redisUrlFile, 4096));
  }
  if (o.redis) {
    let password = '';
    try {
      password = new URL(o.redis).password;
    } catch {
      /* checkRedisUrl says what is wrong */
    }
    if (password)
      throw optionError(
        'redis',
        `a password on the command line is visible to every local user (ps); put the URL in a file only you can read and give {redisUrlFile}, or set ${REDIS_URL_ENV}`,
      );
    return checkRedisUrl(o.redis);
  }
  if (env.redisUrl) return checkedUrl('redis', REDIS_URL_ENV, env.redisUrl);
  throw optionError('redis', `where is Redis? give {redis} redis://host:port, {redisUrlFile} (a URL with its password), or set ${REDIS_URL_ENV}`);
}

/** Resolve and check every credential before anything connects, writes or is enqueued. */
export async function resolveQueueAccess(o: QueueAccessOptions, env: QueueEnv = queueEnv()): Promise<QueueAccess> {
  const url = await resolveRedisUrl(o, env);
  let ca: Buffer | undefined;
  if (o.redisCaFile !== undefined) {
    if (!url.startsWith('rediss:')) throw optionError('redisCaFile', 'applies to a rediss:// (TLS) Redis URL only');
    ca = await readFileChecked('redisCaFile', o.redisCaFile, 2 ** 20, false);
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw optionError('redisCaFile', `${o.redisCaFile} holds no PEM certificate`);
  }
  const secret = o.secretFile !== undefined ? await readPrivateFile('secretFile', o.secretFile, MAX_SECRET_BYTES + 2) : env.secret;
  const key = queueKey(secret, o.insecureNoSecret, url);
  return { url, ca, secret: key, insecureNoSecret: key === undefined };
}
