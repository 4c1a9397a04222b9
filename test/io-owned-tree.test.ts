/** Deleting or replacing only what losslens wrote, at any depth, by content hash (owned-tree.ts): --force and the sweep. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { prepareOutputDir, MANIFEST } from '../src/io/output-dir.js';
import { JOURNAL } from '../src/io/report-manifest.js';
import { sweepStaleStaging } from '../src/io/stale-staging.js';
import { LosslensError } from '../src/errors.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-own-'));

async function refused(p: Promise<unknown>, ...parts: RegExp[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LosslensError);
  expect((err as LosslensError).code).toBe('OUTPUT_EXISTS');
  for (const part of parts) expect((err as LosslensError).message).toMatch(part);
}

const sha = (t: string) => ({ bytes: Buffer.byteLength(t), sha256: createHash('sha256').update(t).digest('hex') });

describe('what losslens wrote, at any depth, by content hash', () => {
  it('force refuses a report whose manifest predates hashes once it has a sub-folder, and one with a bad path', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'final'));
    fs.writeFileSync(path.join(dir, 'final', 'model.json'), '{}');
    fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ tool: 'losslens', entries: ['final'] }));
    await refused(prepareOutputDir(dir, { force: true }), /final: this report was written by an older losslens that recorded no content hashes/);
    expect(fs.existsSync(path.join(dir, 'final', 'model.json'))).toBe(true);
    fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ tool: 'losslens', entries: ['final'], files: [{ path: '../x', ...sha('{}') }] }));
    await refused(prepareOutputDir(dir, { force: true }), /not a losslens report/);
  });

  it('the sweep removes a dead staging folder holding its journaled files and temporary files, and refuses an edited one', async () => {
    const d = tmp();
    const out = path.join(d, 'r');
    const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const staging = `${out}.partial-${pid}`;
    const make = (summary: string) => {
      fs.mkdirSync(path.join(staging, 'final'), { recursive: true });
      fs.writeFileSync(
        path.join(staging, MANIFEST),
        JSON.stringify({ tool: 'losslens', staging: true, writer: { host: os.hostname(), pid }, entries: [], journal: JOURNAL }),
      );
      const lines = [
        { path: 'summary.json', ...sha('{"a":1}') },
        { path: 'final/model.json', ...sha('{}') },
        { path: 'final/w.bin', ...sha('w') },
      ];
      fs.writeFileSync(path.join(staging, JOURNAL), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"path":"torn`);
      fs.writeFileSync(path.join(staging, 'summary.json'), summary);
      fs.writeFileSync(path.join(staging, 'final', 'model.json'), '{}');
      fs.writeFileSync(path.join(staging, 'final', `.w.bin.tmp-${pid}-7`), 'half'); // final/w.bin cut short
    };
    make('{"a":2}');
    await expect(sweepStaleStaging(out)).rejects.toThrow(
      new RegExp(`${staging.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/summary\\.json: changed since losslens wrote it`),
    );
    expect(fs.readFileSync(path.join(staging, 'summary.json'), 'utf8')).toBe('{"a":2}');
    make('{"a":1}');
    expect((await sweepStaleStaging(out)).removed).toEqual([`r.partial-${pid}`]);
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it('an old report moved aside keeps a user file in a sub-folder even when its replacement landed', async () => {
    const d = tmp();
    const out = path.join(d, 'r');
    const first = await prepareOutputDir(out, { force: false });
    await first.writeFile('final/model.json', '{}');
    await first.commit();
    const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.cpSync(out, `${out}.old-${pid}`, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(out, MANIFEST), 'utf8'));
    fs.writeFileSync(path.join(out, MANIFEST), JSON.stringify({ ...m, writer: { host: os.hostname(), pid } }));
    fs.writeFileSync(path.join(`${out}.old-${pid}`, 'final', 'note.md'), 'mine');
    await expect(sweepStaleStaging(out)).rejects.toThrow(/final\/note\.md: losslens did not write this/);
    expect(fs.readFileSync(path.join(`${out}.old-${pid}`, 'final', 'note.md'), 'utf8')).toBe('mine');
    fs.rmSync(path.join(`${out}.old-${pid}`, 'final', 'note.md'));
    expect((await sweepStaleStaging(out)).removed).toEqual([`r.old-${pid}`]);
  });
});
