/**
 * `train` through the real CLI on the seq2seq encoder-decoder (inputs enc_in and dec_in, the decoder
 * started from the encoder's states; outputs the softmax head and the encoder's state h, each with
 * its own loss and loss_weights), from a folder of one .npy per input and output written here:
 * one spawn trains two epochs; the summary, history.json and the digest give each output's loss;
 * the final checkpoint carries every output's loss and weight by name, so it loads without --loss
 * (as eval loads it) and its objective at the trained θ is the summary's final training loss.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tmpDir } from './helpers/odd-checkpoints.js';
import { runCli } from './helpers/run-cli.js';
import { S2S_WEIGHTS, s2sData, seq2seq, writeS2SFolder } from './helpers/seq2seq-nets.js';
import { saveModelFolder } from './helpers/multi-io-nets.js';
import { loadProblem } from '../src/problem.js';

let root: string, model: string, data: string;

beforeAll(async () => {
  root = path.join(tmpDir(), 'train-multi-io-cli');
  model = path.join(root, 'model');
  data = path.join(root, 'data');
  const net = seq2seq();
  await saveModelFolder(net, model, S2S_WEIGHTS);
  net.dispose();
  writeS2SFolder(data, s2sData());
});

describe('train on two inputs and two outputs (one a state) through the CLI', () => {
  it('trains Σ w_k loss_k, reports each output, and writes a checkpoint that loads without --loss', async () => {
    const out = path.join(root, 'train');
    const args = ['train', '--model', model, '--data', data, '--out', out, '--force', '--init', 'checkpoint', '--epochs', '2', '--batch-size', '4'];
    const r = await runCli([...args, '--val-split', '0', '--optimizer', 'sgd', '--lr', '0.1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/per output at epoch 2 \(the loss is Σ weight · loss\):/);
    expect(r.stdout).toMatch(/enc\.1 \(meanSquaredError\)\s+1\.5/);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.steps).toBe(4); // 6 samples, batches of 4 and 2, two epochs
    const final = summary.final;
    expect(final.outputs.map((o: any) => o.name)).toEqual(['head', 'enc.1']);
    expect(final.trainLoss).toBeCloseTo(S2S_WEIGHTS[0]! * final.outputs[0].trainLoss + S2S_WEIGHTS[1]! * final.outputs[1].trainLoss, 5);
    expect(summary.epochsHistory[0].trainLoss).toBeGreaterThan(final.trainLoss); // two epochs of SGD lower the total
    const history = JSON.parse(await fs.readFile(path.join(out, 'history.json'), 'utf8'));
    expect(history.steps.outputs.map((o: any) => [o.name, o.lossName, o.weight, o.loss.length])).toEqual([
      ['head', 'categoricalCrossentropy', 0.8, 4],
      ['enc.1', 'meanSquaredError', 1.5, 4],
    ]);
    const saved = JSON.parse(await fs.readFile(path.join(out, 'final/model.json'), 'utf8'));
    expect(saved.trainingConfig.loss).toEqual({ head: 'categorical_crossentropy', 'enc.1': 'mean_squared_error' });
    expect(saved.trainingConfig.loss_weights).toEqual({ head: 0.8, 'enc.1': 1.5 });
    const problem = await loadProblem({ model: path.join(out, 'final'), train: { data }, backend: 'cpu', workers: 1 });
    try {
      expect(problem.model.heads.map((h) => [h.name, h.loss, h.weight, h.source])).toEqual([
        ['head', 'categoricalCrossentropy', 0.8, 'checkpoint'],
        ['enc.1', 'meanSquaredError', 1.5, 'checkpoint'],
      ]);
      const e = await problem.train!.objective.evaluate(problem.model.theta0);
      expect(e.loss).toBeCloseTo(final.trainLoss, 5);
      e.outputs!.forEach((o, k) => expect(o.loss).toBeCloseTo(final.outputs[k].trainLoss, 5));
    } finally {
      await problem.dispose();
    }
  }, 180_000);
});
