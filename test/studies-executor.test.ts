/** Executors and study folders on a tfjs-free handler: pool = in-process, failures, resume, config guard. */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalPool } from '../src/studies/local-pool.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { openStudyFolder } from '../src/studies/study-folder.js';
import { runStudy } from '../src/studies/run-study.js';
import type { RunRecord, RunTask } from '../src/studies/types.js';

const HANDLER = fileURLToPath(new URL('./helpers/synthetic-handler.ts', import.meta.url));
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'losslens-study-'));
const busy = (k: number, n = 20000): RunTask[] =>
  Array.from({ length: k }, (_, i) => ({ id: `busy-${String(i).padStart(2, '0')}`, kind: 'busy', config: { n, seed: i + 1 } }));

async function collect(exec: { run: InProcessExecutor['run'] }, tasks: RunTask[]) {
  const recs: RunRecord[] = [];
  await exec.run(tasks, { onResult: async (r) => void recs.push(r) });
  return recs.sort((a, b) => a.id.localeCompare(b.id));
}

const rebuild = async (records: RunRecord<{ seed: number; value: number }>[]) => ({
  summary: { values: records.map((r) => [r.id, r.result.value]) },
  figures: [],
});

describe('run executors', () => {
  it('the worker pool returns the same results as in-process execution, with attachments', async () => {
    const pool = new LocalPool({ workers: 2, handler: HANDLER });
    try {
      const a = await collect(pool, busy(5));
      const b = await collect(new InProcessExecutor(HANDLER), busy(5));
      expect(a.map((r) => r.result)).toEqual(b.map((r) => r.result));
      const out = a[0].result as { attachments: { theta: Float32Array } };
      expect(out.attachments.theta).toBeInstanceOf(Float32Array);
    } finally {
      await pool.close();
    }
  });

  it('a throwing task and a dying worker become failure records; the pool keeps going', async () => {
    const pool = new LocalPool({ workers: 2, handler: HANDLER });
    try {
      const tasks: RunTask[] = [
        ...busy(3),
        { id: 'fail', kind: 'fail', config: { message: 'boom' } },
        { id: 'crash', kind: 'crash', config: {} },
        ...busy(6).slice(3),
      ];
      const recs = await collect(pool, tasks);
      expect(recs).toHaveLength(8);
      expect(recs.find((r) => r.id === 'fail')!.error!.message).toBe('boom');
      expect(recs.find((r) => r.id === 'crash')!.error!.message).toMatch(/exited/);
      expect(recs.filter((r) => r.error)).toHaveLength(2);
    } finally {
      await pool.close();
    }
  });

  it('an abort stops the pool with INTERRUPTED after the results already delivered', async () => {
    const pool = new LocalPool({ workers: 2, handler: HANDLER });
    const ctl = new AbortController();
    const got: string[] = [];
    await expect(
      pool.run(busy(10, 2e6), {
        signal: ctl.signal,
        onResult: async (r) => {
          got.push(r.id);
          if (got.length === 3) ctl.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(got.length).toBe(3);
    await pool.close();
  });
});

describe('study folders', () => {
  it('an interrupted study resumes without repeating runs and ends with the same summary', async () => {
    const [d1, d2] = [await tmp(), await tmp()];
    const tasks = busy(6);
    const straight = await runStudy({
      folder: await openStudyFolder(d1, { command: 't', config: { k: 6 } }),
      tasks,
      executor: new InProcessExecutor(HANDLER),
      rebuild,
    });
    const ctl = new AbortController();
    let n = 0;
    const pool = new LocalPool({ workers: 2, handler: HANDLER });
    await expect(
      runStudy({
        folder: await openStudyFolder(d2, { command: 't', config: { k: 6 } }),
        tasks,
        executor: pool,
        signal: ctl.signal,
        rebuild,
        onRecord: () => void (++n === 2 && ctl.abort()),
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const resumed = await runStudy({ folder: await openStudyFolder(d2, { command: 't', config: { k: 6 } }), tasks, executor: pool, rebuild });
    await pool.close();
    expect(resumed.resumed).toBe(2);
    expect(resumed.executed).toBe(4);
    expect(resumed.summary).toEqual(straight.summary);
    expect(await fs.readFile(path.join(d2, 'summary.json'), 'utf8')).toBe(await fs.readFile(path.join(d1, 'summary.json'), 'utf8'));
    const again = await runStudy({
      folder: await openStudyFolder(d2, { command: 't', config: { k: 6 } }),
      tasks,
      executor: new InProcessExecutor(HANDLER),
      rebuild,
    });
    expect(again.executed).toBe(0);
    const theta = await (await openStudyFolder(d2, { command: 't', config: { k: 6 } })).readAttachment('busy-03', 'theta');
    expect(theta[0]).toBe(4);
  });

  it('a changed config is refused naming the field; --force moves the old runs aside', async () => {
    const d = await tmp();
    await runStudy({
      folder: await openStudyFolder(d, { command: 't', config: { k: 2, lr: 0.1 } }),
      tasks: busy(2),
      executor: new InProcessExecutor(HANDLER),
      rebuild,
    });
    await fs.writeFile(path.join(d, 'notes.txt'), 'mine');
    await expect(openStudyFolder(d, { command: 't', config: { k: 2, lr: 0.2 } })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringContaining('changed: lr'),
    });
    const f = await openStudyFolder(d, { command: 't', config: { k: 2, lr: 0.2 }, force: true });
    expect((await f.finishedIds()).size).toBe(0);
    const names = await fs.readdir(d);
    const old = names.find((n) => n.startsWith('superseded-'))!;
    expect(await fs.readdir(path.join(d, old, 'runs'))).toContain('busy-00.json');
    expect(names).toContain('notes.txt');
    const other = await tmp();
    await fs.writeFile(path.join(other, 'x.txt'), 'user file');
    await expect(openStudyFolder(other, { command: 't', config: {} })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });

  it('a failed run is stored apart, reported, and retried on resume', async () => {
    const d = await tmp();
    const tasks: RunTask[] = [...busy(2), { id: 'bad', kind: 'fail', config: {} }];
    const r = await runStudy({ folder: await openStudyFolder(d, { command: 't', config: {} }), tasks, executor: new InProcessExecutor(HANDLER), rebuild });
    expect(r.failures.map((f) => f.id)).toEqual(['bad']);
    expect((r.summary.runs as { failed: unknown[] }).failed).toHaveLength(1);
    const again = await runStudy({ folder: await openStudyFolder(d, { command: 't', config: {} }), tasks, executor: new InProcessExecutor(HANDLER), rebuild });
    expect(again.executed).toBe(1);
  });
});
