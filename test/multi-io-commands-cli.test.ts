/**
 * The seq2seq encoder-decoder (two inputs, the decoder fed the encoder's states; outputs the
 * softmax head and the encoder's h) through the real CLI: `gradients` and `report --quick` run on
 * the objective Σ w_k loss_k and put each output's loss beside it (summary.json and the digest);
 * `train` on it: train-multi-io-cli.test.ts.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tmpDir } from './helpers/odd-checkpoints.js';
import { runCli } from './helpers/run-cli.js';
import { S2S_WEIGHTS, evaluateLosses, s2sData, seq2seq, writeS2SFolder } from './helpers/seq2seq-nets.js';
import { saveModelFolder } from './helpers/multi-io-nets.js';

let root: string, model: string, data: string;
let ref: number[];

beforeAll(async () => {
  root = path.join(tmpDir(), 'multi-io-commands');
  model = path.join(root, 'model');
  data = path.join(root, 'data');
  const net = seq2seq(),
    d = s2sData();
  ref = evaluateLosses(net, d);
  await saveModelFolder(net, model, S2S_WEIGHTS);
  net.dispose();
  writeS2SFolder(data, d);
});

const run = async (args: string[], out: string) => {
  const r = await runCli([...args, '--model', model, '--data', data, '--out', out, '--force']);
  expect(r.code, r.stderr).toBe(0);
  return { stdout: r.stdout, summary: JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) };
};

describe('gradients and report on a seq2seq decoder with two inputs and two outputs', () => {
  it("gradients: the profile's loss is Σ w_k loss_k; summary and digest give each output's loss", async () => {
    const { stdout, summary } = await run(['gradients', '--batches', '2', '--batch-size', '64'], path.join(root, 'gradients'));
    expect(summary.gradients.loss.mean).toBeCloseTo(S2S_WEIGHTS[0]! * ref[0]! + S2S_WEIGHTS[1]! * ref[1]!, 5);
    expect(summary.outputs.map((o: any) => o.name)).toEqual(['head', 'enc.1']);
    summary.outputs.forEach((o: any, k: number) => expect(o.loss).toBeCloseTo(ref[k]!, 5));
    expect(summary.gradients.throughTime.layers.map((l: any) => l.layer)).toEqual(['enc', 'dec']);
    expect(stdout).toMatch(/per output on --data/);
    expect(stdout).toMatch(/enc\.1 \(meanSquaredError\)/);
  }, 240_000);

  it("report --quick: eval's per-output losses in summary.json and the digest", async () => {
    const { stdout, summary } = await run(['report', '--quick', '--points', '5', '--grid', '3'], path.join(root, 'report'));
    summary.eval.train.outputs.forEach((o: any, k: number) => expect(o.loss).toBeCloseTo(ref[k]!, 5));
    expect(summary.hessian.eigenvalues.top.length).toBeGreaterThan(0);
    expect(stdout).toMatch(/head \(categoricalCrossentropy\)/);
  }, 300_000);
});
