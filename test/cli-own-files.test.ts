/**
 * Through the real CLI: losslens deletes or replaces only what it wrote itself, at any depth and
 * by content hash (a dead run's staging folder and --force alike), and accepts tmpfs for --out.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { canMount, mountTmpfs, umount } from './helpers/tmpfs-mount.js';
import { promises as fs, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCli, pausedCliArgv, type CliResult } from './helpers/run-cli.js';

const SPIRAL = path.join(ROOT, 'fixtures/spiral-tanh');
const EVAL = ['eval', '--model', SPIRAL, '--data', path.join(SPIRAL, 'train.csv'), '--quiet', '--backend', 'cpu'];
const TRAIN = [
  'train',
  '--model',
  path.join(ROOT, 'fixtures/linreg'),
  '--data',
  path.join(ROOT, 'fixtures/linreg/data.csv'),
  '--epochs',
  '1',
  '--quiet',
  '--backend',
  'cpu',
];
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-own-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const siblings = (out: string) => readdirSync(path.dirname(out)).filter((n) => n.startsWith(`${path.basename(out)}.`));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit 2 with exactly one stderr line matching every pattern. */
function refusedWith(r: CliResult, ...parts: RegExp[]): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, r.stderr).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

/** Start `eval --out out`, SIGKILL it once summary.json is in its staging folder; resolves with the dead pid. */
function killAfterSummary(out: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, pausedCliArgv([...EVAL, '--out', out], ['write:summary.json'], 5000), {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('paused at write:summary.json')) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_c, sig) => (sig === 'SIGKILL' ? resolve(child.pid!) : reject(new Error(stderr))));
  });
}

describe("a dead run's staging folder", () => {
  it('is kept when it holds a user file, the run refusing with that path named; swept once the file is gone', async () => {
    const out = path.join(tmp, 'stale');
    const pid = await killAfterSummary(out);
    const staging = `${out}.partial-${pid}`;
    expect(readdirSync(staging)).toContain('summary.json'); // half-written: its journal lists what is there
    writeFileSync(path.join(staging, 'notes.txt'), 'mine');
    refusedWith(
      await runCli([...EVAL, '--out', out]),
      new RegExp(`^losslens: ${esc(path.join(staging, 'notes.txt'))}: losslens did not write this; move it out`),
    );
    expect(readFileSync(path.join(staging, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(out)).toBe(false);
    await fs.rename(path.join(staging, 'notes.txt'), path.join(tmp, 'notes.txt'));
    const again = await runCli([...EVAL, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(siblings(out)).toEqual([]);
  }, 60_000);
});

describe('--force on an old report', () => {
  it('keeps a note in final/ of a train report, refuses an edited summary.json, and still replaces a clean report', async () => {
    const out = path.join(tmp, 'train');
    const first = await runCli([...TRAIN, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const summary = readFileSync(path.join(out, 'summary.json'), 'utf8');
    writeFileSync(path.join(out, 'final', 'note.md'), 'mine');
    refusedWith(
      await runCli([...TRAIN, '--out', out, '--force']),
      new RegExp(`^losslens: ${esc(path.join(out, 'final', 'note.md'))}: losslens did not write this; move it out of`),
    );
    expect(readFileSync(path.join(out, 'final', 'note.md'), 'utf8')).toBe('mine');
    expect(readFileSync(path.join(out, 'summary.json'), 'utf8')).toBe(summary);
    await fs.rm(path.join(out, 'final', 'note.md'));

    writeFileSync(path.join(out, 'summary.json'), summary.replace('{', '{\n  "myNote": "edited by hand",'));
    refusedWith(
      await runCli([...TRAIN, '--out', out, '--force']),
      new RegExp(`^losslens: ${esc(path.join(out, 'summary.json'))}: changed since losslens wrote it`),
    );
    expect(readFileSync(path.join(out, 'summary.json'), 'utf8')).toMatch(/edited by hand/);
    writeFileSync(path.join(out, 'summary.json'), summary);

    const replaced = await runCli([...TRAIN, '--out', out, '--force']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(existsSync(path.join(out, 'final', 'model.json'))).toBe(true);
    expect(siblings(out)).toEqual([]);
  }, 90_000);
});

describe('tmpfs for --out', () => {
  it('accepts /dev/shm and a mounted tmpfs, and still refuses /dev itself (devtmpfs)', async (ctx) => {
    const shm = path.join('/dev/shm', `losslens-own-${process.pid}`);
    try {
      const r = await runCli([...EVAL, '--out', shm]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(path.join(shm, 'summary.json'))).toBe(true);
    } finally {
      await fs.rm(shm, { recursive: true, force: true });
    }
    refusedWith(await runCli([...EVAL, '--out', '/dev/losslens-x']), /option --out: .*pseudo\) filesystem/);
    if (!canMount()) return ctx.skip('mount -t tmpfs is not permitted for this user');
    const mnt = mountTmpfs(tmp, '4m');
    try {
      const r = await runCli([...EVAL, '--out', path.join(mnt, 'r')]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      umount(mnt);
    }
  }, 60_000);
});
