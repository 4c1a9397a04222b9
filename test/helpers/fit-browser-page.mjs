/**
 * The page module of test/fit-browser.test.ts, run in headless Chromium: a small conv net (Conv2D-tanh →
 * MaxPool → Dense-softmax, seeded Glorot) trained with model.fit on a seeded dataset, with or without the
 * browser build of lossLensCallback. `window.fitRun(backend, withCallback)` returns what the test checks: the
 * records, the final weights, the weights and checkpoint at the last measurement, the figure specs' names, and
 * the tensor count after the fit.
 */
import * as tf from '@tensorflow/tfjs';
import { lossLensCallback } from '/losslens-fit.js';

const N = 32;

/** x: N samples of 6×6×1 from a seeded LCG; y: one-hot of 3 classes by the sign pattern of two pixel sums. */
function dataset() {
  let s = 12345;
  const rnd = () => ((s = (1103515245 * s + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = Float32Array.from({ length: N * 36 }, rnd);
  const y = new Float32Array(N * 3);
  for (let i = 0; i < N; i++) {
    const a = x.slice(i * 36, i * 36 + 18).reduce((p, v) => p + v, 0);
    const b = x.slice(i * 36 + 18, i * 36 + 36).reduce((p, v) => p + v, 0);
    y[i * 3 + (a > 0 ? 0 : b > 0 ? 1 : 2)] = 1;
  }
  return { x, y };
}

/** The conv net, or (`dense`) Flatten → Dense-tanh → Dense-softmax for backends without convolution gradients (stock wasm). */
function model(dense = false) {
  const init = (seed) => tf.initializers.glorotUniform({ seed });
  const layers = dense
    ? [
        tf.layers.flatten({ inputShape: [6, 6, 1] }),
        tf.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: init(1) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
      ]
    : [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'tanh', kernelInitializer: init(1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
      ];
  const m = tf.sequential({ layers });
  m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  return m;
}

const values = (m) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** The model's topology and training config as losslens' Checkpoint wants them (weights given separately). */
async function topology(m) {
  let out;
  await m.save(tf.io.withSaveHandler(async (a) => ((out = { modelTopology: a.modelTopology, specs: a.weightSpecs }), { modelArtifactsInfo: {} })));
  return { ...out, trainingConfig: m.getTrainingConfig() };
}

window.fitRun = async (backend, withCallback, dense = false) => {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  const d = dataset();
  const x = tf.tensor4d(d.x, [N, 6, 6, 1]);
  const y = tf.tensor2d(d.y, [N, 3]);
  const m = model(dense);
  const before = tf.memory().numTensors;
  const records = [];
  let last = null;
  const onMeasurement = (r) => {
    records.push(r);
    last = values(m);
  };
  const cb = withCallback ? lossLensCallback({ every: 4, budget: 100, probe: { x, y }, seed: 7, onMeasurement }) : null;
  await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, callbacks: cb ? [cb] : [] });
  const after = tf.memory().numTensors;
  const out = {
    backend: tf.getBackend(),
    records,
    sameRecords: cb ? cb.records.length === records.length : true,
    weights: values(m),
    last,
    figures: cb ? cb.figureSpecs().map((f) => f.name) : [],
    summary: cb ? cb.summary : null,
    tensorsAdded: after - before,
    topology: await topology(m),
    probe: { x: Array.from(d.x), y: Array.from(d.y) },
  };
  m.dispose();
  tf.dispose([x, y]);
  return out;
};

/** `out` is Node-only: the callback refuses it before the first batch, naming the option. */
window.outRefused = async () => {
  const m = model();
  const x = tf.zeros([4, 6, 6, 1]);
  const y = tf.zeros([4, 3]);
  try {
    await m.fit(x, y, { epochs: 1, batchSize: 4, callbacks: [lossLensCallback({ probe: { x, y }, out: 'runs/x', noiseGroups: 0 })] });
    return 'fit ran';
  } catch (e) {
    return String(e.message);
  } finally {
    m.dispose();
    tf.dispose([x, y]);
  }
};

/** Load tfjs-backend-wasm (its one-file ESM build, served with its .wasm files under /wasm/); returns the backends registered. */
window.loadWasm = async () => {
  const wasm = await import('/tf-backend-wasm.js');
  wasm.setWasmPaths('/wasm/');
  return Object.keys(tf.engine().registryFactory);
};

window.pageReady = true;
