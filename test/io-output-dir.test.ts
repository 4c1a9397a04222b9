import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultOutDir, prepareOutputDir, MANIFEST } from '../src/io/output-dir.js';
import { LosslensError } from '../src/errors.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-out-'));

async function refused(p: Promise<unknown>, ...parts: RegExp[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LosslensError);
  expect((err as LosslensError).code).toBe('OUTPUT_EXISTS');
  for (const part of parts) expect((err as LosslensError).message).toMatch(part);
}

describe('prepareOutputDir', () => {
  it('stages files (sub-folders included) and only shows them at finalPath after commit', async () => {
    const dir = path.join(tmp(), 'reports', 'hessian-1');
    const out = await prepareOutputDir(dir, { force: false });
    expect(out.path).toBe(`${dir}.partial-${process.pid}`);
    expect(out.finalPath).toBe(dir);
    await out.writeJson('summary.json', { loss: NaN, top: [1, 2] });
    await out.writeFile('final/model.json', '{}');
    await out.writeFile('a.png', new Uint8Array([137, 80]));
    expect(fs.existsSync(dir)).toBe(false);
    await out.commit();
    expect(fs.existsSync(out.path)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual([MANIFEST, 'a.png', 'final', 'summary.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'))).toEqual({ loss: 'NaN', top: [1, 2] });
    expect(fs.readFileSync(path.join(dir, 'final', 'model.json'), 'utf8')).toBe('{}');
    await out.abort(); // after commit: a no-op that must not touch the report
    expect(fs.existsSync(path.join(dir, 'summary.json'))).toBe(true);
  });

  it('abort removes the staging folder and leaves no report', async () => {
    const dir = path.join(tmp(), 'r');
    const out = await prepareOutputDir(dir, { force: false });
    await out.writeFile('x.txt', 'x');
    await out.abort();
    expect(fs.existsSync(out.path)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
    await expect(out.writeFile('y.txt', 'y')).rejects.toThrow(/aborted/);
  });

  it('an existing empty folder is simply filled', async () => {
    const dir = tmp();
    const out = await prepareOutputDir(dir, { force: false });
    await out.writeJson('summary.json', {});
    await out.commit();
    expect(fs.readdirSync(dir).sort()).toEqual([MANIFEST, 'summary.json']);
  });

  it('a non-empty folder is refused without force, with the --force hint', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'summary.json'), '{}');
    await refused(
      prepareOutputDir(dir, { force: false }),
      new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: output folder exists; pass --force to replace it$`),
    );
  });

  it('force replaces an old losslens report, deleting it only after the new one is in place', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'summary.json'), '{"old":true}');
    fs.writeFileSync(path.join(dir, 'old.png'), 'old');
    fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ tool: 'losslens', entries: ['old.png', 'summary.json'] }));
    const out = await prepareOutputDir(dir, { force: true });
    expect(fs.existsSync(path.join(dir, 'old.png'))).toBe(true); // untouched until commit
    await out.writeJson('summary.json', { old: false });
    await out.commit();
    expect(fs.readdirSync(dir).sort()).toEqual([MANIFEST, 'summary.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'))).toEqual({ old: false });
    expect(fs.readdirSync(path.dirname(dir)).filter((f) => f.startsWith(`${path.basename(dir)}.`))).toEqual([]);
  });

  it('force never deletes a folder that is not a losslens report', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'thesis.tex'), 'precious');
    await refused(prepareOutputDir(dir, { force: true }), /not a losslens report/);
    expect(fs.readFileSync(path.join(dir, 'thesis.tex'), 'utf8')).toBe('precious');
    // a summary.json of the user's own is not enough to be taken for a report
    fs.writeFileSync(path.join(dir, 'summary.json'), '{}');
    await refused(prepareOutputDir(dir, { force: true }), /not a losslens report/);
  });

  it('force never deletes a file a user added to an old report', async () => {
    const dir = tmp();
    const first = await prepareOutputDir(dir, { force: false });
    await first.writeJson('summary.json', { run: 1 });
    await first.commit();
    fs.writeFileSync(path.join(dir, 'my-notes.md'), 'mine');
    await refused(prepareOutputDir(dir, { force: true }), /my-notes\.md/, /losslens did not write/);
    expect(fs.readFileSync(path.join(dir, 'my-notes.md'), 'utf8')).toBe('mine');
    fs.rmSync(path.join(dir, 'my-notes.md'));
    const second = await prepareOutputDir(dir, { force: true });
    await second.writeJson('summary.json', { run: 2 });
    await second.commit();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'))).toEqual({ run: 2 });
  });

  it('re-checks at commit: user files that appeared meanwhile are not replaced', async () => {
    const dir = path.join(tmp(), 'late');
    const out = await prepareOutputDir(dir, { force: true });
    await out.writeJson('summary.json', {});
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await refused(out.commit(), /not a losslens report/);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    await out.abort();
  });

  it('file names may not escape the staging folder', async () => {
    const out = await prepareOutputDir(path.join(tmp(), 'e'), { force: false });
    await expect(out.writeFile('../evil.txt', 'x')).rejects.toThrow(/escapes/);
    await out.abort();
  });
});

describe('defaultOutDir', () => {
  it('is reports/<command>-<YYYYMMDD-HHMMSS> in local time', () => {
    expect(defaultOutDir('hessian', 'reports', new Date(2024, 0, 2, 3, 4, 5))).toBe(path.join('reports', 'hessian-20240102-030405'));
    expect(defaultOutDir('slice')).toMatch(/^reports[\\/]slice-\d{8}-\d{6}$/);
  });
});
