/**
 * Every tfjs-layers loss (and the crossentropies on logits) against tfjs itself, on a small Dense
 * net per loss: our loss equals tfjs-layers' model.evaluate compiled with that loss (on logits: tfjs-core's
 * softmax/sigmoid cross-entropy of the output); our gradient
 * (the forward-over-reverse rules, and the tape) equals tfjs autodiff of tfjs's own loss; the HVP
 * of the rules equals double backprop's, central differences of the gradient, and the explicit
 * Hessian built from HVP columns is symmetric. On cpu and wasm (run again with LOSSLENS_NATIVE=0).
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { LOSS_CASES, caseName, lossFixture, type LossFixture } from './helpers/loss-cases.js';

afterEach(() => {
  delete process.env.LOSSLENS_HVP;
  delete process.env.LOSSLENS_GRAD;
});

/** tfjs autodiff of tfjs's own loss of the model (the batch mean), in the layout's order. */
function tfjsGradient(f: LossFixture): Float32Array {
  return tf.tidy(() => {
    const vars = f.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const xs = tf.tensor2d(f.x),
      ys = tf.tensor(f.y, f.yShape);
    const { grads } = tf.variableGrads(() => tf.mean(f.truth(ys, f.model.apply(xs) as tf.Tensor)) as tf.Scalar, vars);
    return Float32Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())));
  });
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

async function objectives(f: LossFixture, fdStep = 1e-2) {
  const bundle = loadModel(f.ckpt);
  const data = prepareData(f.dataset, bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const make = (o = {}) => new LocalObjective(bundle, data, { batchSize: 10, ...o }); // 24 = 10 + 10 + 4
  return { bundle, rules: make(), tape: make(), fd: make({ hvp: 'fd', fdStep }) };
}

/** The explicit Hessian from the rules' HVP columns: its largest entry, asymmetry, and every 4th column against double backprop and FD. */
async function hessianChecks({ bundle, rules, tape, fd }: Awaited<ReturnType<typeof objectives>>) {
  const d = bundle.layout.dim,
    theta = bundle.theta0;
  const H: Float32Array[] = [];
  let tapeErr = 0,
    fdErr = 0;
  for (let j = 0; j < d; j++) {
    const e = new Float32Array(d);
    e[j] = 1;
    H.push(await rules.hvp(theta, e));
    if (j % 4 !== 0) continue;
    process.env.LOSSLENS_HVP = 'tape';
    tapeErr = Math.max(tapeErr, maxDiff(await tape.hvp(theta, e), H[j]!));
    delete process.env.LOSSLENS_HVP;
    fdErr = Math.max(fdErr, maxDiff(await fd.hvp(theta, e), H[j]!));
  }
  let asym = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
  return { top: Math.max(...H.map(maxAbs)), asym, tapeErr, fdErr };
}

describe.each(['cpu', 'wasm'])('every tfjs-layers loss on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(LOSS_CASES.map((c) => [caseName(c), c] as const))('%s: loss = model.evaluate, gradient = tfjs autodiff', async (_name, c) => {
    const f = await lossFixture(c);
    const { bundle, rules } = await objectives(f);
    const before = tf.memory().numTensors;
    // tfjs-layers runs no loss on logits by name: those take tfjs-core's losses on the model's output
    const ref = tf.tidy(() => {
      const xs = tf.tensor2d(f.x),
        ys = tf.tensor(f.y, f.yShape);
      return (c.logits ? tf.mean(f.truth(ys, f.model.predict(xs) as tf.Tensor)) : (f.model.evaluate(xs, ys) as tf.Scalar)).dataSync()[0]!;
    });
    const ev = await rules.evaluate(bundle.theta0);
    expect(Math.abs(ev.loss - ref)).toBeLessThan(1e-5 * (1 + Math.abs(ref)));
    const truth = tfjsGradient(f);
    const g = (await rules.grad(bundle.theta0)).grad;
    process.env.LOSSLENS_GRAD = 'tape';
    const gt = (await rules.grad(bundle.theta0)).grad;
    const scale = 1 + maxAbs(truth);
    expect(maxDiff(g, truth)).toBeLessThan(1e-5 * scale);
    expect(maxDiff(gt, truth)).toBeLessThan(1e-5 * scale);
    expect(tf.memory().numTensors).toBe(before);
    rules.dispose();
    f.model.dispose();
  });

  it.each(LOSS_CASES.map((c) => [caseName(c), c] as const))('%s: HVP = double backprop = central differences; its Hessian is symmetric', async (_name, c) => {
    const f = await lossFixture(c);
    f.model.dispose();
    const objs = await objectives(f, c.fdStep);
    const before = tf.memory().numTensors;
    const { top, asym, tapeErr, fdErr } = await hessianChecks(objs);
    expect(top).toBeGreaterThan(1e-3); // a Hessian that is not zero (piecewise-linear losses curve through the tanh layer)
    expect(asym).toBeLessThan(1e-4 * top);
    expect(tapeErr).toBeLessThan(1e-4 * top);
    // FD with t = 1e-2: truncation O(t²·|∇³L|) + roundoff O(1e-7·|∇L|/t)
    expect(fdErr).toBeLessThan(5e-3 * top);
    expect(tf.memory().numTensors).toBe(before);
    for (const o of [objs.rules, objs.tape, objs.fd]) o.dispose();
  });
});
