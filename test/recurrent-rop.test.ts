/**
 * The forward-over-reverse rules of SimpleRNN, LSTM and GRU (src/objective/rop/recurrent.ts and its
 * steps) on tiny models (units 3, 4 steps) built with tfjs-layers, on the cpu backend and on wasm
 * with and without the native kernels: the rules really run; the loss of the rules' gradient pass
 * is the loss pass's to the bit; the gradient equals the tape's; the HVP equals double backprop's
 * (LOSSLENS_HVP=tape) to float32 rounding and central differences of the gradient to their
 * truncation; the explicit Hessian built from the rules' HVPs is symmetric. Sigmoid gates, biases
 * of spread 0.5 and inputs of spread 1.5 put every hard-sigmoid gate both inside and outside its
 * linear range and make each curvature term count, so a term dropped or mis-signed fails here.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { createRng } from '../src/random.js';
import { PATHS, asymmetry, rel, setupRules, tapeObjective, unit } from './helpers/rop-rules-check.js';

const T = 4,
  F = 2,
  N = 10,
  CLASSES = 3;
const init = (seed: number) => ({
  kernelInitializer: tf.initializers.glorotNormal({ seed }),
  recurrentInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }),
  biasInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: seed + 2 }),
});
const rnn = (seed: number) => ({ units: 3, ...init(seed) });
const head = () => tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 9 }) });
const IN = { inputShape: [T, F] };

const CASES: { name: string; layers: () => tf.layers.Layer[] }[] = [
  { name: 'LSTM, hard_sigmoid gates', layers: () => [tf.layers.lstm({ ...rnn(1), ...IN }), head()] },
  {
    name: 'LSTM, sigmoid gates, go_backwards',
    layers: () => [tf.layers.lstm({ ...rnn(2), ...IN, recurrentActivation: 'sigmoid', goBackwards: true }), head()],
  },
  { name: 'GRU, sigmoid gates', layers: () => [tf.layers.gru({ ...rnn(3), ...IN, recurrentActivation: 'sigmoid' }), head()] },
  {
    name: 'GRU, hard_sigmoid, go_backwards, return_sequences → Flatten',
    layers: () => [tf.layers.gru({ ...rnn(4), ...IN, goBackwards: true, returnSequences: true }), tf.layers.flatten(), head()],
  },
  {
    name: 'SimpleRNN return_sequences → LSTM (sigmoid): the input tangent path',
    layers: () => [tf.layers.simpleRNN({ ...rnn(5), ...IN, returnSequences: true }), tf.layers.lstm({ ...rnn(6), recurrentActivation: 'sigmoid' }), head()],
  },
  {
    name: 'LSTM return_sequences → GRU (sigmoid)',
    layers: () => [tf.layers.lstm({ ...rnn(7), ...IN, returnSequences: true }), tf.layers.gru({ ...rnn(8), recurrentActivation: 'sigmoid' }), head()],
  },
  { name: 'SimpleRNN relu', layers: () => [tf.layers.simpleRNN({ ...rnn(10), ...IN, activation: 'relu' }), head()] },
];

const setup = (layers: tf.layers.Layer[]) => setupRules(layers, [T, F], N, CLASSES);

describe.each(PATHS)('recurrent forward-over-reverse rules on %s (%s)', (backend, kernels) => {
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (kernels === 'native' ? installNativeKernels : uninstallNativeKernels)();
  });

  it.each(CASES)("$name: rules run; loss to the bit; gradient and HVP = the tape's; HVP = central FD", async (c) => {
    const { bundle, prepared } = await setup(c.layers());
    const obj = new LocalObjective(bundle, prepared, { batchSize: 4 }),
      theta = bundle.theta0,
      d = bundle.layout.dim;
    expect([obj.hvpEngine(), obj.gradEngine()]).toEqual(['forward-over-reverse', 'rules']);
    const tape = await tapeObjective(bundle, prepared, 4);
    expect([tape.hvpEngine(), tape.gradEngine()]).toEqual(['double-backprop', 'tape']);
    const fd = new LocalObjective(bundle, prepared, { batchSize: 4, hvp: 'fd', fdStep: 1e-2 });
    const before = tf.memory().numTensors;
    const g = await obj.grad(theta);
    expect(g.loss).toBe((await obj.evaluate(theta)).loss); // the loss pass's ops, float32 for float32
    expect(rel(g.grad, (await tape.grad(theta)).grad)).toBeLessThan(2e-6);
    const rng = createRng(17);
    for (let k = 0; k < 2; k++) {
      const v = Float32Array.from({ length: d }, () => rng.normal());
      const hv = await obj.hvp(theta, v);
      expect(rel(hv, await tape.hvp(theta, v))).toBeLessThan(1e-5);
      expect(rel(hv, await fd.hvp(theta, v))).toBeLessThan(5e-3);
    }
    expect(tf.memory().numTensors).toBe(before);
    [obj, tape, fd].forEach((o) => o.dispose());
  });

  it.each(CASES.filter((_, i) => i % 2 === 0 || backend === 'cpu'))(
    "$name: the explicit Hessian from the rules is symmetric and its columns are double backprop's",
    async (c) => {
      const { bundle, prepared } = await setup(c.layers());
      const obj = new LocalObjective(bundle, prepared),
        theta = bundle.theta0,
        d = bundle.layout.dim;
      const tape = await tapeObjective(bundle, prepared);
      // 40 coordinates spread over every weight, a column per HVP: H[S, S] symmetric, and four columns double backprop's
      const S = Array.from({ length: Math.min(d, 40) }, (_, k) => Math.floor((k * d) / Math.min(d, 40)));
      const H: Float32Array[] = [];
      for (const j of S) H.push(await obj.hvp(theta, unit(d, j)));
      expect(asymmetry(H.map((col) => Float32Array.from(S, (i) => col[i]!)))).toBeLessThan(2e-6);
      for (const k of [0, 13, 27, S.length - 1]) expect(rel(H[k]!, await tape.hvp(theta, unit(d, S[k]!)))).toBeLessThan(1e-5);
      obj.dispose();
      tape.dispose();
    },
  );
});
