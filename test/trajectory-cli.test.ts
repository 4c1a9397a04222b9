/**
 * `losslens trajectory` over three checkpoints laid out as `train --save-every` writes them: the
 * summary's rows (in step order, 2/η from the checkpoints' optimizer), the task's own numbers, the
 * PNGs, and a run killed after its first checkpoint resumes with that record kept. Discovery refuses
 * orders it would have to guess, in one line naming the folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliArgv, runCli } from './helpers/run-cli.js';
import { discoverCheckpoints, learningRateOf, stepUnit } from '../src/pipelines/trajectory-checkpoints.js';
import { checkpointAnalysisTask } from '../src/studies/tasks/checkpoint-analysis.js';

const spiral = path.resolve('fixtures/spiral-tanh');
let tmp: string;
let run: string;

/** A train output folder: checkpoints/step-<k>/ copied from the fixture's saved epochs. */
async function trainFolder(dir: string, steps: [number, string][]): Promise<void> {
  for (const [step, epoch] of steps) await fs.cp(path.join(spiral, 'trajectory', epoch), path.join(dir, 'checkpoints', `step-${step}`), { recursive: true });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-trajectory-cli-'));
  run = path.join(tmp, 'run');
  await trainFolder(run, [
    [0, 'epoch-0'],
    [100, 'epoch-10'],
    [50, 'epoch-5'],
  ]);
});

describe('trajectory discovery', () => {
  it('orders by the number in the names, reads the learning rate, and refuses guesses naming the folder', async () => {
    const found = await discoverCheckpoints(run);
    expect(found.map((c) => [c.id, c.step, c.lr])).toEqual([
      ['step000', 0, 0.01],
      ['step050', 50, 0.01],
      ['step100', 100, 0.01],
    ]);
    expect(stepUnit(['epoch-5', 'epoch-10'])).toBe('epoch');
    expect(stepUnit(['step-5', 'ckpt-10'])).toBe('step');
    expect(learningRateOf({ optimizer_config: { class_name: 'SGD', config: { learning_rate: 0.1 } } })).toBe(0.1);
    expect(learningRateOf({ optimizer_config: { config: {} } })).toBeNull();
    const bad = path.join(tmp, 'bad');
    await fs.cp(path.join(spiral, 'trajectory', 'epoch-0'), path.join(bad, 'step-1'), { recursive: true });
    await fs.cp(path.join(spiral, 'trajectory', 'epoch-5'), path.join(bad, 'epoch-1'), { recursive: true });
    await expect(discoverCheckpoints(bad)).rejects.toThrow(/bad: cannot order the checkpoints: "epoch-1" and "step-1" both name step 1/);
    await fs.rename(path.join(bad, 'epoch-1'), path.join(bad, 'final'));
    await expect(discoverCheckpoints(bad)).rejects.toThrow(/cannot order the checkpoints: "final" has no step number/);
    await expect(discoverCheckpoints(path.join(tmp, 'none'))).rejects.toThrow(/not a folder of checkpoints/);
  });
});

describe('losslens trajectory', () => {
  const args = (out: string) => [
    'trajectory',
    '--checkpoints',
    run,
    '--data',
    path.join(spiral, 'train.csv'),
    '--analyses',
    'loss,lambda-max,trace,density,slice',
    '--backend',
    'cpu',
    '--workers',
    '1',
    '--max-iter',
    '20',
    '--probes',
    '6',
    '--slq-order',
    '12',
    '--points',
    '7',
    '-o',
    out,
  ];

  it('a run killed after its first checkpoint resumes: the record kept, the summary and figures of all three', async () => {
    const out = path.join(tmp, 'study');
    const first = path.join(out, 'runs', 'step000.json');
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, cliArgv(args(out)), { stdio: ['ignore', 'ignore', 'ignore'] });
      const poll = setInterval(() => existsSync(first) && child.kill('SIGKILL'), 50);
      child.on('close', () => (clearInterval(poll), resolve()));
    });
    const kept = readFileSync(first, 'utf8');
    const r = await runCli(args(out));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/runs: [0-2] executed, [1-3] resumed/);
    expect(readFileSync(first, 'utf8')).toBe(kept);
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(s.rows.map((x: { step: number; twoOverLr: number }) => [x.step, x.twoOverLr])).toEqual([
      [0, 200],
      [50, 200],
      [100, 200],
    ]);
    expect(s.slices.curves).toHaveLength(3);
    expect(s.density.density).toHaveLength(3);
    // the row is the task's number on that checkpoint with the command's settings
    const task = await checkpointAnalysisTask({ ...JSON.parse(readFileSync(path.join(out, 'runs', 'step050.json'), 'utf8')).config, backend: 'cpu' });
    expect(s.rows[1].lambdaMax).toBe(task.lambdaMax!.value);
    expect(s.rows[1].trace).toBe(task.trace!.estimate);
    expect(s.rows[1].loss).toBe(task.loss!.loss);
    for (const f of ['trajectory-sharpness', 'trajectory-trace', 'trajectory-loss', 'trajectory-density', 'trajectory-slices']) {
      const png = PNG.sync.read(readFileSync(path.join(out, `${f}.png`)));
      expect([f, png.width, png.height]).toEqual([f, 800, 600]);
    }
    expect(r.stdout).toMatch(/λmax stays below 2\/η/);
  }, 240_000);
});
