/**
 * Kernel/bias regularizers belong to the training objective: losslens' loss must equal what
 * tfjs-layers itself minimises (trainOnBatch's total loss = data loss + penalties), for each kind;
 * grad and HVP carry the penalty's exact derivatives; --no-regularizers gives the data term alone.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { RegularizedObjective, regularize } from '../src/objective/regularized-objective.js';
import { createObjective } from '../src/objective/create-objective.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { parseRegularizer, findRegularizers } from '../src/model/regularizers.js';
import { modelCard } from '../src/model/model-card.js';
import { LosslensError } from '../src/errors.js';
import { analyzeHessian } from '../src/curvature/analyze-hessian.js';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { saveModel } from '../scripts/fixtures/writers.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';
import { runCli } from './helpers/run-cli.js';
import type { Checkpoint } from '../src/io/types.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const N = 40;
function data(seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const x = Float32Array.from({ length: N * 4 }, rnd);
  const y = Float32Array.from({ length: N }, (_, i) => i % 3);
  return { x, y };
}

type Reg = ReturnType<typeof tf.regularizers.l1l2>;
type Regs = { kernel?: Reg; bias?: Reg; kernel2?: Reg };

function net(regs: Regs, seed = 1): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 5,
      inputShape: [4],
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotNormal({ seed }),
      biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.5 }),
      kernelRegularizer: regs.kernel,
      biasRegularizer: regs.bias,
    }),
  );
  m.add(
    tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 2 }), kernelRegularizer: regs.kernel2 }),
  );
  m.compile({ optimizer: tf.train.sgd(0), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** tfjs-layers' own training loss on the whole set as one batch (lr 0: the weights do not move). */
async function tfjsTrainingLoss(m: tf.LayersModel, x: Float32Array, y: Float32Array): Promise<number> {
  const xs = tf.tensor2d(x, [N, 4]);
  const ys = tf.tensor2d(y, [N, 1]);
  const loss = (await m.trainOnBatch(xs, ys)) as number;
  xs.dispose();
  ys.dispose();
  return loss;
}

