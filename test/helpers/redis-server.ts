/**
 * A throw-away redis-server for tests: loopback only, a free port, its own temp folder, no persistence. `available`
 * is false (with the reason) when redis-server is not installed, so suites can skip saying why.
 * `useRedis()` starts one for a describe block and stops it, with every child process the block
 * tracked, after it; tls-redis.ts starts its TLS server through the same start and stop.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
export const redisAvailable = probe.status === 0;
export const redisSkipReason = 'redis-server is not installed (apt-get install -y redis-server); the BullMQ executor tests need a real Redis';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net
      .createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
  });

/** No snapshots, no append-only file, no eviction (BullMQ's requirement). */
export const EPHEMERAL = ['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];

/** Start redis-server with `args`: its stop function once it accepts connections, or its log's tail when it exits first. */
export async function spawnRedisServer(args: string[], opts: SpawnOptions = {}): Promise<{ stop: () => Promise<void> } | { log: string }> {
  const child: ChildProcess = spawn('redis-server', args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  const up = await new Promise<boolean>((resolve) => {
    const t = setInterval(() => {
      if (/Ready to accept connections/.test(log)) {
        clearInterval(t);
        resolve(true);
      }
    }, 20);
    child.once('exit', () => {
      clearInterval(t);
      resolve(false);
    });
  });
  if (!up) return { log: log.slice(-300) };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { stop };
}

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A Redis on a port the OS just handed out, working in a temp folder of its own: the queue files run in parallel, so two servers
 * never share a folder, and a port taken between freePort() and the bind (redis-server exits: address in use) is tried again.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-redis-'));
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const server = await spawnRedisServer(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...EPHEMERAL]);
    if ('stop' in server) {
      const stop = async () => (await server.stop(), rmSync(dir, { recursive: true, force: true }));
      return { url: `redis://127.0.0.1:${port}`, port, stop };
    }
    if (tries >= 5) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server would not start: ${server.log}`);
    }
  }
}

/** A describe block's Redis: started before its tests; after them, the children it tracked are SIGKILLed and the server stopped. */
export interface RedisSuite {
  /** The server (set once the block's beforeAll ran). */
  readonly redis: TestRedis;
  /** BullMQ's connection options for it. */
  connection(): { host: string; port: number };
  /** Kill `child` after the block if it still runs; returns it. */
  track<C extends ChildProcess>(child: C): C;
}

/** Start a loopback Redis for the enclosing describe block (see {@link RedisSuite}). */
export function useRedis(): RedisSuite {
  let redis: TestRedis | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => void (redis = await startRedis()));
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis?.stop();
  });
  return {
    get redis() {
      if (!redis) throw new Error('useRedis: the Redis of this block is not started yet (read it inside a test)');
      return redis;
    },
    connection: () => ({ host: '127.0.0.1', port: redis!.port }),
    track: (child) => (children.push(child), child),
  };
}
