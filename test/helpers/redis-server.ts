/**
 * A throw-away redis-server for tests: loopback only, a free port, no persistence. `available`
 * is false (with the reason) when redis-server is not installed, so suites can skip saying why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
export const redisAvailable = probe.status === 0;
export const redisSkipReason = 'redis-server is not installed (apt-get install -y redis-server); the BullMQ executor tests need a real Redis';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net
      .createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
  });

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
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
    if (up) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    if (tries >= 3) throw new Error(`redis-server would not start: ${log.slice(-300)}`);
  }
}
