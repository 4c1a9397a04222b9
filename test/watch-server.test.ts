/**
 * `losslens watch` without a browser: tailing measurements.jsonl (a partial last line waits, a broken line is
 * skipped, the offset never passes a line not yet read), measurements → chart points, and the server's
 * guards over real HTTP: loopback Host only, GET/HEAD only, no file outside the folder (.., encoded .., a symlink
 * out), no folder listing; the event stream delivers an appended line. The exported page embeds every record.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNewLines } from '../src/watch/tail.js';
import { recordPoints } from '../src/watch/points.js';
import { loopbackHost } from '../src/watch/paths.js';
import { startWatchServer, type WatchServer } from '../src/watch/server.js';
import { exportWatchPage } from '../src/watch/folder.js';
import type { FitRecord } from '../src/fit/record.js';

let tmp: string;
let run: string;
let server: WatchServer;

const rec = (step: number, extra: Partial<FitRecord> = {}): FitRecord => ({
  step,
  epoch: 0,
  timeMs: step * 10,
  loss: 1 / (1 + step),
  lambdaMax: { value: 3 + step, residual: 1e-4, matvecs: 8 },
  twoOverEta: 20,
  trace: { value: 40 - step, stderr: 1, probes: 4 },
  gradNorms: [
    { layer: 'dense_1', norm: 0.5 },
    { layer: 'dense_2', norm: 0 },
  ],
  attenuation: null,
  noise: null,
  costMs: 2,
  ...extra,
});
const line = (r: FitRecord) => JSON.stringify(r) + '\n';

function get(pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-watch-'));
  run = path.join(tmp, 'run');
  await fs.mkdir(path.join(run, 'sub'), { recursive: true });
  await fs.writeFile(path.join(tmp, 'secret.txt'), 'TOPSECRET');
  await fs.symlink(path.join(tmp, 'secret.txt'), path.join(run, 'link.txt'));
  await fs.writeFile(path.join(run, 'measurements.jsonl'), line(rec(0)) + line(rec(5)));
  server = await startWatchServer({ dir: run, port: 0, pollMs: 100 });
});

afterAll(async () => {
  await server?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('readNewLines', () => {
  it('reads complete lines only; the offset stops before a partial last line and moves past a broken complete one', async () => {
    const f = path.join(tmp, 'log.jsonl');
    expect(await readNewLines(f, 0)).toEqual({ records: [], offset: 0, bad: 0 }); // not written yet
    const a = line(rec(1));
    const half = line(rec(2)).slice(0, 25);
    await fs.writeFile(f, a + '{"step": broken\n' + half);
    const r1 = await readNewLines(f, 0);
    expect(r1.records.map((r) => r.step)).toEqual([1]);
    expect(r1.bad).toBe(1);
    expect(r1.offset).toBe(Buffer.byteLength(a) + '{"step": broken\n'.length);
    await fs.appendFile(f, line(rec(2)).slice(25) + line(rec(3)));
    const r2 = await readNewLines(f, r1.offset);
    expect(r2.records).toEqual([rec(2), rec(3)]);
    expect(r2.offset).toBe((await fs.stat(f)).size);
    expect((await readNewLines(f, r2.offset)).records).toEqual([]);
  });
});

describe('recordPoints', () => {
  it('one point per measured value and chart; nulls and values a log axis cannot draw are dropped', () => {
    const p = recordPoints([rec(0), rec(5, { lambdaMax: null, twoOverEta: null, noise: { snr: 2, bSimple: 50 } })]);
    expect(p.loss).toEqual([
      { step: 0, value: 1, series: 'probe loss' },
      { step: 5, value: 1 / 6, series: 'probe loss' },
    ]);
    expect(p.sharpness).toEqual([
      { step: 0, value: 3, series: 'λmax' },
      { step: 0, value: 20, series: '2/η' },
    ]);
    expect(p.trace.map((q) => q.value)).toEqual([40, 35]);
    expect(p['grad-norms']).toEqual([
      { step: 0, value: 0.5, series: 'dense_1' },
      { step: 5, value: 0.5, series: 'dense_1' },
    ]); // dense_2's norm 0 has no place on the log axis
    expect(p.noise).toEqual([
      { step: 5, value: 2, series: 'SNR' },
      { step: 5, value: 50, series: 'B_simple' },
    ]);
  });
});

describe('watch server', () => {
  it('serves the page and files inside the folder to a loopback Host', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>losslens watch: run</title>');
    const f = await get('/files/measurements.jsonl');
    expect([f.status, f.body.split('\n').length]).toEqual([200, 3]);
    for (const host of ['localhost', `localhost:${server.port}`, `[::1]:${server.port}`])
      expect((await get('/', { host: host.includes(':') ? host : `${host}:${server.port}` })).status).toBe(200);
  });

  it.each([
    ['/files/..%2fsecret.txt', 403],
    ['/files/%2e%2e/secret.txt', 404], // the URL parser folds %2e%2e into .. first: /secret.txt is no route
    ['/files/link.txt', 403], // a symlink that points out of the folder
    ['/files/sub', 404], // folders are not listed
    ['/files/sub/', 404],
    ['/files/nothing.png', 404],
    ['/files/%00', 400],
    ['/files/%E0%A4%A', 400],
    ['/etc/passwd', 404],
  ])('GET %s → %i', async (p, status) => {
    const r = await get(p);
    expect(r.status).toBe(status);
    expect(r.body).not.toContain('TOPSECRET');
  });

  it('refuses another Host (DNS rebinding), a wrong port in Host, and methods other than GET/HEAD', async () => {
    expect((await get('/', { host: 'evil.example' })).status).toBe(403);
    expect((await get('/', { host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await get('/', { host: `127.0.0.1.evil.example:${server.port}` })).status).toBe(403);
    expect((await get('/', {}, 'POST')).status).toBe(405);
    expect((await get('/files/measurements.jsonl', {}, 'DELETE')).status).toBe(405);
    expect([loopbackHost(undefined, 80), loopbackHost('localhost', 80), loopbackHost('LOCALHOST:81', 81), loopbackHost('0.0.0.0:81', 81)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('the event stream sends the log from the start, then a line appended later', async () => {
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/events' });
    const done = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          events.push(d);
          if (events.join('').includes('"lastStep":9')) resolve();
        });
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    await fs.appendFile(path.join(run, 'measurements.jsonl'), line(rec(9)));
    await done;
    req.destroy();
    const batches = events
      .join('')
      .split('\n\n')
      .filter((e) => e.startsWith('event: points'))
      .map((e) => JSON.parse(e.split('\ndata: ')[1]));
    expect(batches.map((b) => [b.n, b.lastStep])).toEqual([
      [2, 5],
      [1, 9],
    ]);
  });

  it('--export: watch.html embeds every record and the PNGs', async () => {
    await fs.writeFile(path.join(run, 'lambda.png'), Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    const html = await fs.readFile(await exportWatchPage(run), 'utf8');
    const init = JSON.parse(/<script type="application\/json" id="ll-initial">(.*?)<\/script>/s.exec(html)![1]);
    expect(init.live).toBe(false);
    expect(init.points.charts.loss.map((p: { step: number }) => p.step)).toEqual([0, 5, 9]);
    expect(init.figures.embedded['lambda.png']).toBe('data:image/png;base64,iVBORw0KGgo=');
  });
});
