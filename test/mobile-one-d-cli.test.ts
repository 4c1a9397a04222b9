/**
 * The mobile-CNN and 1-D layers through the real CLI: a checkpoint saved from tfjs' own layers API
 * evaluates to tfjs-layers' model.evaluate loss, and the configs tfjs-layers would run differently
 * from the trained model (DepthwiseConv2D's dilation_rate, ReLU's negative_slope and threshold,
 * GlobalAveragePooling1D's keepdims), cannot run (Conv1D padding "causal"), or we do not compute
 * (channels_first), or that are malformed (a negative ZeroPadding2D), are refused with one stderr
 * line naming the file and the layer, exit 2.
 */
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectRefused, evalLoss, tmpDir } from './helpers/odd-checkpoints.js';
import { mobileNet, oneDNet } from './helpers/mobile-one-d-nets.js';
import { createRng } from '../src/random.js';

/** A minimal .npy (v1.0, little-endian) of float32 or int32 values. */
function npy(values: Float32Array | Int32Array, shape: number[]): Buffer {
  const descr = values instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre);
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

/** The model saved as model.json + weights.bin, with x.npy + y.npy of n seeded samples; returns both folders and tfjs-layers' evaluate loss. */
async function saved(name: string, model: tf.LayersModel, n: number): Promise<{ dir: string; data: string; loss: number }> {
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
  const dir = path.join(tmpDir(), name),
    data = path.join(tmpDir(), `${name}-data`);
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(data, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const manifest = [{ paths: ['weights.bin'], weights: a.weightSpecs }];
      await fs.writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: manifest, trainingConfig: (model as any).getTrainingConfig() }),
      );
      await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const shape = [n, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const rng = createRng(31);
  const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  await fs.writeFile(path.join(data, 'x.npy'), npy(x, shape));
  await fs.writeFile(path.join(data, 'y.npy'), npy(y, [n]));
  const loss = tf.tidy(() => (model.evaluate(tf.tensor(x, shape), tf.tensor(Float32Array.from(y), [n, 1])) as tf.Scalar).dataSync()[0]!);
  model.dispose();
  return { dir, data, loss };
}

/** A copy of `from` with `edit` applied to the config of its layer of class `cls`. */
async function edited(from: string, name: string, cls: string, edit: (config: any) => void): Promise<string> {
  const dir = path.join(tmpDir(), name);
  await fs.mkdir(dir, { recursive: true });
  const j = JSON.parse(await fs.readFile(path.join(from, 'model.json'), 'utf8'));
  const topo = j.modelTopology.model_config ?? j.modelTopology;
  edit(topo.config.layers.find((l: any) => l.class_name === cls).config);
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(j));
  await fs.copyFile(path.join(from, 'weights.bin'), path.join(dir, 'weights.bin'));
  return dir;
}

afterAll(async () => {
  await fs.rm(tmpDir(), { recursive: true, force: true });
});

describe('mobile and 1-D checkpoints through the CLI', () => {
  it("eval of a mobile net and a 1-D net equals tfjs-layers' model.evaluate", async () => {
    for (const [name, build] of [
      ['mobile', mobileNet],
      ['one-d', oneDNet],
    ] as const) {
      const m = await saved(name, build(), 24);
      expect(Math.abs((await evalLoss(m.dir, m.data)) - m.loss)).toBeLessThan(1e-5 * m.loss);
    }
  }, 120_000);

  it('configs tfjs-layers would compute differently, cannot run, or we do not compute are refused naming the file and layer', async () => {
    const mob = await saved('mobile-r', mobileNet(), 6),
      one = await saved('one-d-r', oneDNet(), 6);
    const layer = (cls: string) => new RegExp(`model\\.json: layer "[A-Za-z_0-9]+" \\(${cls}\\): `);
    const run = (dir: string, data: string) => ['eval', '--model', dir, '--data', data];
    await expectRefused([
      {
        label: 'depthwise dilation',
        args: run(await edited(mob.dir, 'dw-dil', 'DepthwiseConv2D', (c) => (c.dilation_rate = [2, 2])), mob.data),
        want: [layer('DepthwiseConv2D'), /dilation_rate \[2,2\] is not supported: tfjs-layers' DepthwiseConv2D ignores it/],
      },
      {
        label: 'depthwise channels_first',
        args: run(await edited(mob.dir, 'dw-cf', 'DepthwiseConv2D', (c) => (c.data_format = 'channels_first')), mob.data),
        want: [layer('DepthwiseConv2D'), /"data_format": "channels_first" is not supported/],
      },
      {
        label: 'relu negative_slope',
        args: run(await edited(mob.dir, 'relu-slope', 'ReLU', (c) => (c.negative_slope = 0.1)), mob.data),
        want: [layer('ReLU'), /negative_slope 0\.1 is not supported/],
      },
      {
        label: 'relu threshold',
        args: run(await edited(mob.dir, 'relu-thr', 'ReLU', (c) => (c.threshold = 1)), mob.data),
        want: [layer('ReLU'), /threshold 1 is not supported/],
      },
      {
        label: 'relu negative max',
        args: run(await edited(mob.dir, 'relu-max', 'ReLU', (c) => (c.max_value = -1)), mob.data),
        want: [layer('ReLU'), /max_value -1 must be a finite number ≥ 0/],
      },
      {
        label: 'zero padding negative',
        args: run(
          await edited(
            mob.dir,
            'zp-neg',
            'ZeroPadding2D',
            (c) =>
              (c.padding = [
                [1, -1],
                [0, 0],
              ]),
          ),
          mob.data,
        ),
        want: [layer('ZeroPadding2D'), /padding \[\[1,-1\],\[0,0\]\] must be/],
      },
      {
        label: 'separable depth_multiplier',
        args: run(await edited(mob.dir, 'sep-dm', 'SeparableConv2D', (c) => (c.depth_multiplier = 3)), mob.data),
        want: [layer('SeparableConv2D'), /depth_multiplier 3 does not match its depthwise_kernel/],
      },
      {
        label: 'conv1d causal',
        args: run(await edited(one.dir, 'c1-causal', 'Conv1D', (c) => (c.padding = 'causal')), one.data),
        want: [layer('Conv1D'), /padding "causal" is not supported \(tfjs-layers' Conv1D throws NotImplementedError on it\)/],
      },
      {
        label: 'global pool keepdims',
        args: run(await edited(one.dir, 'gap-keep', 'GlobalAveragePooling1D', (c) => (c.keepdims = true)), one.data),
        want: [layer('GlobalAveragePooling1D'), /keepdims true is not supported/],
      },
      {
        label: 'pool1d channels_first',
        args: run(await edited(one.dir, 'mp-cf', 'MaxPooling1D', (c) => (c.data_format = 'channels_first')), one.data),
        want: [layer('MaxPooling1D'), /"data_format": "channels_first"/],
      },
    ]);
  }, 180_000);
});
