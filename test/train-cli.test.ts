/**
 * The train command's pure parts: its options become a valid RunConfig, and the checkpoint
 * files it writes load in tfjs-layers and evaluate to the loss the run reported.
 */
import { describe, it, expect, beforeAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import yargs from 'yargs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { createRng } from '../src/random.js';
import { trainRun, resolveRunConfig } from '../src/train/index.js';
import { historySpec } from '../src/figures/history.js';
import { renderSpec } from '../src/render/render-png.js';
import { PNG } from 'pngjs';
import { builder, runConfigFromArgs, type TrainArgs } from '../cli/commands/train.js';
import { checkpointFiles } from '../src/pipelines/train.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

// Shim while src/objective/second-order-gradients.ts is being written (see train-run.test.ts).
vi.mock('../src/objective/second-order-gradients.js', async (importOriginal) => {
  const mod = await importOriginal<Record<string, unknown>>();
  if (mod.softmaxComposite) return mod;
  const tfm = await import('@tensorflow/tfjs');
  const softmaxComposite = (x: tf.Tensor) => {
    const e = tfm.exp(tfm.sub(x, tfm.max(x, -1, true)));
    return tfm.div(e, tfm.sum(e, -1, true));
  };
  return { ...mod, softmaxComposite };
});

const parse = (argv: string[]) => builder(yargs(argv)).parseSync() as unknown as TrainArgs;

describe('losslens train (pure parts)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('options map onto a RunConfig; defaults resolve; bad values name their option', () => {
    const args = parse([
      '--model',
      'm.json',
      '--optimizer',
      'adam',
      '--lr',
      '0.003',
      '--beta2',
      '0.99',
      '--schedule',
      'step',
      '--decay-rate',
      '0.5',
      '--decay-steps',
      '2',
      '--clip-norm',
      '1',
      '--val-split',
      '0.2',
      '--early-stopping',
      '3',
      '--no-shuffle',
      '--save-every',
      '50',
      '--init',
      'he-normal',
    ]);
    const c = resolveRunConfig(runConfigFromArgs(args));
    expect(c.optimizer).toMatchObject({ name: 'adam', lr: 0.003, beta1: 0.9, beta2: 0.99, epsilon: 1e-7, weightDecay: 0 });
    expect(c.schedule).toMatchObject({ name: 'step', decayRate: 0.5, decaySteps: 2, unit: 'epoch' });
    expect(c).toMatchObject({
      clipNorm: 1,
      clipValue: null,
      batchSize: 32,
      epochs: 10,
      valSplit: 0.2,
      earlyStoppingPatience: 3,
      shuffle: false,
      saveEvery: 50,
      init: 'he-normal',
      seed: 0,
    });
    expect(() => resolveRunConfig(runConfigFromArgs(parse(['--model', 'm', '--optimizer', 'adamw'])))).toThrow(
      /option optimizer: unknown optimizer "adamw"; valid: sgd, momentum/,
    );
    expect(() => resolveRunConfig(runConfigFromArgs(parse(['--model', 'm', '--early-stopping', '2'])))).toThrow(/earlyStopping.*valSplit/);
  });

  it('written checkpoints load in tfjs-layers and reproduce the reported training loss', async () => {
    const r = createRng(9);
    const X = Array.from({ length: 40 }, () => [r.normal(), r.normal()]);
    const labels = X.map((p) => (p[0] + p[1] > 0 ? 1 : 0));
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const bundle = loadModel(await checkpointFromModel(model));
    model.dispose();
    const data = prepareData(datasetOf(X, [2], labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const out = await trainRun({ optimizer: { name: 'nesterov', lr: 0.1 }, epochs: 3, batchSize: 8, seed: 5 }, bundle, data);
    const files = checkpointFiles(out.checkpoint, 'final');
    expect(files.map((f) => f.name)).toEqual(['final/model.json', 'final/weights.bin']);
    const mj = JSON.parse(files[0].data as string);
    const bin = files[1].data as Uint8Array;
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: mj.modelTopology,
        weightSpecs: mj.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    loaded.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const xs = tf.tensor(data.x, [data.n, 2]);
    const ys = tf.tensor(data.y, [data.n, 2]);
    const ev = loaded.evaluate(xs, ys, { batchSize: 64 }) as tf.Scalar;
    expect((await ev.data())[0]).toBeCloseTo(out.result.final.trainLoss, 5);
    tf.dispose([xs, ys, ev]);
    loaded.dispose();

    // history.png: 800×600 (×scale), four panels drawn in the palette's first colour
    const spec = historySpec(out.result.history, 'history') as { marks: unknown[] };
    expect(spec.marks).toHaveLength(4);
    for (const scale of [1, 2]) {
      const png = PNG.sync.read(Buffer.from((await renderSpec(spec as never, { scale })).png));
      expect([png.width, png.height]).toEqual([800 * scale, 600 * scale]);
      let blue = 0;
      for (let i = 0; i < png.data.length; i += 4)
        if (Math.abs(png.data[i] - 0x00) < 30 && Math.abs(png.data[i + 1] - 0x72) < 30 && Math.abs(png.data[i + 2] - 0xb2) < 30) blue++;
      expect(blue).toBeGreaterThan(200 * scale);
    }
  });
});
