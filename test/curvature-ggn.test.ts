/**
 * The Gauss–Newton and empirical-Fisher products against explicit matrices on small nets:
 * J built row by row from vjps with one-hot cotangents, H_z from the closed forms in float64,
 * G = Σᵢ JᵢᵀHᵢJᵢ/B; F = Σᵢ gᵢgᵢᵀ/B from per-sample gradients of the tfjs loss; and on a
 * linear model with MSE, where the GGN is the Hessian.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel, type ModelBundle } from '../src/objective/model-bundle.js';
import { forward } from '../src/model/forward.js';
import { perSampleLoss } from '../src/model/loss.js';
import { batchCurvatureProduct, logitsOf } from '../src/objective/curvature-products.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';

async function bundleOf(layers: tf.layers.Layer[], loss: string): Promise<ModelBundle> {
  const model = tf.sequential({ layers });
  model.compile({ loss, optimizer: 'sgd' });
  const b = loadModel(await checkpointFromModel(model));
  model.dispose();
  return b;
}

function setup(bundle: ModelBundle, x: number[][], y: number[][]) {
  const params = () => bundle.layout.blocks.map((b) => tf.tensor(bundle.theta0.subarray(b.offset, b.offset + b.size), b.shape));
  const xs = tf.tensor2d(x),
    ys = tf.tensor2d(y);
  const output = (ps: tf.Tensor[]) => {
    const ws: tf.Tensor[] = [];
    bundle.indices.forEach((idx, i) => (ws[idx] = ps[i]));
    return forward(bundle.arch, ws, xs);
  };
  return { params, xs, ys, output };
}

const flat = (ts: tf.Tensor[]) => {
  const c = tf.tidy(() => tf.concat(ts.map((t) => t.reshape([-1]))));
  const out = Float64Array.from(c.dataSync());
  c.dispose();
  return out;
};
const toParams = (bundle: ModelBundle, v: Float64Array) =>
  bundle.layout.blocks.map((b) => tf.tensor(Float32Array.from(v.subarray(b.offset, b.offset + b.size)), b.shape));

describe('GGN and empirical Fisher products (cpu)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });
  const rng = createRng(3);
  const B = 6;
  const x = Array.from({ length: B }, () => [rng.normal(), rng.normal()]);

  for (const [loss, act, K] of [
    ['categoricalCrossentropy', 'softmax', 3],
    ['binaryCrossentropy', 'sigmoid', 2],
    ['meanSquaredError', 'linear', 2],
  ] as const) {
    it(`${loss}: Gv = Jᵀ H_z J v and Fv = Σ gᵢgᵢᵀv/B against explicit matrices, PSD`, async () => {
      const bundle = await bundleOf([tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }), tf.layers.dense({ units: K, activation: act })], loss);
      const y = x.map((_, i) =>
        Array.from({ length: K }, (_, k) =>
          loss === 'meanSquaredError' ? rng.normal() : loss === 'categoricalCrossentropy' ? (k === i % K ? 1 : 0) : (i + k) % 2,
        ),
      );
      const s = setup(bundle, x, y);
      const d = bundle.layout.dim;
      // J: row (i, k) = ∂z_ik/∂θ by a vjp with a one-hot cotangent
      const ps = s.params();
      const z = tf.tidy(() => logitsOf(bundle.loss, s.output(ps)));
      const zv = z.arraySync() as number[][];
      const J: Float64Array[][] = zv.map((row, i) =>
        row.map((_, k) => {
          const e = tf.tidy(() =>
            tf
              .oneHot([i * K + k], B * K)
              .reshape([B, K])
              .toFloat(),
          );
          const g = tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(logitsOf(bundle.loss, s.output(p)), e)) as tf.Scalar)(ps);
          const r = flat(g);
          tf.dispose([e, ...g]);
          return r;
        }),
      );
      // per-sample gradients of the tfjs loss itself (clipping included) for the Fisher
      const gs = x.map((_, i) => {
        const xi = tf.tensor2d([x[i]]),
          yi = tf.tensor2d([y[i]]);
        const g = tf.grads((...p: tf.Tensor[]) => {
          const ws: tf.Tensor[] = [];
          bundle.indices.forEach((idx, j) => (ws[idx] = p[j]));
          return tf.sum(perSampleLoss(bundle.loss, yi, forward(bundle.arch, ws, xi))) as tf.Scalar;
        })(ps);
        const r = flat(g);
        tf.dispose([xi, yi, ...g]);
        return r;
      });
      const v = Float64Array.from({ length: d }, () => rng.normal());
      const vs = toParams(bundle, v);
      const before = tf.memory().numTensors;
      const ggn = tf.tidy(() => batchCurvatureProduct('ggn', bundle.loss, s.output, ps, vs, s.ys, 1 / B));
      const ef = tf.tidy(() => batchCurvatureProduct('empirical-fisher', bundle.loss, s.output, ps, vs, s.ys, 1 / B));
      const gv = flat(ggn),
        fv = flat(ef);
      tf.dispose([...ggn, ...ef]);
      expect(tf.memory().numTensors).toBe(before); // the products leave nothing behind inside a tidy
      tf.dispose([...vs, ...ps, z]);
      // explicit: G v = Σᵢ Jᵢᵀ Hᵢ (Jᵢ v) / B with the closed-form Hᵢ in float64
      const ref = new Float64Array(d),
        fref = new Float64Array(d);
      zv.forEach((zi, i) => {
        const jv = J[i].map((row) => row.reduce((a, r, t) => a + r * v[t], 0));
        let hjv: number[];
        if (loss === 'categoricalCrossentropy') {
          const m = Math.max(...zi),
            e = zi.map((t) => Math.exp(t - m)),
            sum = e.reduce((a, b) => a + b, 0),
            p = e.map((t) => t / sum);
          const pu = p.reduce((a, pk, k) => a + pk * jv[k], 0);
          hjv = p.map((pk, k) => pk * jv[k] - pk * pu);
        } else if (loss === 'binaryCrossentropy') {
          hjv = zi.map((t, k) => {
            const sg = 1 / (1 + Math.exp(-t));
            return (sg * (1 - sg) * jv[k]) / K;
          });
        } else hjv = jv.map((u) => (2 * u) / K);
        J[i].forEach((row, k) => row.forEach((r, t) => (ref[t] += (r * hjv[k]) / B)));
        const gdv = gs[i].reduce((a, g, t) => a + g * v[t], 0);
        gs[i].forEach((g, t) => (fref[t] += (g * gdv) / B));
      });
      const scale = Math.max(...ref.map(Math.abs)),
        fscale = Math.max(...fref.map(Math.abs));
      // float32 autodiff against a float64 assembly of float32 Jacobian rows: 1e-4 of the largest entry
      gv.forEach((g, t) => expect(Math.abs(g - ref[t])).toBeLessThan(1e-4 * scale));
      fv.forEach((f, t) => expect(Math.abs(f - fref[t])).toBeLessThan(1e-4 * fscale));
      expect(gv.reduce((a, g, t) => a + g * v[t], 0)).toBeGreaterThanOrEqual(0); // vᵀGv ≥ 0
      tf.dispose([s.xs, s.ys]);
    });
  }

  it('linear model with MSE: the GGN is the Hessian (1e-5 relative, float32)', async () => {
    const bundle = await bundleOf([tf.layers.dense({ units: 2, inputShape: [2] })], 'meanSquaredError');
    const y = x.map(() => [rng.normal(), rng.normal()]);
    const s = setup(bundle, x, y);
    const ps = s.params();
    const v = Float64Array.from({ length: bundle.layout.dim }, () => rng.normal());
    const vs = toParams(bundle, v);
    const gv = flat(tf.tidy(() => batchCurvatureProduct('ggn', bundle.loss, s.output, ps, vs, s.ys, 1 / B)));
    const hv = flat(
      tf.tidy(() => {
        const lossOf = (...p: tf.Tensor[]) => tf.mean(perSampleLoss(bundle.loss, s.ys, s.output(p))) as tf.Scalar;
        const gdot = (...p: tf.Tensor[]) =>
          tf.addN(
            tf
              .grads(lossOf)(p)
              .map((g, i) => tf.sum(tf.mul(g, vs[i]))),
          ) as tf.Scalar;
        return tf.grads(gdot)(ps);
      }),
    );
    const scale = Math.max(...hv.map(Math.abs));
    hv.forEach((h, t) => expect(Math.abs(gv[t] - h)).toBeLessThan(1e-5 * scale));
    tf.dispose([...ps, ...vs, s.xs, s.ys]);
  });
});

describe('ggnvp / fishervp on the objectives (in process, worker pool, CLI)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('LocalObjective: GGN = Hessian on linear MSE across batches; the pool matches in-process; EF is PSD', async () => {
    const { LocalObjective } = await import('../src/objective/local-objective.js');
    const { PoolObjective } = await import('../src/objective/pool-objective.js');
    const { prepareData } = await import('../src/objective/prepare-data.js');
    const { datasetOf } = await import('./helpers/in-memory-checkpoint.js');
    const rng = createRng(5);
    const n = 41;
    const X = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const Y = X.map((r) => [r[0] - r[1] + 0.1 * rng.normal(), r[2] + 0.1 * rng.normal()]);
    const bundle = await bundleOf([tf.layers.dense({ units: 2, inputShape: [3] })], 'meanSquaredError');
    const data = prepareData(datasetOf(X, [3], Y.flat(), 'float', [2]), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const local = new LocalObjective(bundle, data, { batchSize: 16 }); // 3 batches: 16, 16, 9
    const v = Float32Array.from({ length: bundle.layout.dim }, () => rng.normal());
    const before = tf.memory().numTensors;
    const [gv, hv, fv] = [await local.ggnvp(bundle.theta0, v), await local.hvp(bundle.theta0, v), await local.fishervp(bundle.theta0, v)];
    expect(tf.memory().numTensors).toBe(before);
    const scale = Math.max(...hv.map(Math.abs));
    // float32 products of O(1) entries, different op order: 1e-5 of the largest entry
    gv.forEach((g, i) => expect(Math.abs(g - hv[i])).toBeLessThan(1e-5 * scale));
    expect(fv.reduce((a, f, i) => a + f * v[i], 0)).toBeGreaterThanOrEqual(0);
    const pool = await PoolObjective.create(bundle.checkpoint, data, { workers: 2, backend: 'cpu', batchSize: 16 });
    try {
      const [pg, pf] = [await pool.ggnvp(bundle.theta0, v), await pool.fishervp(bundle.theta0, v)];
      // shards combined in float64 vs one pass of batch means: 1e-5 relative
      pg.forEach((g, i) => expect(Math.abs(g - gv[i])).toBeLessThan(1e-5 * scale));
      const fs = Math.max(...fv.map(Math.abs));
      pf.forEach((f, i) => expect(Math.abs(f - fv[i])).toBeLessThan(1e-5 * fs));
    } finally {
      await pool.close();
    }
    local.dispose();
  }, 60_000);

  it('losslens hessian --curvature ggn / empirical-fisher: PSD spectra, every analysis on that matrix', async () => {
    const { runCli, ROOT } = await import('./helpers/run-cli.js');
    const { promises: fs } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-ggn-'));
    const FIX = path.join(ROOT, 'fixtures');
    for (const curvature of ['ggn', 'empirical-fisher']) {
      const out = path.join(tmp, curvature);
      const r = await runCli([
        'hessian',
        '--model',
        path.join(FIX, 'spiral-tanh'),
        '--data',
        path.join(FIX, 'spiral-tanh/train.csv'),
        '--curvature',
        curvature,
        '--top',
        '2',
        '--bottom',
        '2',
        '--probes',
        '20',
        '--slq-order',
        '20',
        '--slq-probes',
        '2',
        '--per-layer',
        // auto would take the dense saddle spectrum (371 more products each run); the saddle counts are not what this test reads
        '--saddle-method',
        'lanczos',
        '--out',
        out,
        '--quiet',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`${curvature} \\(curvature\\)`));
      const s = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
      expect(s.curvature).toBe(curvature);
      const lmax = s.eigenvalues.top[0];
      // PSD: the smallest eigenvalue is ≥ 0 up to the float32 residual floor (1e-6·λmax)
      expect(s.eigenvalues.bottom[0]).toBeGreaterThan(-1e-6 * lmax);
      expect(s.density.extremeBounds.lambdaMinAtMost).toBeGreaterThan(-1e-5 * lmax);
      expect(s.trace.estimate).toBeGreaterThan(0);
      expect(s.perLayer).toHaveLength(3);
    }
    const bad = await runCli([
      'hessian',
      '--model',
      path.join(FIX, 'spiral-tanh'),
      '--data',
      path.join(FIX, 'spiral-tanh/train.csv'),
      '--curvature',
      'fisher',
      '--out',
      path.join(tmp, 'bad'),
      '--quiet',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 180_000);
});
