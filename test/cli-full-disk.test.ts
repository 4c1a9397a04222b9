/**
 * Through the real CLI on a full disk (a tiny tmpfs, mounted when this user may; skipped with that
 * reason otherwise): one exit-2 line naming ENOSPC and the folder, and nothing half-written left —
 * no report or staging folder; for a study no folder when no run finished, otherwise only the
 * finished runs (the resumable state), which a re-run with room continues from.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCli, type CliResult } from './helpers/run-cli.js';
import { canMount, mountTmpfs, umount } from './helpers/tmpfs-mount.js';

const SPIRAL = path.join(ROOT, 'fixtures/spiral-tanh');
const EVAL = ['eval', '--model', SPIRAL, '--data', path.join(SPIRAL, 'train.csv'), '--quiet', '--backend', 'cpu'];
const SEEDS = [
  'seeds',
  '--model',
  SPIRAL,
  '--data',
  path.join(SPIRAL, 'train.csv'),
  '--seeds',
  '2',
  '--epochs',
  '1',
  '--workers',
  '1',
  '--quiet',
  '--backend',
  'cpu',
];
const NO_MOUNT = 'mount -t tmpfs is not permitted for this user';
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-full-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function refusedWith(r: CliResult, ...parts: RegExp[]): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, r.stderr).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

/** A 256 KiB tmpfs with about `free` bytes left (tmpfs counts whole pages). */
/** A 4 MiB tmpfs filled to `free` bytes: once the fill is removed it holds a whole study folder (figures and index.html with its inlined Vega runtime). */
async function fullTmpfs(free: number): Promise<string> {
  const mnt = mountTmpfs(tmp, '4m');
  const fill = await fs.open(path.join(mnt, 'fill'), 'w');
  await fill.write(Buffer.alloc(4 * 1024 * 1024 - free)).catch(() => undefined); // ENOSPC at the end is fine
  await fill.close();
  return mnt;
}

describe('a full disk', () => {
  it('eval: exit 2 with one line naming ENOSPC and the folder; no report or staging folder is left', async (ctx) => {
    if (!canMount()) return ctx.skip(NO_MOUNT);
    const mnt = await fullTmpfs(0);
    try {
      const out = path.join(mnt, 'r');
      refusedWith(
        await runCli([...EVAL, '--out', out]),
        new RegExp(`^losslens: option --out: ${esc(out)}: cannot write the output folder: no space left on the device \\(ENOSPC\\)$`),
      );
      expect(readdirSync(mnt)).toEqual(['fill']);
    } finally {
      umount(mnt);
    }
  }, 60_000);

  it('seeds: no study folder when no run finished', async (ctx) => {
    if (!canMount()) return ctx.skip(NO_MOUNT);
    const mnt = await fullTmpfs(0);
    try {
      const out = path.join(mnt, 'st');
      refusedWith(await runCli([...SEEDS, '--out', out]), /ENOSPC/, new RegExp(esc(out)));
      expect(readdirSync(mnt)).toEqual(['fill']);
    } finally {
      umount(mnt);
    }
  }, 60_000);

  it('seeds: only the finished runs stay, and a re-run with room resumes from them', async (ctx) => {
    if (!canMount()) return ctx.skip(NO_MOUNT);
    const mnt = await fullTmpfs(16 * 1024);
    try {
      const out = path.join(mnt, 'st');
      refusedWith(await runCli([...SEEDS, '--out', out]), /ENOSPC/, new RegExp(esc(out)));
      const left = readdirSync(path.join(out, 'runs'));
      expect(
        left.some((f) => /-seed\d\.json$/.test(f)),
        left.join(', '),
      ).toBe(true); // 16 KiB holds one run
      // every file left belongs to a finished run: no attachment without its record, no temporary file
      for (const f of left) expect(left, f).toContain(`${f.split('.')[0]}.json`);
      expect(existsSync(path.join(out, 'summary.json'))).toBe(false);
      await fs.rm(path.join(mnt, 'fill'));
      const again = await runCli([...SEEDS, '--out', out]);
      expect(again.code, again.stderr).toBe(0);
      expect(readdirSync(path.join(out, 'runs')).filter((n) => /-seed\d\.json$/.test(n))).toHaveLength(2);
    } finally {
      umount(mnt);
    }
  }, 120_000);
});
