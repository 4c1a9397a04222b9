/**
 * saddle-dynamics on the studies engine: its tasks are dispatched by the default handler module
 * (kind 'saddle-dynamics'), and a queue worker holds their configs to the option table
 * (src/options/limits.ts): the study's own configs pass, a tampered one is refused.
 */
import { describe, expect, it } from 'vitest';
import { saddleDynamicsStudy, SADDLE_DYNAMICS_DEFAULTS as D } from '../src/pipelines/saddle-dynamics.js';
import { runTask, TASK_KINDS } from '../src/studies/tasks/index.js';
import { checkConfigOptions } from '../src/studies/executors/job-checks.js';
import { startTheta, type SaddleDynamicsResult } from '../src/studies/tasks/saddle-dynamics.js';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { flattenTheta } from '../src/objective/layout.js';
import { initialTheta } from '../src/train/initialize.js';
import { selectBackend } from '../src/engine/index.js';

const study = () =>
  saddleDynamicsStudy({
    ...D,
    model: 'fixtures/spiral-tanh',
    data: 'fixtures/spiral-tanh/train.csv',
    samples: 32,
    methods: ['gd', 'sfn'],
    steps: 2,
    indexEvery: 2,
    krylovDim: 4,
    saddleMethod: 'dense',
    backend: 'cpu',
  });

describe('saddle-dynamics tasks', () => {
  it('one task per method, all from the same start, held to the option table', async () => {
    const p = await study();
    expect(TASK_KINDS).toContain('saddle-dynamics');
    expect(p.tasks.map((t) => [t.id, t.kind])).toEqual([
      ['gd', 'saddle-dynamics'],
      ['sfn', 'saddle-dynamics'],
    ]);
    for (const t of p.tasks) expect(() => checkConfigOptions(t.config)).not.toThrow();
    const tampered = p.tasks[0].config as any;
    expect(() => checkConfigOptions({ ...tampered, dynamics: { ...tampered.dynamics, krylovDim: 1e9 } })).toThrow(/krylovDim/);
    expect(() => checkConfigOptions({ ...tampered, initScale: -1 })).toThrow(/initScale/);
    expect(() => checkConfigOptions({ ...tampered, dynamics: { ...tampered.dynamics, steps: 1e9 } })).toThrow(/steps/);
  });

  it("the starts: the checkpoint's own θ, the seeded init, and the init × initScale", async () => {
    await selectBackend('cpu');
    const bundle = loadModel(await readCheckpoint('fixtures/spiral-tanh'));
    const own = flattenTheta(bundle.checkpoint, bundle.layout, bundle.indices);
    const base = (await study()).tasks[0].config as any;
    const c = async (start: 'init' | 'small-init' | 'checkpoint') => ({ ...base, start, initScale: 0.25 });
    const init = initialTheta(bundle, 'topology', 0);
    expect(Array.from(startTheta(await c('checkpoint'), bundle, own))).toEqual(Array.from(own));
    expect(Array.from(startTheta(await c('init'), bundle, own))).toEqual(Array.from(init));
    expect(Array.from(startTheta(await c('small-init'), bundle, own))).toEqual(Array.from(init, (v) => Math.fround(v * 0.25)));
  });

  it('the default handler runs a task: the records, the start shared by the methods, θ attached', async () => {
    const p = await study();
    const outs = (await Promise.all(p.tasks.map((t) => runTask(t.kind, t.config)))) as { result: SaddleDynamicsResult; attachments: { theta: Float32Array } }[];
    const [gd, sfn] = outs.map((o) => o.result);
    expect(gd.records).toHaveLength(3);
    expect(gd.records[0].loss).toBe(sfn.records[0].loss);
    expect(gd.start.thetaNorm).toBe(sfn.start.thetaNorm);
    expect(gd.records[0].index!.hvps).toBe(371);
    expect(outs[0].attachments.theta).toHaveLength(371);
    expect(sfn.hvps.steps).toBe(2 * 4);
  }, 120_000);
});
