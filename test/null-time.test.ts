/**
 * Sequence models whose time dimension is saved as null take the data's length, checked against
 * the dimensions the model fixes; and an LSTM's return_state tensors as model outputs (the seq2seq
 * encoder's shape: one input, outputs h and c). Loss equals tfjs-layers' own loss functions, the
 * gradient tfjs autodiff, the exact HVP central differences of the gradient — on cpu and wasm.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { dataInputShapes, fitModelToData } from '../src/objective/fit-inputs.js';
import { NULL_DIM_PROBE } from '../src/model/model-io.js';
import { buildPartsDataset } from '../src/io/dataset-build.js';
import type { Dataset } from '../src/io/types.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { uniform } from './helpers/seeded-values.js';

const N = 12,
  T = 5,
  F = 3,
  U = 4;
const init = (seed: number) => tf.initializers.randomNormal({ stddev: 0.5, seed });

/** [null, F] → LSTM(U) → Dense(2), MSE; or with return_state, outputs h and c (sigmoid gates: smooth, so central differences apply). */
function seqModel(states: boolean): tf.LayersModel {
  const x = tf.input({ shape: [null, F], name: 'tokens' });
  const lstm = tf.layers.lstm({
    units: U,
    returnState: states,
    name: 'enc',
    recurrentActivation: 'sigmoid',
    kernelInitializer: init(1),
    recurrentInitializer: init(2),
    biasInitializer: init(3),
  });
  const out = lstm.apply(x) as tf.SymbolicTensor | tf.SymbolicTensor[];
  const model = states
    ? tf.model({ inputs: x, outputs: (out as tf.SymbolicTensor[]).slice(1) })
    : tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2, name: 'head', kernelInitializer: init(4) }).apply(out) as tf.SymbolicTensor });
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  return model;
}

const xs = uniform(N * T * F, 21);

async function fitted(states: boolean) {
  const model = seqModel(states);
  const ckpt = await checkpointFromModel(model);
  const base = loadModel(ckpt);
  const ys = states ? [uniform(N * U, 22), uniform(N * U, 23)] : [uniform(N * 2, 24)];
  const ds: Dataset = states
    ? buildPartsDataset(
        'in-memory',
        N,
        [{ name: 'tokens', source: 'tokens.npy', shape: [T, F], values: xs, divisor: 1, labelKind: 'float' }],
        ys.map((y, k) => ({ name: `enc.${k + 1}`, source: `enc.${k + 1}.npy`, shape: [U], values: y, labelKind: 'float' as const })),
      )
    : (datasetOf(xs, [T, F], ys[0]!, 'float', [2]) as Dataset);
  const { model: bundle } = fitModelToData(ckpt, base, ds);
  return { model, base, bundle, ys, data: prepareModelData(ds, bundle) };
}

function reference(model: tf.LayersModel, ys: Float32Array[]): { loss: number; grad: Map<string, Float32Array> } {
  const x = tf.tensor(xs, [N, T, F]);
  const yt = ys.map((y) => tf.tensor2d(y, [N, y.length / N]));
  const fns = (model as any).lossFunctions as ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[];
  const vars = model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
  const f = () => {
    const out = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
    const preds = Array.isArray(out) ? out : [out];
    return tf.addN(fns.map((fn, k) => tf.mean(fn(yt[k]!, preds[k]!)))) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(f, vars);
  const loss = value.dataSync()[0]!;
  const grad = new Map(model.trainableWeights.map((w, i) => [w.originalName, grads[vars[i]!.name]!.dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads), x, ...yt]);
  return { loss, grad };
}

describe('a null time dimension', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it("is a probe length without data, the data's length with it", async () => {
    const { base, bundle } = await fitted(false);
    expect(base.arch.inputs![0]!.declared).toEqual([null, F]);
    expect(base.arch.inputShape).toEqual([NULL_DIM_PROBE, F]);
    expect(bundle.arch.inputShape).toEqual([T, F]);
    expect(bundle.checkpoint.io?.inputShapes).toEqual([[T, F]]);
  });

  it('flat data fixes the one null dimension by its size; data the fixed dimensions refuse is refused naming the file', async () => {
    const { base } = await fitted(false);
    const flat = datasetOf(xs, [T * F], uniform(N * 2, 1), 'float', [2]) as Dataset;
    expect(dataInputShapes(base.arch, flat)).toEqual([[T, F]]);
    expect(() => dataInputShapes(base.arch, datasetOf(uniform(N * T * 4, 1), [T, 4], uniform(N * 2, 1), 'float', [2]) as Dataset)).toThrow(
      /in-memory\.csv: input "tokens" takes \[null,3\] per sample; samples of shape \[5,4\]/,
    );
    expect(() => dataInputShapes(base.arch, datasetOf(uniform(N * 16, 1), [16], uniform(N * 2, 1), 'float', [2]) as Dataset)).toThrow(
      /samples of shape \[16\] \(16 values\) do not fit it/,
    );
  });
});

describe.each(['cpu', 'wasm'])('sequence models on %s', (backend) => {
  // double backprop for every model here: the forward-over-reverse recurrent rules have their own tests (rop-hvp)
  beforeAll(async () => {
    await selectBackend(backend);
    process.env.LOSSLENS_HVP = 'tape';
  });
  afterAll(() => {
    delete process.env.LOSSLENS_HVP;
  });

  it.each([false, true])('return_state outputs %s: loss and gradient equal tfjs, the exact HVP equals central differences', async (states) => {
    const { model, bundle, ys, data } = await fitted(states);
    if (states) expect(bundle.heads.map((h) => h.name)).toEqual(['enc.1', 'enc.2']);
    const ref = reference(model, ys);
    const obj = new LocalObjective(bundle, data, { batchSize: 5 });
    const fd = new LocalObjective(bundle, data, { batchSize: 5, hvp: 'fd' });
    const before = tf.memory().numTensors;
    expect(obj.hvpEngine()).toBe('double-backprop');
    const g = await obj.grad(bundle.theta0);
    expect(g.loss).toBeCloseTo(ref.loss, 5);
    for (const b of bundle.layout.blocks) {
      const w = ref.grad.get(b.name)!,
        scale = Math.max(...Array.from(w, Math.abs), 1e-3);
      g.grad.subarray(b.offset, b.offset + b.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${b.name}[${i}]`).toBeLessThan(2e-4 * scale));
    }
    const v = Float32Array.from({ length: bundle.layout.dim }, (_, i) => Math.cos(i + 0.5));
    const [h, hf] = [await obj.hvp(bundle.theta0, v), await fd.hvp(bundle.theta0, v)];
    expect(tf.memory().numTensors).toBe(before);
    const scale = Math.max(...h.map(Math.abs));
    // FD at t = 1e-2 along a unit direction: O(t²) truncation, well under 1 % of the largest entry
    h.forEach((x, i) => expect(Math.abs(x - hf[i]!)).toBeLessThan(1e-2 * scale));
    obj.dispose();
    fd.dispose();
    model.dispose();
  });
});
