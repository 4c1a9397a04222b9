/**
 * What the queue tests (studies-bullmq, queue-auth*, queue-confinement) share besides the Redis
 * of redis-server.ts: `losslens` in the background with its stderr collected, polling until a
 * condition holds, a temp folder, the argv of a small seeds study on a fixture, and the
 * environment without queue credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliArgv } from './run-cli.js';

/** Variables unset for a child that must find no queue secret or Redis URL in its environment. */
export const NO_SECRET = { LOSSLENS_QUEUE_SECRET: undefined, REDIS_URL: undefined };

/** Whether a message is one line (the CLI's refusals are). */
export const oneLine = (s: string) => s.trim().split('\n').length === 1;

/** A fresh temp folder named after the test file's topic. */
export const tmpDir = (topic: string) => fs.mkdtemp(path.join(os.tmpdir(), `losslens-${topic}-`));

/** Poll every `everyMs` until `ok()` holds; fail after `ms` (a refusal that never comes must not hang the suite). */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000, everyMs = 50): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); await new Promise((r) => setTimeout(r, everyMs)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** A `losslens` process in the background; `log` is its stderr so far. */
export interface CliChild {
  child: ChildProcess;
  readonly log: string;
  /** Resolves with the exit code (130 after SIGINT). */
  exited(): Promise<number | null>;
}

/** Start `losslens <args>` (stdout ignored); `track` is a RedisSuite's, so that the block kills it if a test does not. */
export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; track?: (c: ChildProcess) => ChildProcess } = {}): CliChild {
  const child = spawn(process.execPath, cliArgv(args), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...opts.env } as NodeJS.ProcessEnv });
  opts.track?.(child);
  let log = '';
  child.stderr!.on('data', (b) => (log += b));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    get log() {
      return log;
    },
    exited: () => exit,
  };
}

/** `losslens seeds` on a fixture folder (model, train.csv): `seeds` runs of `epochs` epochs on the cpu backend, then `extra`. */
export function seedsArgs(fixture: string, seeds: number, epochs: number, extra: string[] = []): string[] {
  const common = ['--seeds', String(seeds), '--epochs', String(epochs), '--backend', 'cpu'];
  return ['seeds', '--model', fixture, '--data', path.join(fixture, 'train.csv'), ...common, ...extra];
}
