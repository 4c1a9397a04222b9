/**
 * Saddle dynamics on a tiny tfjs MLP (3 → 4 tanh → 2 softmax, 26 parameters) on two Gaussian blobs,
 * from a small initialisation (weights × 1e-3) near the saddle at the origin: GD's loss plateaus,
 * then drops; the index recorded along the path equals the count of an explicit Hessian (built
 * column by column from HVPs, eigenvalues by ml-matrix's independent solver) at every recorded
 * point; SGD with momentum on seeded minibatches leaks no tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import tf from '../src/tf.cjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { mlpCheckpoint } from '../src/double-descent/mlp-family.js';
import { initialTheta } from '../src/train/initialize.js';
import { createRng } from '../src/random.js';
import { objectiveProblem } from '../src/saddles/dynamics-problem.js';
import { saddleIndexProbe } from '../src/saddles/dynamics-index.js';
import { runDynamics, type IndexProbe } from '../src/saddles/dynamics-run.js';
import { methodFinding } from '../src/saddles/dynamics-finding.js';
import type { Dataset } from '../src/io/types.js';

const N = 64;
const TAUS = [1e-3, 1e-2];

function blobs(): Dataset {
  const rng = createRng(7);
  const x = new Float32Array(N * 3);
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 3; j++) x[i * 3 + j] = (y[i] ? 1 : -1) * [1, 0.5, -0.5][j] + 0.5 * rng.normal();
  }
  return { source: 'blobs', n: N, xShape: [3], x, yShape: [], y, labelKind: 'class-index' };
}

function tiny() {
  const ckpt = mlpCheckpoint({ inputDim: 3, width: 4, classes: 2, loss: 'categoricalCrossentropy' });
  (ckpt.modelTopology as any).config.layers[0].config.activation = 'tanh';
  const bundle = loadModel(ckpt);
  const data = prepareData(blobs(), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const obj = new LocalObjective(bundle, data, { batchSize: N });
  const start = Float64Array.from(initialTheta(bundle, 'topology', 0), (v) => v * 1e-3);
  return { bundle, data, obj, start };
}

/** Eigenvalues of the symmetrised explicit Hessian at θ (ml-matrix). */
async function explicitEigenvalues(obj: LocalObjective, theta: Float64Array): Promise<number[]> {
  const d = theta.length;
  const cols: number[][] = [];
  for (let j = 0; j < d; j++) {
    const e = new Float32Array(d);
    e[j] = 1;
    cols.push(Array.from(await obj.hvp(Float32Array.from(theta), e)));
  }
  const h = Matrix.from1DArray(d, d, cols.flat());
  return new EigenvalueDecomposition(h.add(h.transpose()).div(2), { assumeSymmetric: true }).realEigenvalues;
}

describe('saddle dynamics on a tiny tfjs MLP from small-init', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it("GD's loss plateaus near log 2, then drops; its index at each recorded point equals the explicit Hessian's count", async () => {
    const { obj, start } = tiny();
    const problem = objectiveProblem(obj);
    const inner = saddleIndexProbe(problem, { taus: TAUS, method: 'dense' });
    const seen: { theta: Float64Array; point: Awaited<ReturnType<IndexProbe>> }[] = [];
    const probe: IndexProbe = async (theta) => {
      const point = await inner(theta);
      seen.push({ theta: Float64Array.from(theta), point });
      return point;
    };
    try {
      const r = await runDynamics(problem, 'gd', start, { steps: 150, lr: 0.5, indexEvery: 30 }, probe);
      const f = methodFinding(r, TAUS[0]);
      expect(r.records[0].loss).toBeCloseTo(Math.log(2), 3);
      expect(f.escaped).toBe(true);
      expect(f.plateauSteps).toBeGreaterThanOrEqual(8); // ≥ 8 steps within 1 % of log 2 before leaving
      expect(f.finalLoss).toBeLessThan(0.5 * f.startLoss);
      expect(seen.map((s) => s.theta.length)).toEqual(Array(6).fill(26));
      expect(seen[0].point.thresholds[0].estimate).toBeGreaterThan(0); // the start is a saddle region: negative curvature
      for (const { theta, point } of seen) {
        const ev = await explicitEigenvalues(obj, theta);
        const lmax = Math.max(...ev);
        for (const t of point.thresholds) {
          const truth = ev.filter((v) => v < -t.tau * lmax).length;
          expect(truth).toBeGreaterThanOrEqual(t.count.lo);
          expect(truth).toBeLessThanOrEqual(t.count.hi);
          if (t.exact) expect(t.estimate).toBe(truth);
          expect(t.fraction).toBeCloseTo(t.estimate / 26, 12);
        }
      }
    } finally {
      obj.dispose();
    }
  }, 120_000);

  it('SGD with momentum on seeded minibatches is deterministic and leaks no tensors', async () => {
    const { bundle, data, obj, start } = tiny();
    try {
      const run = () => runDynamics(objectiveProblem(obj, { bundle, data, size: 16, steps: 40, seed: 3 }), 'momentum', start, { steps: 40, lr: 0.2 });
      await run(); // warm-up: lazily created kernels and caches
      const before = tf.memory().numTensors;
      const a = await run();
      expect(tf.memory().numTensors).toBe(before);
      const b = await run();
      expect(Array.from(b.theta)).toEqual(Array.from(a.theta));
      expect(a.records.at(-1)!.loss).toBeLessThan(a.records[0].loss);
    } finally {
      obj.dispose();
    }
  }, 120_000);
});
