/**
 * Symmetric units: an MLP trained from a zero or constant initialisation keeps its hidden units
 * identical (weights and gradients) — detected, with the finding and the remedy; a randomly
 * initialised one has none. Conv kernels group along their output channels. No tensors leak.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel, type ModelBundle } from '../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../src/objective/prepare-data.js';
import { createRng } from '../src/random.js';
import { trainRun } from '../src/train/train-run.js';
import { unitSymmetry, layerSymmetry, symmetryFindings } from '../src/gradients/unit-symmetry.js';
import { analysedLayers } from '../src/gradients/layers.js';
import { withModel } from '../src/gradients/analyze-gradients.js';
import { reinitialize } from '../src/gradients/reinitialize.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

async function mlp(kernelInitializer: unknown): Promise<{ bundle: ModelBundle; data: PreparedData }> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [3], kernelInitializer: kernelInitializer as never }),
      tf.layers.dense({ units: 6, activation: 'sigmoid', kernelInitializer: kernelInitializer as never }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: kernelInitializer as never }),
    ],
  });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(ckpt);
  const r = createRng(9);
  const X = Array.from({ length: 120 }, () => [r.normal(), r.normal(), r.normal()]);
  const data = prepareData(
    datasetOf(
      X,
      [3],
      X.map((x) => (x[0] > 0.3 ? 0 : x[1] > 0 ? 1 : 2)),
      'class-index',
    ),
    bundle.arch.inputShape,
    bundle.outDim,
    bundle.loss,
  );
  return { bundle, data };
}

const batch = [Uint32Array.from({ length: 64 }, (_, i) => i), Uint32Array.from({ length: 40 }, (_, i) => 64 + i)];
const symmetryOf = (bundle: ModelBundle, ckpt: Checkpoint, data: PreparedData) =>
  withModel(bundle, ckpt, (m) => unitSymmetry(m, analysedLayers(bundle.arch), data, batch));

describe('unit symmetry', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('trained from constant kernels, the hidden units stay identical: detected, effective width 1', async () => {
    const { bundle, data } = await mlp(tf.initializers.constant({ value: 0.3 }));
    const out = await trainRun({ optimizer: { name: 'adam', lr: 0.01 }, batchSize: 16, epochs: 5 }, bundle, data);
    expect(out.result.history.epochs[5].trainLoss).toBeLessThan(out.result.history.epochs[0].trainLoss); // it did train
    const before = tf.memory().numTensors;
    const s = await symmetryOf(bundle, out.checkpoint, data);
    expect(tf.memory().numTensors).toBe(before);
    const [h1, h2, o] = s.layers;
    expect(h1).toMatchObject({ units: 8, symmetricUnits: 8, groupCount: 1, effectiveWidth: 1, allZero: false });
    expect(h2).toMatchObject({ units: 6, symmetricUnits: 6, effectiveWidth: 1, allZero: false });
    expect(o.symmetricUnits).toBe(0); // the output units see different targets
    expect(s.findings.map((f) => f.code)).toEqual(['symmetric-units']);
    expect(s.findings[0].layers).toEqual([h1.name, h2.name]);
    expect(s.findings[0].remedy).toMatch(/Glorot/);
  });

  it('trained from zeros, the kernels of the tanh layer stay all zero and its units identical', async () => {
    const { bundle, data } = await mlp('zeros');
    const out = await trainRun({ optimizer: { name: 'sgd', lr: 0.1 }, batchSize: 16, epochs: 3 }, bundle, data);
    const s = await symmetryOf(bundle, out.checkpoint, data);
    expect(s.layers[0]).toMatchObject({ symmetricUnits: 8, effectiveWidth: 1, allZero: true });
    expect(s.layers[1].effectiveWidth).toBe(1);
    expect(s.findings.map((f) => f.code)).toEqual(['symmetric-units', 'zero-layer']);
  });

  it('a random (Glorot) initialisation, before and after training, has no symmetric units', async () => {
    const { bundle, data } = await mlp('glorotUniform');
    const fresh = reinitialize(bundle.checkpoint, bundle.arch, 'glorotUniform', 3);
    const s0 = await symmetryOf(bundle, fresh, data);
    const out = await trainRun({ optimizer: { name: 'adam', lr: 0.01 }, batchSize: 16, epochs: 3 }, bundle, data);
    const s1 = await symmetryOf(bundle, out.checkpoint, data);
    for (const s of [s0, s1]) {
      expect(s.findings).toEqual([]);
      expect(s.layers.map((l) => l.effectiveWidth)).toEqual([8, 6, 3]);
    }
    const z = await symmetryOf(bundle, reinitialize(bundle.checkpoint, bundle.arch, 'constant', 0), data);
    expect(z.layers[0].effectiveWidth).toBe(1);
  });

  it('conv kernels [kh, kw, in, out] group along the output channels; the tolerance is relative', () => {
    // 2×2×1 kernel, 3 channels: channels 0 and 2 equal, 1 different; gradients equal on 0 and 2
    const k = new Float32Array([1, 5, 1, 2, 6, 2, 3, 7, 3, 4, 8, 4]);
    const g = new Float32Array([0.1, 0.2, 0.1, 0.1, 0.2, 0.1, 0.1, 0.2, 0.1, 0.1, 0.2, 0.1]);
    const one = (kernel: Float32Array) => [{ kernel, bias: null }];
    expect(layerSymmetry('c', k, null, one(g), 3, 1e-5)).toMatchObject({ groups: [[0, 2]], symmetricUnits: 2, effectiveWidth: 2 });
    const g2 = g.slice();
    g2[2] += 1e-3; // unit 2's gradient now differs by 0.5% of the largest gradient
    expect(layerSymmetry('c', k, null, one(g2), 3, 1e-5).symmetricUnits).toBe(0);
    expect(layerSymmetry('c', k, null, one(g2), 3, 1e-2).symmetricUnits).toBe(2);
    // equal on one batch, different on another: not symmetric
    expect(layerSymmetry('c', k, null, [...one(g), ...one(g2)], 3, 1e-5).symmetricUnits).toBe(0);
  });

  it('output units that coincide on a batch are grouped but not reported: their targets differ', () => {
    const l = layerSymmetry(
      'out',
      new Float32Array(6),
      new Float32Array(3),
      [{ kernel: new Float32Array(6), bias: new Float32Array([0.1, 0.1, -0.2]) }],
      3,
      1e-5,
      true,
    );
    expect(l).toMatchObject({ isOutput: true, symmetricUnits: 2, allZero: true });
    expect(symmetryFindings([l]).map((f) => f.code)).toEqual(['zero-layer']);
  });
});

describe('analyzeGradients: symmetry, --compare-init zeros beside a random init, noise', () => {
  it('the checkpoint and a Glorot init have no symmetric units, the zeros init has; noise estimated on request', async () => {
    const { analyzeGradients } = await import('../src/gradients/analyze-gradients.js');
    await selectBackend('cpu');
    const { bundle, data } = await mlp('glorotUniform');
    const seeded = loadModel(reinitialize(bundle.checkpoint, bundle.arch, 'glorotUniform', 5));
    const before = tf.memory().numTensors;
    const a = await analyzeGradients(seeded, data, { batches: 2, batchSize: 16, compareInit: 'zeros', noise: { groups: 4 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.symmetry.findings).toEqual([]);
    expect(a.init!.symmetry.findings.map((f) => f.code)).toEqual(['symmetric-units', 'zero-layer']);
    expect(a.init!.findings.some((f) => f.code === 'healthy')).toBe(false);
    expect(a.randomInit!.initializer).toBe('glorotUniform');
    expect(a.randomInit!.symmetry.findings).toEqual([]);
    expect(a.noise!.minibatches).toBe(16);
    expect(a.noise!.layers.map((l) => l.name)).toEqual(a.symmetry.layers.map((l) => l.name));
    const plain = await analyzeGradients(seeded, data, { batches: 2, batchSize: 16, compareInit: 'heNormal' });
    expect(plain.randomInit).toBeUndefined();
    expect(plain.noise).toBeUndefined();
  });
});
