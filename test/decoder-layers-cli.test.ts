/**
 * The decoder, normalization and preprocessing layers through the real CLI: a checkpoint saved from
 * tfjs' own layers API, with Keras' Normalization (config form and adapted weights) and RandomFlip
 * written into its topology, evaluates to tfjs-layers' model.evaluate loss on the normalized data;
 * its summary states inference mode and names the layers that are off (Dropout, RandomFlip); the
 * configs tfjs-layers 4.x would run differently from the trained model, or cannot run, are refused
 * with one stderr line naming the file and the layer, exit 2.
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectRefused, tmpDir } from './helpers/odd-checkpoints.js';
import { runCli } from './helpers/run-cli.js';
import { createRng } from '../src/random.js';

const N = 16,
  SHAPE = [4, 4, 2];
const MEAN = [0.5, -1],
  VAR = [4, 0.25];

function npy(values: Float32Array, shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre);
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

function net(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed });
  const model = tf.sequential({
    layers: [
      tf.layers.rescaling({ inputShape: SHAPE, scale: 0.8, offset: 0.1 } as never),
      tf.layers.conv2dTranspose({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: init(1),
        biasInitializer: init(2),
      }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.cropping2D({
        cropping: [
          [1, 0],
          [2, 1],
        ],
      }),
      tf.layers.layerNormalization({ gammaInitializer: init(3), betaInitializer: init(4) } as never),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(5) }),
    ],
  });
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
  return model;
}

/** The net saved with Normalization (adapted weights, or its config form) and RandomFlip ahead of its layers; data; tfjs-layers' loss on the normalized data. */
async function saved(form: 'weights' | 'config'): Promise<{ dir: string; data: string; loss: number }> {
  const model = net(),
    dir = path.join(tmpDir(), `net-${form}`),
    data = path.join(tmpDir(), 'data');
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(data, { recursive: true });
  const rng = createRng(5);
  const x = Float32Array.from({ length: N * 32 }, () => 2 * rng.normal()),
    y = Float32Array.from({ length: N }, (_, i) => i % 3);
  await fs.writeFile(path.join(data, 'x.npy'), npy(x, [N, ...SHAPE]));
  await fs.writeFile(path.join(data, 'y.npy'), npy(y, [N]));
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const topo = a.modelTopology as any,
        layers = topo.config.layers;
      const stats = form === 'config' ? { mean: MEAN, variance: VAR } : {};
      // ahead of the first layer, which hands over its batch_input_shape
      const batchInputShape = layers[0].config.batch_input_shape;
      delete layers[0].config.batch_input_shape;
      layers.unshift(
        { class_name: 'Normalization', config: { name: 'normalization', batch_input_shape: batchInputShape, axis: [-1], ...stats } },
        { class_name: 'RandomFlip', config: { name: 'random_flip', mode: 'horizontal' } },
      );
      let specs = a.weightSpecs!,
        bin = Buffer.from(a.weightData as ArrayBuffer);
      if (form === 'weights') {
        specs = [
          ...['mean', 'variance'].map((p) => ({ name: `normalization/${p}`, shape: [2], dtype: 'float32' as const })),
          { name: 'normalization/count', shape: [], dtype: 'float32' as const },
          ...specs,
        ];
        bin = Buffer.concat([Buffer.from(Float32Array.from([...MEAN, ...VAR, N]).buffer), bin]);
      }
      await fs.writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({
          modelTopology: topo,
          weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
          trainingConfig: (model as any).getTrainingConfig(),
        }),
      );
      await fs.writeFile(path.join(dir, 'weights.bin'), bin);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const xn = x.map((v, i) => (v - MEAN[i % 2]!) / Math.sqrt(VAR[i % 2]!));
  const loss = tf.tidy(() => (model.evaluate(tf.tensor(xn, [N, ...SHAPE]), tf.tensor(y, [N, 1])) as tf.Scalar).dataSync()[0]!);
  model.dispose();
  return { dir, data, loss };
}

describe('decoder, normalization and preprocessing layers through the CLI', () => {
  it.each(['weights', 'config'] as const)(
    'Normalization from its %s, RandomFlip, Dropout: eval equals model.evaluate on the normalized data, and the summary says inference mode',
    async (form) => {
      const { dir, data, loss } = await saved(form);
      const out = path.join(tmpDir(), `eval-${form}`);
      const r = await runCli(['eval', '--model', dir, '--data', data, '--out', out, '--quiet', '--backend', 'cpu']);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
      expect(summary.loss).toBeCloseTo(loss, 5);
      expect(summary.meta.inference.mode).toBe('inference');
      expect(summary.meta.inference.inactive).toEqual(expect.arrayContaining(['random_flip (RandomFlip)', expect.stringMatching(/\(Dropout\)$/)]));
      expect(summary.meta.inference.note).toMatch(/dropout.*random augmentation off/);
    },
  );

  it('configs tfjs-layers 4.x would run otherwise, or cannot run, are refused naming the file and the layer', async () => {
    const { dir, data } = await saved('config');
    const edit = async (name: string, cls: string, change: (c: any) => void) => {
      const to = path.join(tmpDir(), name);
      await fs.mkdir(to, { recursive: true });
      const j = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
      change(j.modelTopology.config.layers.find((l: any) => l.class_name === cls).config);
      await fs.writeFile(path.join(to, 'model.json'), JSON.stringify(j));
      await fs.copyFile(path.join(dir, 'weights.bin'), path.join(to, 'weights.bin'));
      return ['eval', '--model', to, '--data', data];
    };
    const layer = (cls: string) => new RegExp(`model\\.json: layer "[^"]+" \\(${cls}\\): `);
    await expectRefused([
      {
        label: 'output_padding',
        args: await edit('op', 'Conv2DTranspose', (c) => (c.output_padding = [1, 1])),
        want: [layer('Conv2DTranspose'), /output_padding \[1,1\]: tfjs-layers 4\.x ignores/],
      },
      { label: 'dilation', args: await edit('dil', 'Conv2DTranspose', (c) => (c.dilation_rate = [2, 2])), want: [layer('Conv2DTranspose'), /dilation_rate/] },
      {
        label: 'bicubic',
        args: await edit('bicubic', 'UpSampling2D', (c) => (c.interpolation = 'bicubic')),
        want: [layer('UpSampling2D'), /interpolation "bicubic"/],
      },
      {
        label: 'crop all',
        args: await edit(
          'crop',
          'Cropping2D',
          (c) =>
            (c.cropping = [
              [8, 8],
              [0, 0],
            ]),
        ),
        want: [layer('Cropping2D'), /leaves nothing/],
      },
      { label: 'batch axis', args: await edit('ln0', 'LayerNormalization', (c) => (c.axis = [0])), want: [layer('LayerNormalization'), /not the batch axis/] },
      { label: 'rescale list', args: await edit('resc', 'Rescaling', (c) => (c.scale = [1, 2])), want: [layer('Rescaling'), /scale \[1,2\]/] },
      {
        label: 'normalization variance',
        args: await edit('var', 'Normalization', (c) => (c.variance = [1, 2, 3])),
        want: [layer('Normalization'), /variance/],
      },
    ]);
  });
});
