/**
 * A model with two inputs and two outputs through the real CLI: a folder with one .npy per input
 * and output and a CSV with columns by prefix both evaluate to Σ loss_weights·(tfjs-layers' loss
 * of each output), with each output's loss and accuracy in summary.json; --output analyses one
 * head; a quick hessian runs; folders that do not match the model are refused with one line
 * naming the file or folder, exit 2.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectRefused, tmpDir } from './helpers/odd-checkpoints.js';
import { runCli } from './helpers/run-cli.js';
import { N, WEIGHTS, npyFile, referenceLosses, saveModelFolder, twoHeadData, twoHeads } from './helpers/multi-io-nets.js';

let root: string, model: string, data: string, csv: string;
let ref: { perOutput: number[]; total: number };

beforeAll(async () => {
  root = path.join(tmpDir(), 'multi-io');
  model = path.join(root, 'model');
  data = path.join(root, 'data');
  csv = path.join(root, 'data.csv');
  const net = twoHeads(),
    d = twoHeadData();
  await saveModelFolder(net, model, WEIGHTS);
  ref = referenceLosses(net, d);
  net.dispose();
  npyFile(path.join(data, 'in_a.npy'), d.a, [N, 3]);
  npyFile(path.join(data, 'in_b.npy'), d.b, [N, 2]);
  npyFile(path.join(data, 'cls.npy'), Int32Array.from(d.labels), [N]);
  npyFile(path.join(data, 'y_reg.npy'), d.reg, [N, 2]);
  const rows = d.labels.map((l, i) => [...d.a.subarray(3 * i, 3 * i + 3), ...d.b.subarray(2 * i, 2 * i + 2), l, ...d.reg.subarray(2 * i, 2 * i + 2)].join(','));
  await fs.writeFile(csv, ['in_a:0,in_a:1,in_a:2,in_b:0,in_b:1,cls,reg:0,reg:1', ...rows].join('\n') + '\n');
});

const summaryOf = async (args: string[], out: string) => {
  const r = await runCli([...args, '--out', out, '--quiet', '--force']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
};

describe('two inputs and two outputs through the CLI', () => {
  it("eval on the .npy folder and on the CSV by prefix: the weighted total and each output's loss and accuracy", async () => {
    for (const src of [data, csv]) {
      const s = await summaryOf(['eval', '--model', model, '--data', src], path.join(root, `eval-${path.extname(src) || 'npy'}`));
      expect(s.loss).toBeCloseTo(ref.total, 5);
      expect(s.outputs.map((o: any) => [o.name, o.lossName, o.weight])).toEqual([
        ['cls', 'categoricalCrossentropy', 0.7],
        ['reg', 'meanSquaredError', 2],
      ]);
      s.outputs.forEach((o: any, k: number) => expect(o.loss).toBeCloseTo(ref.perOutput[k]!, 5));
      expect(s.outputs[0].accuracy).toBeGreaterThanOrEqual(0);
      expect(s.model.inputs.map((i: any) => i.name)).toEqual(['in_a', 'in_b']);
      expect(s.model.objective.description).toMatch(/^0\.7·categoricalCrossentropy\(cls\) \+ 2·meanSquaredError\(reg\)/);
    }
  }, 240_000);

  it("--output reg: that output's loss alone; a quick hessian on the two-head objective", async () => {
    const s = await summaryOf(['eval', '--model', model, '--data', data, '--output', 'reg'], path.join(root, 'eval-reg'));
    expect(s.loss).toBeCloseTo(ref.perOutput[1]!, 5);
    expect(s.gradNormPerLayer.cls).toBe(0);
    expect(s.model.objective.description).toMatch(/meanSquaredError of output "reg" alone/);
    const h = await summaryOf(
      ['hessian', '--model', model, '--data', data, '--top', '1', '--bottom', '1', '--probes', '8', '--no-density'],
      path.join(root, 'hessian'),
    );
    expect(JSON.stringify(h)).toMatch(/0\.7·categoricalCrossentropy\(cls\)/);
  }, 240_000);

  it('folders that do not match the model are refused naming the file or folder, exit 2', async () => {
    const bad = async (name: string, edit: (dir: string) => Promise<void>) => {
      const dir = path.join(root, name);
      await fs.cp(data, dir, { recursive: true });
      await edit(dir);
      return ['eval', '--model', model, '--data', dir];
    };
    await expectRefused([
      {
        label: 'missing input',
        args: await bad('no-in-b', (d) => fs.rm(path.join(d, 'in_b.npy'))),
        want: [/no-in-b: no array for model input "in_b" \(expected in_b\.npy or x_in_b\.npy\)/],
      },
      {
        label: 'extra array',
        args: await bad('extra', (d) => fs.copyFile(path.join(d, 'cls.npy'), path.join(d, 'labels.npy'))),
        want: [/extra: "labels\.npy" names neither a model input nor an output; the model's inputs: in_a, in_b; outputs: cls, reg/],
      },
      {
        label: 'rows',
        args: await bad('rows', async (d) => npyFile(path.join(d, 'cls.npy'), new Int32Array(5), [5])),
        want: [/rows\/cls\.npy: has 5 samples but in_a\.npy has 20/],
      },
      {
        label: 'shape',
        args: await bad('shape', async (d) => npyFile(path.join(d, 'in_a.npy'), new Float32Array(N * 4), [N, 4])),
        want: [/shape\/in_a\.npy: input "in_a": samples have 4 values \(shape \[4\]\) but the model takes \[3\]/],
      },
      {
        label: 'twice',
        args: await bad('twice', (d) => fs.copyFile(path.join(d, 'in_a.npy'), path.join(d, 'x_in_a.npy'))),
        want: [/twice: input "in_a" is given twice/],
      },
      {
        label: 'unknown --output',
        args: ['eval', '--model', model, '--data', data, '--output', 'nope'],
        want: [/--output: "nope" is not an output of .*; its outputs: cls, reg/],
      },
    ]);
  }, 240_000);
});
