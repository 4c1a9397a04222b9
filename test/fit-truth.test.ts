/**
 * The callback's numbers against ground truths on the checkpoint it saved at the same step: λmax and tr(H) of the
 * Hessian assembled column by column, per-layer gradient norms and the loss from tfjs' own model in inference mode,
 * the trace probes and noise minibatches redrawn from the step's seed; and the run folder it wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lossLensCallback, type FitRecord } from '../src/entries/fit.js';
import { measurementSeed } from '../src/fit/measure.js';
import { probeData } from '../src/fit/probe-data.js';
import { createObjective, loadModel, readCheckpoint, startEngine, stopEngine, analyzeGradients } from '../src/index.js';
import { hutchinsonTrace, symmetricEigenvalues } from '../src/entries/curvature.js';
import { healthData, healthNet, withSeededMathRandom } from './helpers/fit-nets.js';

await tf.setBackend('cpu');
const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-fit-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** ‖∂L/∂W‖ per layer (all its trainable weights) of tfjs' own model in inference mode, and the loss. */
function tfjsLayerNorms(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): { loss: number; norms: number[] } {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar,
      vars,
    );
    const perLayer = new Map<string, number>();
    model.trainableWeights.forEach((w, i) => {
      const layer = w.originalName.split('/')[0]!;
      perLayer.set(layer, (perLayer.get(layer) ?? 0) + tf.sum(tf.square(grads[vars[i]!.name]!)).dataSync()[0]!);
    });
    return { loss: value.dataSync()[0]!, norms: [...perLayer.values()].map(Math.sqrt) };
  });
}

describe('lossLensCallback: its measurements are the step checkpoint’s', () => {
  const probe = healthData(48, 9);
  let cb: ReturnType<typeof lossLensCallback>;
  let last: FitRecord;
  let truth: { loss: number; norms: number[] };

  it('trains and saves a checkpoint at each measurement; the last one holds the final weights', async () => {
    const { x, y } = healthData(64);
    const model = healthNet(tf.train.sgd(0.5));
    cb = lossLensCallback({ every: 4, budget: 100, out: dir, probe, checkpoints: true, lanczosIter: 40, traceProbes: 20, noiseBatch: 6, noiseGroups: 3 });
    await withSeededMathRandom(3, () => model.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [cb] }));
    last = cb.records.at(-1)!;
    expect(last.step).toBe(8);
    const saved = await readCheckpoint(path.join(dir, 'checkpoints/step-8'));
    expect(saved.weights.map((w) => [...w.values])).toEqual(model.getWeights().map((w) => [...w.dataSync()]));
    truth = tfjsLayerNorms(model, probe.x, probe.y);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('loss and per-layer gradient norms equal tfjs’ own (inference mode) to float32 rounding', () => {
    expect(Math.abs(last.loss / truth.loss - 1)).toBeLessThan(1e-5);
    expect(last.gradNorms!.length).toBe(truth.norms.length);
    last.gradNorms!.forEach((g, i) => expect(Math.abs(g.norm / truth.norms[i]! - 1)).toBeLessThan(1e-4));
  });

  it('λmax within its residual of the assembled Hessian’s, the trace within 4 standard errors of tr(H), and the same probes redrawn from the step seed', async () => {
    await startEngine({ backend: 'cpu' });
    const ckpt = await readCheckpoint(path.join(dir, 'checkpoints/step-8'));
    const objective = await createObjective(ckpt, probeData(probe, loadModel(ckpt)));
    try {
      const n = objective.layout.dim;
      const h = new Float64Array(n * n);
      for (let j = 0; j < n; j++) {
        const e = new Float32Array(n);
        e[j] = 1;
        (await objective.hvp(objective.theta0, e)).forEach((v, i) => (h[i * n + j] = v));
      }
      let trace = 0;
      for (let i = 0; i < n; i++) trace += h[i * n + i]!;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) h[i * n + j] = h[j * n + i] = (h[i * n + j]! + h[j * n + i]!) / 2;
      const top = symmetricEigenvalues(h, n).values.at(-1)!;
      const lm = last.lambdaMax!;
      expect(lm.residual).toBeLessThan(1e-3 * lm.value);
      expect(Math.abs(lm.value - top)).toBeLessThanOrEqual(lm.residual + 1e-5 * top);
      expect(Math.abs(last.trace!.value - trace)).toBeLessThan(4 * last.trace!.stderr);
      const matvec = async (v: Float64Array) => Float64Array.from(await objective.hvp(objective.theta0, Float32Array.from(v)));
      const again = await hutchinsonTrace(matvec, n, { probes: 20, seed: measurementSeed(0, 8) + 1 });
      expect(Math.abs(again.estimate / last.trace!.value - 1)).toBeLessThan(1e-9);
    } finally {
      objective.dispose();
      stopEngine();
    }
  });

  it('the noise is what `gradients --noise` computes on the checkpoint with the step seed', async () => {
    await startEngine({ backend: 'cpu' });
    try {
      const bundle = loadModel(await readCheckpoint(path.join(dir, 'checkpoints/step-8')));
      const g = await analyzeGradients(bundle, probeData(probe, bundle), {
        batches: 1,
        batchSize: 6,
        seed: measurementSeed(0, 8),
        noise: { groups: 3, groupSize: 4 },
      });
      expect(last.noise!.bSimple).toBeCloseTo(g.noise!.overall.bSimple.value, 9);
      expect(last.noise!.snr).toBeCloseTo(g.noise!.overall.snr.value, 9);
    } finally {
      stopEngine();
    }
  });

  it('the run folder: run.json finished, every record one line, the figures and summary', async () => {
    const run = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8'));
    expect(run).toMatchObject({
      schema: 'losslens-fit/1',
      finished: true,
      optimizer: { name: 'SGD', learningRate: 0.5 },
      backend: 'cpu',
      model: { params: 147 },
    });
    const lines = (await readFile(path.join(dir, 'measurements.jsonl'), 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual(cb.records);
    const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ measurements: 2, steps: 8, skipped: 0, lambdaMaxLast: last.lambdaMax!.value, twoOverEta: 4 });
    expect(summary.figures).toEqual(['sharpness.png', 'trace.png', 'grad-norms.png', 'noise.png']);
    for (const f of summary.figures) {
      const png = await readFile(path.join(dir, f));
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([800, 600]);
    }
    tf.dispose([probe.x, probe.y]);
  });
});
