/** A queued 'critical-point' job's config is held to the option table like any flag (src/studies/executors/job-checks.ts). */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { saddlesStudy, SADDLES_DEFAULTS } from '../src/pipelines/saddles.js';
import { checkConfigOptions } from '../src/studies/executors/job-checks.js';
import { TASK_KINDS } from '../src/studies/tasks/index.js';
import { PATH_KEYS } from '../src/studies/executors/input-trees.js';

describe('saddles on the queue', () => {
  it('every task of a study passes the job checks; an out-of-range field is refused naming it', async () => {
    const spiral = path.resolve('fixtures/spiral-tanh');
    const study = await saddlesStudy({ ...SADDLES_DEFAULTS, model: spiral, data: path.join(spiral, 'train.csv'), starts: 6, trajectoryPoints: 2 });
    expect(TASK_KINDS).toContain('critical-point');
    expect(study.tasks.map((t) => t.kind)).toEqual(Array(6).fill('critical-point'));
    expect(study.tasks.map((t) => t.id)).toEqual([
      'start0-seed0-sgd0',
      'start1-seed0-sgd150',
      'start2-seed0-sgd300',
      'start3-seed1-sgd0',
      'start4-seed1-sgd150',
      'start5-seed1-sgd300',
    ]);
    for (const t of study.tasks) expect(() => checkConfigOptions(t.config)).not.toThrow();
    const c = study.tasks[1].config as Record<string, any>;
    const bad = (patch: (c: Record<string, any>) => void) => {
      const x = structuredClone(c);
      patch(x);
      return () => checkConfigOptions(x);
    };
    expect(bad((x) => (x.finder.maxHvps = 1e12))).toThrow(/maxHvps/);
    expect(bad((x) => (x.finder.gradTol = 5))).toThrow(/gradTol/);
    expect(bad((x) => (x.start.sgdSteps = -1))).toThrow(/sgdSteps/);
    expect(bad((x) => (x.index.denseMaxDim = 1e6))).toThrow(/denseMaxDim/);
    expect(bad((x) => (x.resize = 1e9))).toThrow(/resize/);
  });

  it('the paths a job carries are absolute wherever they sit (a worker maps each to an input tree or refuses the job)', async () => {
    // relative paths, as the CLI passes them: the finder options once copied them under config.finder
    const study = await saddlesStudy({
      ...SADDLES_DEFAULTS,
      model: 'fixtures/spiral-tanh',
      data: 'fixtures/spiral-tanh/train.csv',
      starts: 2,
      trajectoryPoints: 1,
    });
    const paths: [string, string][] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (typeof x === 'string' && PATH_KEYS.has(k)) paths.push([`${at}.${k}`, x]);
          else walk(x, `${at}.${k}`);
        }
    };
    for (const t of study.tasks) walk(t.config, 'config');
    expect(paths.map(([at]) => at)).toEqual(['config.model', 'config.data.data', 'config.model', 'config.data.data']);
    for (const [at, p] of paths) expect(path.isAbsolute(p), at).toBe(true);
  });
});
