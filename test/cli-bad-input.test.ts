/**
 * Bad input through the real CLI: one stderr line naming the file and the problem, exit code 2,
 * and no report folder left behind. Each test queues its refusal while the file is collected; one
 * batch process runs them all before the tests read their results (runCliBatch;
 * test/cli-batch.test.ts holds it to separate processes).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCliBatch, ROOT, type CliResult } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
let tmp: string;

async function copyModel(name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tmp, `${name}-`));
  for (const f of ['model.json', 'weights.bin']) await fs.copyFile(path.join(FIX, name, f), path.join(dir, f));
  return dir;
}

/** A refused run: its arguments (made once the temp folder exists), its --out folder under tmp, and its result once the batch ran. */
interface Queued {
  args: () => Promise<string[]>;
  out: string;
  r?: CliResult;
}
const queue: Queued[] = [];
const enqueue = (args: () => Promise<string[]>, out = `out-${queue.length}`): Queued => {
  const c = { args, out };
  queue.push(c);
  return c;
};

/** Queues `args` for the batch; the returned test checks: exit 2, one line matching `patterns`, no --out folder or staging sibling. */
function bad(args: () => Promise<string[]>, ...patterns: RegExp[]): () => Promise<void> {
  const c = enqueue(args);
  return async () => {
    const r = c.r!;
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const p of patterns) expect(lines[0]).toMatch(p);
    expect(existsSync(path.join(tmp, c.out))).toBe(false);
    const siblings = await fs.readdir(tmp);
    expect(siblings.filter((s) => s.startsWith(c.out))).toEqual([]); // no staging folder either
  };
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-bad-'));
  const argvs = [];
  for (const c of queue) argvs.push([...(await c.args()), '--out', path.join(tmp, c.out), '--quiet']);
  const rs = await runCliBatch(argvs);
  queue.forEach((c, i) => (c.r = rs[i]));
}, 120_000);

const data = ['--data', path.join(FIX, 'spiral-tanh/train.csv')];
/** A copy of spiral-tanh with `edit` applied to its model.json. */
const edited = (edit: (mj: any) => void) => async () => {
  const dir = await copyModel('spiral-tanh');
  const mj = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  edit(mj);
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(mj));
  return ['eval', '--model', dir, ...data];
};

describe('bad checkpoints', () => {
  it(
    'missing model.json',
    bad(async () => ['eval', '--model', path.join(tmp, 'nowhere'), ...data], /nowhere/, /model\.json|not found|missing/i),
  );
  it(
    'malformed model.json',
    bad(
      async () => {
        const dir = await copyModel('spiral-tanh');
        await fs.writeFile(path.join(dir, 'model.json'), '{"modelTopology": ');
        return ['eval', '--model', dir, ...data];
      },
      /model\.json/,
      /JSON/i,
    ),
  );
  it(
    'missing shard',
    bad(async () => {
      const dir = await copyModel('spiral-tanh');
      await fs.rm(path.join(dir, 'weights.bin'));
      return ['eval', '--model', dir, ...data];
    }, /weights\.bin/),
  );
  it(
    'shard size not matching the manifest',
    bad(async () => {
      const dir = await copyModel('spiral-tanh');
      await fs.truncate(path.join(dir, 'weights.bin'), 100);
      return ['eval', '--model', dir, ...data];
    }, /bytes/),
  );
  it(
    'a shard path that escapes the model folder',
    bad(
      edited((mj) => (mj.weightsManifest[0].paths = ['../../etc/passwd'])),
      /escapes|outside/i,
    ),
  );
  it(
    'non-float32 weights',
    bad(
      edited((mj) => (mj.weightsManifest[0].weights[0].dtype = 'int32')),
      /int32/,
    ),
  );
  it(
    'an unsupported layer is named',
    bad(
      edited((mj) => (mj.modelTopology.config.layers.at(-1).class_name = 'ConvLSTM2D')), // tfjs-layers has it; losslens has no rule for it
      /ConvLSTM2D/,
      /not supported/,
    ),
  );
});

describe('bad datasets', () => {
  const model = ['--model', path.join(FIX, 'spiral-tanh')];
  const csv = (name: string, text: string) => async () => {
    const f = path.join(tmp, name);
    await fs.writeFile(f, text);
    return ['eval', ...model, '--data', f];
  };
  it(
    'width not matching the model input',
    bad(async () => ['eval', ...model, '--data', path.join(FIX, 'linreg/data.csv')], /data\.csv/, /expects input shape/),
  );
  it('empty data', bad(csv('empty.csv', 'x0,x1,label\n'), /empty\.csv/, /no rows|empty/i));
  it('NaN or non-numeric cells name row and column', bad(csv('nan.csv', 'x0,x1,label\n0.1,0.2,1\n0.3,abc,2\n'), /nan\.csv/, /3/, /x1/));
  it('labels out of range', bad(csv('labels.csv', 'x0,x1,label\n0.1,0.2,1\n0.3,0.4,7\n'), /labels\.csv/, /out of range/));
});

describe('bad options and outputs', () => {
  it(
    'an unknown enum value lists the valid ones',
    bad(async () => ['eval', '--model', path.join(FIX, 'spiral-tanh'), ...data, '--backend', 'gpu'], /cpu/),
  );
  const exists = enqueue(async () => {
    await fs.mkdir(path.join(tmp, 'exists'));
    await fs.writeFile(path.join(tmp, 'exists/keep.txt'), 'user file');
    return ['eval', '--model', path.join(FIX, 'spiral-tanh'), ...data];
  }, 'exists');
  it('an existing output folder is refused without --force', async () => {
    expect(exists.r).toMatchObject({ code: 2, stderr: expect.stringMatching(/^losslens: .*--force/) });
    expect(await fs.readFile(path.join(tmp, 'exists/keep.txt'), 'utf8')).toBe('user file');
    expect(await fs.readdir(path.join(tmp, 'exists'))).toEqual(['keep.txt']);
  });
});
