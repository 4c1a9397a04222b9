/**
 * `gradients` on a model with several inputs and outputs (the seq2seq encoder-decoder of
 * seq2seq-nets.ts: two inputs, the softmax head and the encoder's h as outputs, the decoder fed the
 * encoder's states): the profiled loss is Σ w_k loss_k (model.evaluate's per-output losses), each
 * layer's ‖∂L/∂θ‖ equals the norm of tfjs autodiff's gradient, ∂L/∂h_t of both unrolls (the encoder's
 * too, though its states leave by return_state) agrees with central differences of L along it, and
 * --output profiles one head: the other head's layers get zero gradients, not a refusal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { loadDataset } from '../src/io/dataset.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { modelIONames } from '../src/objective/fit-inputs.js';
import { analyzeGradients, withModel } from '../src/gradients/analyze-gradients.js';
import { analysedLayers } from '../src/gradients/layers.js';
import { batchLoss, layerGradients, rawLayerGradients } from '../src/gradients/layer-gradients.js';
import { batchTensors } from '../src/gradients/minibatches.js';
import { stepAddends } from '../src/gradients/step-gradients.js';
import { withStepTaps } from '../src/model/layers/step-taps.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { S2S, S2S_WEIGHTS, evaluateLosses, s2sData, s2sGradient, seq2seq, writeS2SFolder, type S2SData } from './helpers/seq2seq-nets.js';

let dir: string;
let model: tf.LayersModel;
let ckpt: Checkpoint;
let d: S2SData;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-s2s-grad-'));
  model = seq2seq();
  ckpt = await checkpointFromModel(model);
  ckpt.trainingConfig = { ...ckpt.trainingConfig, loss_weights: S2S_WEIGHTS };
  d = s2sData();
  writeS2SFolder(dir, d);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(c: Checkpoint) {
  const bundle = loadModel(c);
  const ds = await loadDataset({ data: dir, model: modelIONames(bundle.arch) });
  return { bundle, data: prepareModelData(ds, bundle) };
}

const all = Uint32Array.from({ length: S2S.n }, (_, i) => i);
const sq = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v * v, 0);

describe('gradients on two inputs and two outputs', () => {
  it("the loss is Σ w_k loss_k and each layer's ‖∂L/∂θ‖ is the norm of tfjs autodiff's gradient", async () => {
    const { bundle, data } = await load(ckpt);
    const layers = analysedLayers(bundle.arch);
    const ref = evaluateLosses(model, d);
    const want = s2sGradient(model, d, S2S_WEIGHTS);
    const before = tf.memory().numTensors;
    const r = await withModel(bundle, bundle.checkpoint, async (m) => {
      const { x, y } = batchTensors(data, all);
      const out = await layerGradients(m, x, y, layers);
      tf.dispose([x, y]);
      return out;
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.loss).toBeCloseTo(S2S_WEIGHTS[0]! * ref[0]! + S2S_WEIGHTS[1]! * ref[1]!, 5);
    for (const l of ['enc', 'dec', 'head']) {
      const truth = Math.sqrt([...want].filter(([k]) => k.startsWith(`${l}/`)).reduce((s, [, g]) => s + sq(g), 0));
      expect(truth).toBeGreaterThan(1e-4);
      expect(r.layers.find((x) => x.name === l)!.weightGrad! / truth, l).toBeCloseTo(1, 4);
    }
    expect(r.steps.map((s) => [s.site.layer, s.site.positions.length])).toEqual([
      ['enc', S2S.encSteps],
      ['dec', S2S.decSteps],
    ]);
  });

  it('‖∂L/∂a‖ of an encoder read only through its states is ‖∂L/∂h_T‖ (its output and h are one tensor)', async () => {
    const { bundle, data } = await load(ckpt);
    const layers = analysedLayers(bundle.arch);
    await withModel(bundle, bundle.checkpoint, async (m) => {
      const { x, y } = batchTensors(data, all);
      const r = await layerGradients(m, x, y, layers);
      const raw = rawLayerGradients(m, x, y, layers);
      const last = Math.sqrt(sq(raw.stepGrads[0]!.grads.at(-1)!.dataSync()));
      expect(last).toBeGreaterThan(1e-4);
      expect(r.layers[0]!.activationGrad / last).toBeCloseTo(1, 5);
      tf.dispose([x, y, raw.value, ...raw.weightGrads, ...raw.activationGrads, ...raw.stepGrads.flatMap((s) => s.grads)]);
    });
  });

  it('∂L/∂h_t of both unrolls: the central difference of L along it (unit step direction) equals its norm', async () => {
    const { bundle, data } = await load(ckpt);
    const layers = analysedLayers(bundle.arch);
    await withModel(bundle, bundle.checkpoint, async (m) => {
      const { x, y } = batchTensors(data, all);
      const raw = rawLayerGradients(m, x, y, layers);
      const eps = 1e-2;
      const lossWith = (site: number, t: number, scale: number) =>
        tf.tidy(() => {
          const addends = raw.stepGrads.map((s, i) => s.grads.map((g, k) => (i === site && k === t ? tf.mul(g, scale) : tf.zerosLike(g))));
          const add = stepAddends(
            raw.stepGrads.map((s) => s.site),
            addends,
          );
          return withStepTaps({ add }, () => batchLoss(m, m.weights, x, y)).dataSync()[0]!;
        });
      raw.stepGrads.forEach((s, i) =>
        s.grads.forEach((g, t) => {
          const norm = Math.sqrt(sq(g.dataSync()));
          const fd = (lossWith(i, t, eps / norm) - lossWith(i, t, -eps / norm)) / (2 * eps);
          // a step of length eps = 1e-2 along g/‖g‖: float32 rounding of L (~1e-7) / 2eps ≈ 1e-5 absolute, O(eps²) truncation
          expect(Math.abs(fd - norm), `${s.site.layer} step ${t}: ‖g‖ ${norm}`).toBeLessThan(5e-3 * norm + 2e-5);
        }),
      );
      tf.dispose([x, y, raw.value, ...raw.weightGrads, ...raw.activationGrads, ...raw.stepGrads.flatMap((s) => s.grads)]);
    });
  });

  it('analyzeGradients profiles the whole graph; --output enc.1 leaves the decoder and head at zero gradient', async () => {
    const both = await load(ckpt);
    const r = await analyzeGradients(both.bundle, both.data, { batches: 2, batchSize: 64 });
    expect(r.layers.map((l) => l.name)).toEqual(['enc', 'dec', 'head']);
    const ref = evaluateLosses(model, d);
    expect(r.loss.mean).toBeCloseTo(S2S_WEIGHTS[0]! * ref[0]! + S2S_WEIGHTS[1]! * ref[1]!, 5);
    expect(r.throughTime!.layers.map((l) => l.layer)).toEqual(['enc', 'dec']);
    const one = await load({ ...ckpt, io: { output: 'enc.1' } });
    const h = await analyzeGradients(one.bundle, one.data, { batches: 1, batchSize: 64 });
    expect(h.loss.mean).toBeCloseTo(ref[1]!, 5);
    expect(h.layers.find((l) => l.name === 'enc')!.weightGrad!.mean).toBeGreaterThan(1e-4);
    for (const l of ['dec', 'head']) expect(h.layers.find((x) => x.name === l)!.weightGrad!.mean, l).toBe(0);
  });
});
