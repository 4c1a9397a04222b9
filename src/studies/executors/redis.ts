/**
 * Redis connections for the BullMQ executor and worker, and the registry of task-handler modules
 * a worker may load (a job names one; a job can never make a worker import an arbitrary file).
 */
import { Redis } from 'ioredis';
import { LosslensError, optionError } from '../../errors.js';

const EXT = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
/**
 * Handler modules by name, in an object without a prototype: a job's `handler: "constructor"` or
 * `"__proto__"` finds nothing. Only the shipped handlers are here; a test registers its own
 * in-process with {@link registerHandler}, so no job can select a test handler in a shipped worker.
 */
export const HANDLERS: Record<string, URL> = Object.assign(Object.create(null) as Record<string, URL>, {
  losslens: new URL(`../tasks/index.${EXT}`, import.meta.url),
  'double-descent': new URL(`../../double-descent/train-task.${EXT}`, import.meta.url),
});

/** The module of a registered handler name; undefined for any other string. */
export const handlerUrl = (name: unknown): URL | undefined => (typeof name === 'string' && Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined);

/** Register a handler module under `name` in this process (tests, embedders); returns its URL. */
export function registerHandler(name: string, module: URL): URL {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) throw new LosslensError('INTERNAL', `handler name "${name}": lowercase letters, digits and '-' only`);
  HANDLERS[name] = module;
  return module;
}

/** Name of a handler module URL in {@link HANDLERS}. */
export function handlerName(handler: string | URL): string {
  const href = handler instanceof URL ? handler.href : handler.startsWith('file:') ? handler : new URL(`file://${handler}`).href;
  const hit = Object.entries(HANDLERS).find(([, u]) => u.href === href);
  if (!hit) throw new LosslensError('INTERNAL', `task handler ${href} is not registered for distributed runs (src/studies/executors/redis.ts)`);
  return hit[0];
}

export const DEFAULT_QUEUE = 'losslens';
export const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Check a --redis URL's form (redis:// or rediss://, with a host). */
export function checkRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw optionError('redis', `expected redis://host:port, got "${url}"`);
  }
  if (!['redis:', 'rediss:'].includes(u.protocol) || !u.hostname) throw optionError('redis', `expected redis://host:port (or rediss://), got "${url}"`);
  return url;
}

/** ioredis options for a rediss:// URL with a CA of its own (else Node's CAs, NODE_EXTRA_CA_CERTS included). */
const tlsOptions = (url: string, ca?: string | Buffer) => (ca !== undefined && url.startsWith('rediss:') ? { tls: { ca } } : {});

/** Where a URL points, without its password (for messages). */
export const redisWhere = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port || 6379}`;
};

/**
 * A connected client for BullMQ (no request retries limit, as BullMQ requires), or one clear
 * error when Redis cannot be reached within `timeoutMs`: it is the user's address to fix (exit 2).
 */
export async function connectRedis(url: string, timeoutMs = 5000, ca?: string | Buffer): Promise<Redis> {
  await probeRedis(url, timeoutMs, ca);
  const client = new Redis(url, { maxRetriesPerRequest: null, ...tlsOptions(url, ca) });
  client.on('error', () => undefined); // ioredis reconnects by itself; BullMQ reports what matters
  return client;
}

/** Connect once and PING, or throw one BAD_OPTION line naming --redis and the reason. */
export async function probeRedis(url: string, timeoutMs = 5000, ca?: string | Buffer): Promise<void> {
  checkRedisUrl(url);
  const probe = new Redis(url, {
    ...tlsOptions(url, ca),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  let first: (Error & { code?: string }) | undefined; // the socket's own error (connect() only says "Connection is closed")
  probe.on('error', (e) => void (first ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const e = first ?? (err as Error & { code?: string });
    const why = /RESP|Protocol error/i.test(e.message)
      ? 'the server there does not speak the Redis protocol'
      : /NOAUTH|WRONGPASS/.test(e.message)
        ? 'it needs a password: put redis://:PASSWORD@host:port in a file only you can read and give {redisUrlFile}, or set REDIS_URL'
        : /CERT|SSL|TLS/.test(e.code ?? e.message)
          ? `TLS: ${e.code ?? e.message}; give the server's CA with {redisCaFile} or NODE_EXTRA_CA_CERTS`
          : (e.code ?? e.message);
    throw optionError('redis', `cannot reach Redis at ${redisWhere(url)} (${why}); start redis-server there or fix the address`);
  } finally {
    probe.disconnect();
  }
}
