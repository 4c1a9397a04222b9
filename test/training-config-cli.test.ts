/**
 * Checkpoints that `losslens train` writes carry their training config as tfjs-layers' model.save
 * writes it after compile (loss, metrics, optimizer_config): the next command needs no --loss, and
 * tf.loadLayersModel compiles the checkpoint with the same loss and optimizer. Through the real CLI.
 * Also --from-logits: a logits-output model trained on the crossentropy on logits, written as Keras
 * writes that loss, and evaluated again from its own config.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../src/engine/index.js';
import { writeCheckpoint } from '../src/io/checkpoint-write.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { runCli, runCliBatch } from './helpers/run-cli.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'losslens-tc-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const N = 40;
const rng = createRng(9);
const X = Array.from({ length: N }, () => [rng.normal(), rng.normal()]);
const LABELS = X.map(([a, b]) => (a! + b! > 0.5 ? 2 : a! > b! ? 1 : 0));

function net(activation: 'softmax' | 'linear'): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [2], kernelInitializer: init(1) }),
      tf.layers.dense({ units: 3, activation, kernelInitializer: init(2) }),
    ],
  });
}

/** A checkpoint without a training config (as an uncompiled model.save writes it) and the CSV. */
async function fixture(name: string, activation: 'softmax' | 'linear') {
  const m = net(activation);
  const ckpt = await checkpointFromModel(m);
  m.dispose();
  const dir = path.join(tmp, name);
  await writeCheckpoint(dir, { modelTopology: ckpt.modelTopology, weights: ckpt.weights });
  const csv = path.join(tmp, `${name}.csv`);
  await writeFile(csv, ['x0,x1,label', ...X.map((r, i) => `${r[0]},${r[1]},${LABELS[i]}`)].join('\n'));
  return { dir, csv };
}

/** model.json's artifacts, to load with tf.loadLayersModel as tfjs would from disk. */
async function artifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const bin = await readFile(path.join(dir, group.paths[0]));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData, trainingConfig: json.trainingConfig };
}

/** The training config tfjs' own model.save writes for `net` compiled with this loss and optimizer. */
async function tfjsTrainingConfig(loss: string, optimizer: tf.Optimizer): Promise<unknown> {
  const m = net('softmax');
  m.compile({ loss, metrics: ['accuracy'], optimizer });
  let tc: unknown;
  await m.save(
    tf.io.withSaveHandler(async (a) => ((tc = a.trainingConfig), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
    { includeOptimizer: true },
  );
  m.dispose();
  return tc;
}

const quiet = ['--quiet', '--backend', 'cpu', '--workers', '1'];

it('train writes it as tfjs model.save does; eval and hessian need no --loss; tfjs compiles it', async () => {
  const { dir, csv } = await fixture('plain', 'softmax');
  const out = path.join(tmp, 'train-out');
  const t = await runCli([
    'train',
    '--model',
    dir,
    '--data',
    csv,
    '--loss',
    'sparseCategoricalCrossentropy',
    '--epochs',
    '1',
    '--optimizer',
    'adam',
    '--lr',
    '0.01',
    '--batch-size',
    '8',
    '--out',
    out,
    ...quiet,
  ]);
  expect(t.stderr).toBe('');
  expect(t.code).toBe(0);
  const final = path.join(out, 'final');
  const written = JSON.parse(await readFile(path.join(final, 'model.json'), 'utf8')).trainingConfig;
  expect(written).toEqual(await tfjsTrainingConfig('sparseCategoricalCrossentropy', tf.train.adam(0.01, 0.9, 0.999, 1e-7)));

  const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifacts(final)));
  expect(loaded.loss).toBe('sparseCategoricalCrossentropy');
  expect(loaded.optimizer.getClassName()).toBe('Adam');
  expect(loaded.optimizer.getConfig()).toMatchObject({ learningRate: 0.01, beta1: 0.9, beta2: 0.999 });
  const ref = tf.tidy(() => (loaded.evaluate(tf.tensor2d(X), tf.tensor2d(LABELS, [N, 1])) as tf.Scalar[])[0]!.dataSync()[0]!);
  loaded.dispose();

  const evalOut = path.join(tmp, 'eval-out');
  const e = await runCli(['eval', '--model', final, '--data', csv, '--out', evalOut, ...quiet]);
  expect(e.stderr).toBe('');
  const summary = JSON.parse(await readFile(path.join(evalOut, 'summary.json'), 'utf8'));
  expect(summary.model).toMatchObject({ loss: 'sparseCategoricalCrossentropy', lossSource: 'checkpoint' });
  expect(Math.abs(summary.loss - ref)).toBeLessThan(1e-5 * (1 + ref));
  const h = await runCli([
    'hessian',
    '--model',
    final,
    '--data',
    csv,
    '--top',
    '1',
    '--bottom',
    '0',
    '--probes',
    '4',
    '--slq-order',
    '8',
    '--slq-probes',
    '1',
    '--out',
    path.join(tmp, 'hessian-out'),
    ...quiet,
  ]);
  expect(h.stderr).toBe('');
  expect(h.code).toBe(0);
});

it('--from-logits: a logits model trains on the crossentropy on logits, written as Keras writes it, and evaluates from it', async () => {
  const { dir, csv } = await fixture('logits', 'linear');
  const out = path.join(tmp, 'train-logits');
  const t = await runCli([
    'train',
    '--model',
    dir,
    '--data',
    csv,
    '--loss',
    'sparseCategoricalCrossentropy',
    '--from-logits',
    '--epochs',
    '1',
    '--batch-size',
    '8',
    '--out',
    out,
    ...quiet,
  ]);
  expect(t.stderr).toBe('');
  const final = path.join(out, 'final');
  const written = JSON.parse(await readFile(path.join(final, 'model.json'), 'utf8')).trainingConfig;
  expect(written.loss).toEqual({
    class_name: 'SparseCategoricalCrossentropy',
    config: { from_logits: true, reduction: 'sum_over_batch_size', name: 'sparse_categorical_crossentropy' },
  });
  expect(written.optimizer_config).toEqual({ class_name: 'SGD', config: { learningRate: 0.01 } });

  const a = await artifacts(final);
  const m = await tf.loadLayersModel(tf.io.fromMemory({ ...a, trainingConfig: undefined }));
  const ref = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(LABELS, 'int32'), 3), m.predict(tf.tensor2d(X)) as tf.Tensor).dataSync()[0]!);
  m.dispose();
  const evalOut = path.join(tmp, 'eval-logits');
  const e = await runCli(['eval', '--model', final, '--data', csv, '--out', evalOut, ...quiet]);
  expect(e.stderr).toBe('');
  const summary = JSON.parse(await readFile(path.join(evalOut, 'summary.json'), 'utf8'));
  expect(summary.model.loss).toBe('sparseCategoricalCrossentropyFromLogits');
  expect(Math.abs(summary.loss - ref)).toBeLessThan(1e-5 * (1 + ref));
});

it('--from-logits on a loss that takes no logits, or without --loss, is one line naming the flag, exit 2', async () => {
  const { dir, csv } = await fixture('bad', 'linear');
  const cases = [['--loss', 'meanSquaredError', '--from-logits'], ['--from-logits']];
  // both refusals in one process (runCliBatch; test/cli-batch.test.ts holds it to separate processes)
  const rs = await runCliBatch(cases.map((args) => ['eval', '--model', dir, '--data', csv, ...args, '--out', path.join(tmp, `bad-${args.length}`), ...quiet]));
  for (const r of rs) {
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--from-logits/);
  }
});