async function objectives(ck: Checkpoint, x: Float32Array, y: Float32Array) {
  const bundle = loadModel(ck);
  const prepared = prepareData(datasetOf(x, [4], y, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const plain = new LocalObjective(bundle, prepared, { batchSize: 16 });
  const reg = regularize(new LocalObjective(bundle, prepared, { batchSize: 16 }), bundle);
  return { bundle, plain, reg };
}

const KINDS: [string, Regs, (th: Float32Array, layout: { blocks: { offset: number; size: number }[] }) => number][] = [
  ['L2 on a kernel', { kernel: tf.regularizers.l2({ l2: 0.01 }) }, (t, l) => 0.01 * sq(t, l.blocks[0])],
  ['L1 on a bias', { bias: tf.regularizers.l1({ l1: 0.05 }) }, (t, l) => 0.05 * ab(t, l.blocks[1])],
  [
    'L1L2 on two kernels and a bias',
    { kernel: tf.regularizers.l1l2({ l1: 0.002, l2: 0.03 }), kernel2: tf.regularizers.l2({ l2: 0.001 }), bias: tf.regularizers.l1l2({ l1: 0.01, l2: 0.02 }) },
    (t, l) => 0.002 * ab(t, l.blocks[0]) + 0.03 * sq(t, l.blocks[0]) + 0.001 * sq(t, l.blocks[2]) + 0.01 * ab(t, l.blocks[1]) + 0.02 * sq(t, l.blocks[1]),
  ],
];

function sq(t: Float32Array, b: { offset: number; size: number }) {
  let s = 0;
  for (let i = b.offset; i < b.offset + b.size; i++) s += t[i] * t[i];
  return s;
}
function ab(t: Float32Array, b: { offset: number; size: number }) {
  let s = 0;
  for (let i = b.offset; i < b.offset + b.size; i++) s += Math.abs(t[i]);
  return s;
}

describe("the regularized objective equals tfjs-layers' own training loss", () => {
  for (const [name, regs, penalty] of KINDS) {
    it(name, async () => {
      const { x, y } = data(7);
      const m = net(regs);
      const ck = await checkpointFromModel(m);
      const truth = await tfjsTrainingLoss(m, x, y);
      const before = tf.memory().numTensors;
      const { bundle, plain, reg } = await objectives(ck, x, y);
      try {
        expect(reg).toBeInstanceOf(RegularizedObjective);
        const theta = bundle.theta0;
        const total = await reg.loss(theta);
        const data = await plain.loss(theta);
        expect(total).toBeCloseTo(truth, 5);
        expect(total - data).toBeCloseTo(penalty(theta, bundle.layout), 10);
        // evaluate reports the total loss (as Keras' model.evaluate does), accuracy unchanged
        const ev = await reg.evaluate(theta);
        const evPlain = await plain.evaluate(theta);
        expect(ev.loss).toBeCloseTo(truth, 5);
        expect(ev.accuracy).toBe(evPlain.accuracy);
        // gradient: data gradient + l1·sign(w) + 2·l2·w, checked against central differences of the total loss
        const { grad, loss, metrics } = await reg.grad(theta);
        expect(loss).toBeCloseTo(total, 6);
        // the gradient pass's metrics are evaluate's: the total loss, the data term's accuracy
        expect(metrics).toEqual({ ...ev, loss });
        const t64 = Float64Array.from(theta);
        for (const i of [0, 3, bundle.layout.blocks[1].offset + 1, bundle.layout.blocks[2].offset + 4]) {
          const h = 1e-2;
          const tp = Float32Array.from(t64, (v, j) => (j === i ? v + h : v));
          const tm = Float32Array.from(t64, (v, j) => (j === i ? v - h : v));
          const fd = ((await reg.loss(tp)) - (await reg.loss(tm))) / (2 * h);
          expect(grad[i]).toBeCloseTo(fd, 2);
        }
        // HVP: the penalty adds exactly 2·l2·v on its blocks
        const v = Float32Array.from({ length: theta.length }, (_, i) => Math.cos(i));
        const hv = await reg.hvp(theta, v);
        const hvPlain = await plain.hvp(theta, v);
        const l2 = KIND_L2(regs, bundle.layout.blocks.length);
        bundle.layout.blocks.forEach((b, k) => {
          for (let i = b.offset; i < b.offset + b.size; i++) expect(hv[i] - hvPlain[i]).toBeCloseTo(2 * l2[k] * v[i], 5);
        });
      } finally {
        plain.dispose();
        reg.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  }

  it('--no-regularizers (regularize(…, false)) leaves the data term alone', async () => {
    const { x, y } = data(3);
    const m = net({ kernel: tf.regularizers.l2({ l2: 0.5 }) });
    const ck = await checkpointFromModel(m);
    const bundle = loadModel(ck);
    const prepared = prepareData(datasetOf(x, [4], y, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const inner = new LocalObjective(bundle, prepared);
    expect(regularize(inner, bundle, false)).toBe(inner);
    const ev = (await m.evaluate(tf.tensor2d(x, [N, 4]), tf.tensor2d(y, [N, 1]))) as tf.Scalar;
    expect(await inner.loss(bundle.theta0)).toBeCloseTo((await ev.data())[0], 5); // tfjs' evaluate has no penalty
    inner.dispose();
    m.dispose();
    tf.disposeVariables();
  });

  it('a worker pool gets the same penalty as the in-process objective', async () => {
    const { x, y } = data(5);
    const m = net({ kernel: tf.regularizers.l1l2({ l1: 0.01, l2: 0.02 }) });
    const ck = await checkpointFromModel(m);
    const bundle = loadModel(ck);
    const prepared = prepareData(datasetOf(x, [4], y, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const local = await createObjective(ck, prepared, { workers: 1, backend: 'cpu' });
    const pool = (await createObjective(ck, prepared, { workers: 2, backend: 'cpu' })) as RegularizedObjective;
    try {
      expect(pool).toBeInstanceOf(RegularizedObjective);
      // members beyond the interface's core are the inner objective's own
      expect((pool as unknown as { workers: number }).workers).toBe(2);
      const size = (o: unknown) => (o as { batchSize?: number }).batchSize;
      expect(size(local)).toBe(size((local as RegularizedObjective).inner));
      expect(typeof size(local)).toBe('number');
      expect(await pool.loss(bundle.theta0)).toBeCloseTo(await local.loss(bundle.theta0), 6);
      expect(await pool.loss(bundle.theta0)).toBeCloseTo(await tfjsTrainingLoss(m, x, y), 5);
    } finally {
      local.dispose();
      await pool.close();
      m.dispose();
    }
  });
});

function KIND_L2(regs: Regs, blocks: number): number[] {
  const l2 = (r?: Reg) => (r as unknown as { l2?: number })?.l2 ?? 0;
  return [l2(regs.kernel), l2(regs.bias), l2(regs.kernel2), 0].slice(0, blocks);
}

describe("the Hessian analysed is the training objective's: ridge regression", () => {
  it('L2(λ) on a linear model: eigenvalues of 2XᵀX/N + 2λI, trace 2·tr(XᵀX)/N + 2λd', async () => {
    const d = 4;
    const n = 50;
    const lambda = 0.25;
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(1.3 * i) * (1 + (i % d)));
    const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 1, inputShape: [d], useBias: false, kernelInitializer: 'zeros', kernelRegularizer: tf.regularizers.l2({ l2: lambda }) }));
    m.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const ck = await checkpointFromModel(m);
    m.dispose();
    const bundle = loadModel(ck);
    const prepared = prepareData(datasetOf(x, [d], y, 'float', [1]), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const obj = regularize(new LocalObjective(bundle, prepared), bundle);
    const xtx = new Matrix(d, d);
    for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) xtx.set(i, j, xtx.get(i, j) + x[r * d + i] * x[r * d + j]);
    const H = xtx.mul(2 / n).add(Matrix.eye(d).mul(2 * lambda));
    const eig = new EigenvalueDecomposition(H).realEigenvalues.sort((a, b) => b - a);
    const r = await analyzeHessian(obj, { maxIter: 20, probes: 40, slqOrder: 4, slqProbes: 2, tol: 1e-6, top: 2, bottom: 1, seed: 1 });
    expect(r.eigenvalues.top[0]).toBeCloseTo(eig[0], 3);
    expect(r.eigenvalues.top[1]).toBeCloseTo(eig[1], 3);
    expect(r.eigenvalues.bottom[0]).toBeCloseTo(eig[d - 1], 3);
    expect(eig[d - 1]).toBeGreaterThan(2 * lambda - 1e-9); // the ridge lifts the floor to ≥ 2λ
    const tr = eig.reduce((a, b) => a + b, 0);
    expect(Math.abs(r.trace.estimate - tr)).toBeLessThan(3 * (r.trace.stderr ?? 0) + 1e-3 * tr);
    obj.dispose();
  });
});

describe('regularizer configs as Keras 2, Keras 3 and tfjs-layers write them', () => {
  const F = 'm.json';
  it('reads each serialization', () => {
    expect(parseRegularizer({ class_name: 'L2', config: { l2: 0.001 } }, F, 'x')).toEqual({ l1: 0, l2: 0.001 });
    expect(parseRegularizer({ class_name: 'L1', config: { l1: 0.2 } }, F, 'x')).toEqual({ l1: 0.2, l2: 0 });
    expect(parseRegularizer({ class_name: 'L1L2', config: { l1: 0, l2: 0.001 } }, F, 'x')).toEqual({ l1: 0, l2: 0.001 });
    expect(parseRegularizer({ className: 'L1L2', config: { l1: 0.1, l2: 0.2 } }, F, 'x')).toEqual({ l1: 0.1, l2: 0.2 });
    expect(parseRegularizer({ module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.0005 }, registered_name: null }, F, 'x')).toEqual({
      l1: 0,
      l2: 0.0005,
    });
    expect(parseRegularizer({ class_name: 'l1_l2', config: { l1: 0.3, l2: 0.4 } }, F, 'x')).toEqual({ l1: 0.3, l2: 0.4 });
    expect(parseRegularizer('l2', F, 'x')).toEqual({ l1: 0, l2: 0.01 });
    expect(parseRegularizer({ class_name: 'L1L2', config: {} }, F, 'x')).toEqual({ l1: 0.01, l2: 0.01 }); // tfjs' defaults
    expect(parseRegularizer(null, F, 'x')).toBeNull();
  });

  it('refuses an unknown class or a bad factor, naming the file, layer, field and the remedy', () => {
    const err = (v: unknown) => {
      try {
        parseRegularizer(v, F, 'layer "dense" kernel_regularizer');
      } catch (e) {
        return e as LosslensError;
      }
      throw new Error('no error');
    };
    const e = err({ class_name: 'OrthogonalRegularizer', config: { factor: 0.01 } });
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(
      /^m\.json: layer "dense" kernel_regularizer: unsupported regularizer class "OrthogonalRegularizer"; supported: L1, L2, L1L2 .*--no-regularizers/,
    );
    expect(err({ class_name: 'L2', config: { l2: -1 } }).message).toMatch(/l2 = -1/);
    expect(err({ class_name: 'L2', config: { l2: 'a' } }).message).toMatch(/finite number/);
  });
});

/** A model.json whose first Dense layer's config is patched (regularizers tfjs-layers cannot build, e.g. activity ones). */
async function patchedModel(dir: string, patch: (layerConfig: any) => void): Promise<string> {
  const m = net({});
  await saveModel(m, dir);
  m.dispose();
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  patch(json.modelTopology.config.layers[0].config);
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

function writeCsv(file: string, x: Float32Array, y: Float32Array) {
  const rows = ['x1,x2,x3,x4,label'];
  for (let i = 0; i < N; i++) rows.push([...x.subarray(i * 4, i * 4 + 4)].join(',') + ',' + y[i]);
  fs.writeFileSync(file, rows.join('\n') + '\n');
}

describe('through the CLI', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-reg-'));
  const { x, y } = data(11);
  const csv = path.join(tmp, 'data.csv');
  writeCsv(csv, x, y);

  it('eval includes a Keras-2 L2(0.001) kernel penalty by default, drops it with --no-regularizers; info lists it', async () => {
    const dir = path.join(tmp, 'keras2-l2');
    await patchedModel(dir, (c) => (c.kernel_regularizer = { class_name: 'L2', config: { l2: 0.001 } }));
    const ck = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const info = await runCli(['info', '--model', dir, '--backend', 'cpu']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/regularizers: .*\/kernel L2\(0\.001\) — included in the objective/);
    expect(info.stdout).toMatch(/objective: sparseCategoricalCrossentropy \+ L2\(0\.001\) on /);
    const on = await runCli(['eval', '--model', dir, '--data', csv, '--backend', 'cpu', '--out', path.join(tmp, 'on'), '--json', '--quiet']);
    expect(on.code, on.stderr).toBe(0);
    const off = await runCli([
      'eval',
      '--model',
      dir,
      '--data',
      csv,
      '--backend',
      'cpu',
      '--out',
      path.join(tmp, 'off'),
      '--json',
      '--quiet',
      '--no-regularizers',
    ]);
    expect(off.code, off.stderr).toBe(0);
    const a = JSON.parse(on.stdout);
    const b = JSON.parse(off.stdout);
    expect(a.objective.regularizers).toBe('included');
    expect(b.objective.regularizers).toBe('excluded');
    expect(b.objective.description).toMatch(/excluded by --no-regularizers/);
    // the two differ by exactly the penalty 0.001·Σw² of the first kernel
    const data = fs.readFileSync(path.join(dir, 'weights.bin'));
    const k = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + 4 * 4 * 5));
    expect(ck.weightsManifest[0].weights[0].shape).toEqual([4, 5]);
    expect(a.loss - b.loss).toBeCloseTo(0.001 * k.reduce((s, w) => s + w * w, 0), 7);
    expect(a.model.objective.terms).toEqual([
      { layer: expect.any(String), weight: expect.stringMatching(/kernel/), field: 'kernel_regularizer', l1: 0, l2: 0.001 },
    ]);
  });

  it('an activity regularizer is refused by name with the remedy; --no-regularizers runs', async () => {
    const dir = path.join(tmp, 'activity');
    await patchedModel(dir, (c) => (c.activity_regularizer = { class_name: 'L1L2', config: { l1: 0.01, l2: 0 } }));
    const r = await runCli(['eval', '--model', dir, '--data', csv, '--backend', 'cpu', '--out', path.join(tmp, 'act'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/model\.json: layer "\w+" has activity_regularizer .*not supported.*--no-regularizers/);
    const ok = await runCli(['eval', '--model', dir, '--data', csv, '--backend', 'cpu', '--out', path.join(tmp, 'act2'), '--quiet', '--no-regularizers']);
    expect(ok.code, ok.stderr).toBe(0);
    const info = await runCli(['info', '--model', dir, '--backend', 'cpu']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/activity L1\(0\.01\)/);
  });

  it('the library card and finder agree on a frozen layer: its penalty is not part of θ', async () => {
    const m = net({ kernel: tf.regularizers.l2({ l2: 0.1 }), kernel2: tf.regularizers.l2({ l2: 0.2 }) });
    m.layers[0].trainable = false;
    const ck = await checkpointFromModel(m);
    const bundle = loadModel(ck);
    const reg = findRegularizers(bundle.arch, bundle.layout, ck.path);
    expect(reg.terms.map((t) => t.l2)).toEqual([0.2]);
    expect(modelCard(bundle).objective.terms).toHaveLength(1);
    m.dispose();
  });
});
