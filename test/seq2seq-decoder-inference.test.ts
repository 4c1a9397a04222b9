/**
 * The inference half of a Keras seq2seq chatbot: a decoder with three inputs (the token step and
 * the previous h and c, fed to its LSTM as initial_state) and three outputs (a softmax head on the
 * LSTM's output, and the new h and c from return_state), built with tfjs's own API. tfjs-layers'
 * graph executor refuses to run it ("When inputs is an array, neither initialState or constants
 * should be provided"), so the ground truth runs the same layer objects eagerly — the LSTM applied
 * with initialState, the Dense head — and tfjs' own loss functions: each output's loss and the
 * gradient of Σ w_k loss_k (tfjs autodiff) agree, on cpu and wasm; zero states give another h.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { loadDataset } from '../src/io/dataset.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { modelIONames } from '../src/objective/fit-inputs.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { npyFile } from './helpers/multi-io-nets.js';
import { uniform } from './helpers/seeded-values.js';

const N = 5,
  T = 3,
  F = 2,
  U = 3,
  C = 4;
const WEIGHTS = [1, 0.5, 0.25];
const init = (seed: number) => tf.initializers.glorotNormal({ seed });

function decoder(): tf.LayersModel {
  const x = tf.input({ shape: [T, F], name: 'tok' });
  const h0 = tf.input({ shape: [U], name: 'h_in' });
  const c0 = tf.input({ shape: [U], name: 'c_in' });
  const lstm = tf.layers.lstm({ units: U, returnState: true, name: 'dec', kernelInitializer: init(1), recurrentInitializer: init(2) });
  const [out, h, c] = lstm.apply(x, { initialState: [h0, c0] }) as tf.SymbolicTensor[];
  const probs = tf.layers.dense({ units: C, activation: 'softmax', name: 'probs', kernelInitializer: init(3) }).apply(out!) as tf.SymbolicTensor;
  const m = tf.model({ inputs: [x, h0, c0], outputs: [probs, h!, c!], name: 'inference_decoder' });
  m.compile({ loss: ['categoricalCrossentropy', 'meanSquaredError', 'meanSquaredError'], optimizer: 'sgd' });
  return m;
}

const arrays = () => {
  const probs = new Float32Array(N * C);
  for (let i = 0; i < N; i++) probs[i * C + ((3 * i + 1) % C)] = 1;
  return {
    tok: uniform(N * T * F, 31),
    h: uniform(N * U, 32),
    c: uniform(N * U, 33),
    probs,
    hT: uniform(N * U, 34, -0.5, 0.5),
    cT: uniform(N * U, 35, -0.5, 0.5),
  };
};

let dir: string, model: tf.LayersModel, ckpt: Checkpoint;
const a = arrays();

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-s2s-inf-'));
  model = decoder();
  ckpt = await checkpointFromModel(model);
  ckpt.trainingConfig = { ...ckpt.trainingConfig, loss_weights: WEIGHTS };
  npyFile(path.join(dir, 'tok.npy'), a.tok, [N, T, F]);
  npyFile(path.join(dir, 'h_in.npy'), a.h, [N, U]);
  npyFile(path.join(dir, 'c_in.npy'), a.c, [N, U]);
  npyFile(path.join(dir, 'probs.npy'), a.probs, [N, C]);
  npyFile(path.join(dir, 'dec.1.npy'), a.hT, [N, U]);
  npyFile(path.join(dir, 'dec.2.npy'), a.cT, [N, U]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each output's loss by the layers run eagerly and tfjs' loss functions, and tfjs autodiff of Σ w_k loss_k, by weight name. */
function truth(): { losses: number[]; grads: Map<string, Float32Array> } {
  const [x, h0, c0] = [tf.tensor3d(a.tok, [N, T, F]), tf.tensor2d(a.h, [N, U]), tf.tensor2d(a.c, [N, U])];
  const ys = [tf.tensor2d(a.probs, [N, C]), tf.tensor2d(a.hT, [N, U]), tf.tensor2d(a.cT, [N, U])];
  const losses = (): tf.Scalar[] => {
    const [out, h, c] = model.getLayer('dec').apply(x, { initialState: [h0, c0] }) as tf.Tensor[];
    const p = model.getLayer('probs').apply(out!) as tf.Tensor;
    return [
      tf.mean(tf.metrics.categoricalCrossentropy(ys[0]!, p)),
      tf.mean(tf.metrics.meanSquaredError(ys[1]!, h!)),
      tf.mean(tf.metrics.meanSquaredError(ys[2]!, c!)),
    ] as tf.Scalar[];
  };
  const each = tf.tidy(() => losses().map((l) => l.dataSync()[0]!));
  const vars = model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.addN(losses().map((l, k) => tf.mul(WEIGHTS[k]!, l))) as tf.Scalar, vars);
  const out = new Map(model.trainableWeights.map((w, i) => [w.originalName, grads[vars[i]!.name]!.dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads), x, h0, c0, ...ys]);
  return { losses: each, grads: out };
}

describe.each(['cpu', 'wasm'])('a 3-in, 3-out inference decoder on %s', (backend) => {
  beforeAll(() => selectBackend(backend as 'cpu' | 'wasm'));

  it("each output's loss = tfjs' on the eagerly run layers; the gradient of Σ w_k loss_k = tfjs autodiff", async () => {
    const bundle = loadModel(ckpt);
    expect(bundle.heads.map((h) => h.name)).toEqual(['probs', 'dec.1', 'dec.2']);
    const ds = await loadDataset({ data: dir, model: modelIONames(bundle.arch) });
    const obj = new LocalObjective(bundle, prepareModelData(ds, bundle), { batchSize: 3 });
    const want = truth();
    const before = tf.memory().numTensors;
    const ev = await obj.evaluate(bundle.theta0);
    const g = (await obj.grad(bundle.theta0)).grad;
    expect(tf.memory().numTensors).toBe(before);
    ev.outputs!.forEach((o, k) => expect(o.loss, o.name).toBeCloseTo(want.losses[k]!, 5));
    for (const b of bundle.layout.blocks) {
      const w = want.grads.get(b.name)!;
      const scale = Math.max(...Array.from(w, Math.abs));
      g.subarray(b.offset, b.offset + b.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${b.name}[${i}]`).toBeLessThan(1e-4 * scale));
    }
    // the states are read: the LSTM started from zero states computes another h loss
    const zeroStart = tf.tidy(() => {
      const h = (model.getLayer('dec').apply(tf.tensor3d(a.tok, [N, T, F])) as tf.Tensor[])[1]!;
      return tf.mean(tf.metrics.meanSquaredError(tf.tensor2d(a.hT, [N, U]), h)).dataSync()[0]!;
    });
    expect(Math.abs(ev.outputs![1]!.loss - zeroStart)).toBeGreaterThan(1e-3);
    obj.dispose();
  });
});
