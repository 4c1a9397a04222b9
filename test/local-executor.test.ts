/**
 * The local executor choice: studies whose tasks compute curvature run in process, one task at a
 * time, unless a worker count is given; training studies get a thread per core; a native thread
 * count other than this thread's runs on a pool thread, so the caller's thread keeps its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import os from 'node:os';
import { CURVATURE_TASK_KINDS, localExecutor, localWorkers } from '../src/pipelines/local-executor.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { LocalPool } from '../src/studies/local-pool.js';
import { coordinatorNativeThreads } from '../src/studies/native-thread-count.js';
import { DEFAULT_HANDLER } from '../src/studies/tasks/index.js';
import type { RunExecutor, RunTask } from '../src/studies/types.js';

const tasks = (kind: string, k = 8): RunTask[] => Array.from({ length: k }, (_, i) => ({ id: `t${i}`, kind, config: {} }));
const cores = os.availableParallelism();
const made: RunExecutor[] = [];
afterEach(() => Promise.all(made.splice(0).map((e) => e.close())));

describe('localWorkers', () => {
  it('curvature kinds run one task at a time by default; training kinds on every core; a given count wins; never more than the tasks', () => {
    expect(CURVATURE_TASK_KINDS).toEqual(['checkpoint-analysis', 'critical-point', 'saddle-dynamics']);
    for (const kind of CURVATURE_TASK_KINDS) expect(localWorkers(undefined, tasks(kind))).toBe(1);
    expect(localWorkers(undefined, [...tasks('train-and-measure', 3), ...tasks('critical-point', 1)])).toBe(1);
    expect(localWorkers(undefined, tasks('train-and-measure', 64))).toBe(cores);
    expect(localWorkers(3, tasks('checkpoint-analysis'))).toBe(3);
    expect(localWorkers(5, tasks('checkpoint-analysis', 2))).toBe(2);
    expect(localWorkers(undefined, [])).toBe(1);
  });
});

describe('localExecutor', () => {
  const pick = (o: { workers?: number; nativeThreads?: number }, t: RunTask[]) => {
    const r = localExecutor(o, t, DEFAULT_HANDLER);
    made.push(r.executor);
    return r;
  };

  it("gives curvature studies the in-process executor, labelled so in the summary's meta", () => {
    const r = pick({}, tasks('checkpoint-analysis'));
    expect(r.executor).toBeInstanceOf(InProcessExecutor);
    expect(r.label).toBe('in process');
  });

  it('gives more workers a pool, and a foreign native count a pool thread even for one worker', () => {
    const r = pick({ workers: 2 }, tasks('checkpoint-analysis'));
    expect([r.executor instanceof LocalPool, r.executor.workers, r.label]).toEqual([true, 2, '2 worker threads']);
    const own = coordinatorNativeThreads();
    if (own === undefined) return; // no native kernels here: every count is foreign and the check below says nothing
    expect(pick({ nativeThreads: own }, tasks('checkpoint-analysis')).executor).toBeInstanceOf(InProcessExecutor);
    const foreign = pick({ nativeThreads: own === 1 ? 2 : 1 }, tasks('checkpoint-analysis'));
    expect([foreign.executor instanceof LocalPool, foreign.label]).toEqual([true, '1 worker thread']);
  });
});
