/**
 * Bad input through the real CLI: one stderr line naming the file and the problem, exit code 2,
 * and no report folder left behind.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, ROOT } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
let tmp: string;

async function copyModel(name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tmp, `${name}-`));
  for (const f of ['model.json', 'weights.bin']) await fs.copyFile(path.join(FIX, name, f), path.join(dir, f));
  return dir;
}

async function expectBad(args: string[], ...patterns: RegExp[]): Promise<void> {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  const r = await runCli([...args, '--out', out, '--quiet']);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  for (const p of patterns) expect(lines[0]).toMatch(p);
  expect(existsSync(out)).toBe(false);
  const siblings = await fs.readdir(tmp);
  expect(siblings.filter((s) => s.startsWith(path.basename(out)))).toEqual([]); // no staging folder either
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-bad-'));
});

const data = ['--data', path.join(FIX, 'spiral-tanh/train.csv')];

describe('bad checkpoints', () => {
  it('missing model.json', async () => {
    await expectBad(['eval', '--model', path.join(tmp, 'nowhere'), ...data], /nowhere/, /model\.json|not found|missing/i);
  });
  it('malformed model.json', async () => {
    const dir = await copyModel('spiral-tanh');
    await fs.writeFile(path.join(dir, 'model.json'), '{"modelTopology": ');
    await expectBad(['eval', '--model', dir, ...data], /model\.json/, /JSON/i);
  });
  it('missing shard', async () => {
    const dir = await copyModel('spiral-tanh');
    await fs.rm(path.join(dir, 'weights.bin'));
    await expectBad(['eval', '--model', dir, ...data], /weights\.bin/);
  });
  it('shard size not matching the manifest', async () => {
    const dir = await copyModel('spiral-tanh');
    await fs.truncate(path.join(dir, 'weights.bin'), 100);
    await expectBad(['eval', '--model', dir, ...data], /bytes/);
  });
  it('a shard path that escapes the model folder', async () => {
    const dir = await copyModel('spiral-tanh');
    const mj = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    mj.weightsManifest[0].paths = ['../../etc/passwd'];
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(mj));
    await expectBad(['eval', '--model', dir, ...data], /escapes|outside/i);
  });
  it('non-float32 weights', async () => {
    const dir = await copyModel('spiral-tanh');
    const mj = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    mj.weightsManifest[0].weights[0].dtype = 'int32';
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(mj));
    await expectBad(['eval', '--model', dir, ...data], /int32/);
  });
  it('an unsupported layer is named', async () => {
    const dir = await copyModel('spiral-tanh');
    const mj = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    const layers = mj.modelTopology.config.layers;
    layers[layers.length - 1].class_name = 'ConvLSTM2D'; // tfjs-layers has it; losslens has no rule for it
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(mj));
    await expectBad(['eval', '--model', dir, ...data], /ConvLSTM2D/, /not supported/);
  });
});

describe('bad datasets', () => {
  const model = ['--model', path.join(FIX, 'spiral-tanh')];
  it('width not matching the model input', async () => {
    await expectBad(['eval', ...model, '--data', path.join(FIX, 'linreg/data.csv')], /data\.csv/, /expects input shape/);
  });
  it('empty data', async () => {
    const f = path.join(tmp, 'empty.csv');
    await fs.writeFile(f, 'x0,x1,label\n');
    await expectBad(['eval', ...model, '--data', f], /empty\.csv/, /no rows|empty/i);
  });
  it('NaN or non-numeric cells name row and column', async () => {
    const f = path.join(tmp, 'nan.csv');
    await fs.writeFile(f, 'x0,x1,label\n0.1,0.2,1\n0.3,abc,2\n');
    await expectBad(['eval', ...model, '--data', f], /nan\.csv/, /3/, /x1/);
  });
  it('labels out of range', async () => {
    const f = path.join(tmp, 'labels.csv');
    await fs.writeFile(f, 'x0,x1,label\n0.1,0.2,1\n0.3,0.4,7\n');
    await expectBad(['eval', ...model, '--data', f], /labels\.csv/, /out of range/);
  });
});

describe('bad options and outputs', () => {
  it('an unknown enum value lists the valid ones', async () => {
    const r = await runCli(['eval', '--model', path.join(FIX, 'spiral-tanh'), ...data, '--backend', 'gpu', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cpu/);
  });
  it('an existing output folder is refused without --force', async () => {
    const out = path.join(tmp, 'exists');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'keep.txt'), 'user file');
    const r = await runCli(['eval', '--model', path.join(FIX, 'spiral-tanh'), ...data, '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--force/);
    expect(await fs.readFile(path.join(out, 'keep.txt'), 'utf8')).toBe('user file');
  });
});
