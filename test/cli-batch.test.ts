/**
 * The batch runner the refusal tests use (runCliBatch, test/helpers/cli-batch.mjs) against real CLI
 * processes: the same exit code, stdout and stderr for refusals of every kind (a yargs choice, an
 * option limit, a missing file, a dataset not matching the model, an existing --out folder), with
 * more cases in the batch than Node's default 10 listeners per signal (each case installs its
 * handlers), and a case that succeeds (--help: exit 0, its text on stdout).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCli, runCliBatch } from './helpers/run-cli.js';

const MLP = path.join(ROOT, 'fixtures/mlp-relu');
const WRONG_WIDTH = path.join(ROOT, 'fixtures/spiral-tanh/train.csv');
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-batch-'));
  await fs.mkdir(path.join(tmp, 'exists'));
  await fs.writeFile(path.join(tmp, 'exists/keep.txt'), 'user file');
});

describe('runCliBatch', () => {
  it('gives what separate CLI processes give, case by case', async () => {
    const m = ['--model', MLP, '--data', MLP, '--quiet', '--backend', 'cpu'];
    const cases = [
      ['info', '--model', MLP, '--backend', 'gpu'],
      ['slice', ...m, '--range', '1:-1', '--out', path.join(tmp, 'o1')],
      ['eval', '--model', path.join(tmp, 'no-such-model'), '--data', MLP, '--quiet'],
      ['eval', '--model', MLP, '--data', WRONG_WIDTH, '--quiet', '--out', path.join(tmp, 'o2')],
      ['eval', ...m, '--out', path.join(tmp, 'exists')],
      ['--help'],
    ];
    const spawned = await Promise.all(cases.map((args) => runCli(args)));
    // twice over, so that more than 10 cases install their signal handlers in one process
    const batched = await runCliBatch([...cases, ...cases]);
    expect(batched).toHaveLength(2 * cases.length);
    batched.forEach((b, i) => {
      const s = spawned[i % cases.length];
      expect({ code: b.code, stdout: b.stdout, stderr: b.stderr }, cases[i % cases.length].join(' ')).toEqual(s);
      expect(b.ms).toBeGreaterThan(0);
    });
    expect(spawned.map((s) => s.code)).toEqual([2, 2, 2, 2, 2, 0]);
    expect(spawned.at(-1)!.stdout).toMatch(/losslens <command>/);
    expect(existsSync(path.join(tmp, 'o1')) || existsSync(path.join(tmp, 'o2'))).toBe(false);
    expect(await fs.readdir(path.join(tmp, 'exists'))).toEqual(['keep.txt']);
  }, 120_000);

  it('runs each case in its own working directory', async () => {
    const [r] = await runCliBatch([{ args: ['eval', '--model', 'mlp-relu', '--data', 'nowhere.csv', '--quiet'], cwd: path.join(ROOT, 'fixtures') }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^losslens: nowhere\.csv: .*not found/);
  }, 60_000);
});
