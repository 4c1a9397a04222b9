/**
 * A library call of trajectoryStudy + runStudyPipeline with no worker count runs its curvature
 * tasks in process, one at a time, and gives the same rows twice, to the bit (a pool of worker
 * threads in one process shares the native kernels' threads, and its last bits vary run to run).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trajectoryStudy } from '../src/pipelines/trajectory.js';
import { runStudyPipeline } from '../src/pipelines/run-study.js';

const spiral = path.resolve('fixtures/spiral-tanh');
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-trajectory-default-'));
  for (const [step, epoch] of [
    [0, 'epoch-0'],
    [10, 'epoch-10'],
  ] as const)
    await fs.cp(path.join(spiral, 'trajectory', epoch), path.join(tmp, 'run', `step-${step}`), { recursive: true });
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

it('runs in process without a worker count and repeats its rows to the bit', async () => {
  const once = async (out: string) => {
    const study = await trajectoryStudy({
      checkpoints: path.join(tmp, 'run'),
      data: path.join(spiral, 'train.csv'),
      analyses: ['loss', 'lambda-max', 'trace'],
      maxIter: 20,
      maxMatvecs: 120,
      probes: 6,
    });
    const run = await runStudyPipeline(study, { out: path.join(tmp, out) });
    expect(run.failure).toBeUndefined();
    return run.outcome.summary as { rows: { step: number; lambdaMax?: number; trace?: number; loss?: number }[]; meta: { executor: string } };
  };
  const [a, b] = [await once('a'), await once('b')];
  expect(a.meta.executor).toBe('in process');
  expect(a.rows.map((r) => r.step)).toEqual([0, 10]);
  expect(a.rows.every((r) => Number.isFinite(r.lambdaMax) && Number.isFinite(r.trace) && Number.isFinite(r.loss))).toBe(true);
  expect(b.rows).toEqual(a.rows); // toEqual compares numbers with Object.is: bit for bit
});
