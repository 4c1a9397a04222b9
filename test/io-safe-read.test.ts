/** Bounded reads (src/io/safe-read.ts) and the sweep of dead commits' leftovers (src/io/stale-staging.ts). */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkReadable, safeReadFile } from '../src/io/safe-read.js';
import { MANIFEST, pidAlive, sweepStaleStaging } from '../src/io/stale-staging.js';

const host = os.hostname();
import { LosslensError } from '../src/errors.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-safe-'));

async function refused(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LosslensError);
  expect((err as LosslensError).code).toBe('BAD_INPUT');
  expect((err as Error).message).toMatch(re);
}

describe('safeReadFile', () => {
  it('reads a regular file whole, and a link that stays inside the folder', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'a.bin'), Buffer.from([1, 2, 3]));
    fs.symlinkSync('a.bin', path.join(d, 'b.bin'));
    expect([...(await safeReadFile(path.join(d, 'a.bin'), { within: d }))]).toEqual([1, 2, 3]);
    expect([...(await safeReadFile(path.join(d, 'b.bin'), { within: d }))]).toEqual([1, 2, 3]);
  });

  it('refuses links out of the folder (without saying where to), FIFOs, devices, folders and files over the limit', async () => {
    const d = tmp();
    fs.symlinkSync('/etc/hostname', path.join(d, 'out.bin'));
    fs.mkdirSync(path.join(d, 'sub'));
    execFileSync('mkfifo', [path.join(d, 'pipe')]);
    fs.writeFileSync(path.join(d, 'big'), Buffer.alloc(100));
    await refused(safeReadFile(path.join(d, 'out.bin'), { within: d, what: 'weight shard' }), /weight shard is a symbolic link that leaves the model's folder/);
    await refused(safeReadFile(path.join(d, 'pipe')), /is a FIFO \(named pipe\), not a regular file/);
    await refused(safeReadFile('/dev/zero'), /is a device, not a regular file/);
    await refused(safeReadFile(path.join(d, 'sub')), /is a folder, not a regular file/);
    await refused(
      safeReadFile(path.join(d, 'big'), { maxBytes: 99, remedy: 'split it' }),
      /is 100 bytes; losslens reads at most 99 bytes per file \(split it\)/,
    );
    await refused(safeReadFile(path.join(d, 'none')), /file not found/);
    expect(await checkReadable(path.join(d, 'big'))).toBe(100);
  });
});

describe('sweepStaleStaging', () => {
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
  const report = (dir: string, extra: Record<string, unknown> = {}) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), '{}');
    fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ tool: 'losslens', entries: ['summary.json'], ...extra }));
  };

  it('moves back an old report whose replacement never landed, removes dead staging, leaves the rest alone', async () => {
    const d = tmp();
    const out = path.join(d, 'r');
    const pid = deadPid();
    expect(pidAlive(pid)).toBe(false);
    report(`${out}.old-${pid}`);
    report(`${out}.partial-${pid}`, { staging: true, writer: { host, pid } });
    report(`${out}.old-${pid + 7}`); // no staging or landed report of that pid says it was this host's: kept
    report(`${out}.partial-${pid + 9}`, { staging: true, writer: { host: 'elsewhere', pid: pid + 9 } }); // another machine's: kept
    fs.mkdirSync(`${out}.partial-${pid + 1}0`); // empty folder of another dead pid: removed
    fs.mkdirSync(`${out}.partial-1${pid}`);
    fs.writeFileSync(path.join(`${out}.partial-1${pid}`, 'thesis.tex'), 'mine'); // not ours: kept
    report(`${out}.partial-${process.pid}`, { staging: true }); // a live process: kept
    const done = await sweepStaleStaging(out);
    expect(done.restored).toEqual([`r.old-${pid}`]);
    expect(fs.readdirSync(out).sort()).toEqual([MANIFEST, 'summary.json']);
    expect(fs.readdirSync(d).sort()).toEqual(['r', `r.old-${pid + 7}`, `r.partial-${pid + 9}`, `r.partial-${process.pid}`, `r.partial-1${pid}`].sort());
  });

  it('removes an old report once its replacement is in place', async () => {
    const d = tmp();
    const out = path.join(d, 'r');
    const pid = deadPid();
    report(out, { writer: { host, pid } });
    report(`${out}.old-${pid}-1`);
    expect((await sweepStaleStaging(out)).removed).toEqual([`r.old-${pid}-1`]);
    expect(fs.readdirSync(d)).toEqual(['r']);
  });
});
