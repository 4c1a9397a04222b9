/**
 * `losslens watch` from the command line: bad input fails in one line naming the folder or option (exit 2), a
 * served folder prints its loopback URL and answers on it until signalled, and --export writes watch.html.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliArgv, runCli } from './helpers/run-cli.js';

let tmp: string;
let run: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-watch-cli-'));
  run = path.join(tmp, 'run');
  await fs.mkdir(run);
  await fs.writeFile(
    path.join(run, 'measurements.jsonl'),
    '{"step":0,"epoch":0,"timeMs":1,"loss":0.5,"lambdaMax":null,"twoOverEta":null,"trace":null,"gradNorms":null,"attenuation":null,"noise":null,"costMs":1}\n',
  );
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('losslens watch', () => {
  it.each([
    [['watch', 'no-such-folder'], /^losslens: no-such-folder: no such folder/],
    [['watch', '@RUN', '--host', '0.0.0.0'], /^losslens: option --host: must be a loopback name \(127\.0\.0\.1, localhost, ::1\).*got 0\.0\.0\.0$/],
    [['watch', '@RUN', '--port', '70000'], /^losslens: option --port: must be an integer ≥ 0 and ≤ 65535 \(0 picks a free port\), got 70000$/],
  ])(
    '%j → exit 2, one line',
    async (args, msg) => {
      const r = await runCli(
        args.map((a) => (a === '@RUN' ? run : a)),
        { cwd: tmp },
      );
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(msg);
    },
    30_000,
  );

  it('serves on a free loopback port and prints the URL; the page and the log answer there; --export writes watch.html', async () => {
    const child = spawn(process.execPath, cliArgv(['watch', run, '--port', '0']), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /losslens watch: (http:\/\/127\.0\.0\.1:\d+\/) /.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    try {
      expect((await fetch(url)).status).toBe(200);
      expect(await (await fetch(`${url}files/measurements.jsonl`)).text()).toContain('"loss":0.5');
      expect((await fetch(`${url}files/..%2f..%2fetc%2fpasswd`)).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((r) => child.once('exit', r))).not.toBe(0);
    const r = await runCli(['watch', run, '--export']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote ${path.join(run, 'watch.html')}`);
    expect(await fs.readFile(path.join(run, 'watch.html'), 'utf8')).toContain('"live":false');
  }, 60_000);
});
