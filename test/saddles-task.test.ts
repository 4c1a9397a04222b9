/**
 * The 'critical-point' task on a small tfjs MLP (fixtures/spiral-tanh: 2 → 16 → 16 → 3 tanh,
 * 371 parameters, 60 samples): the found point's ‖∇L‖ is below the tolerance, and its dense
 * index at each τ equals the count of the explicit Hessian (assembled from d products, its
 * eigenvalues by ml-matrix's independent eigensolver).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import * as tf from '@tensorflow/tfjs';
import { criticalPointTask, type CriticalPointConfig } from '../src/studies/tasks/critical-point.js';
import { FINDER_DEFAULTS } from '../src/saddles/critical-points.js';
import { loadProblem, startTheta } from '../src/saddles/problem.js';
import { LocalObjective } from '../src/objective/local-objective.js';

const FIX = path.resolve('fixtures/spiral-tanh');

export const spiralConfig = (seed: number, sgdSteps: number): CriticalPointConfig => ({
  model: path.join(FIX, 'model.json'),
  data: { data: path.join(FIX, 'train.csv'), labelColumn: 'label', samples: 60, seed: 0 },
  resize: null,
  backend: 'cpu',
  evalBatchSize: 512,
  start: { seed, sgdSteps },
  trajectory: { lr: 0.1, batchSize: 16 },
  finder: { ...FINDER_DEFAULTS, gradTol: 1e-4 },
  index: { taus: [1e-3, 1e-4], method: 'dense', denseMaxDim: 4000 },
});

describe('critical-point task', () => {
  it('converges to ‖g‖ ≤ tol·‖g₀‖ and its dense index equals the explicit Hessian’s eigenvalue count', async () => {
    const c = spiralConfig(1, 0);
    const before = tf.memory().numTensors;
    const { result: r, attachments } = await criticalPointTask(c);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.paramCount).toBe(371);
    expect(r.converged, `${r.stop} at ratio ${r.gradNormRatio}`).toBe(true);
    expect(r.gradNormRatio).toBeLessThanOrEqual(1e-4);
    expect(r.gradNorm).toBeCloseTo(r.gradNorm0 * r.gradNormRatio, 12);
    expect(r.method).toBe('dense');
    expect(attachments!.spectrum.length).toBe(371);
    // the explicit Hessian at the returned point
    const theta = attachments!.theta;
    const { bundle, data } = await loadProblem(c);
    const obj = new LocalObjective(bundle, data, { batchSize: 512 });
    const cols: number[][] = [];
    for (let j = 0; j < 371; j++) {
      const e = new Float32Array(371);
      e[j] = 1;
      cols.push(Array.from(await obj.hvp(theta, e)));
    }
    obj.dispose();
    const h = new Matrix(cols).add(new Matrix(cols).transpose()).div(2);
    const eig = new EigenvalueDecomposition(h, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
    const lmax = eig[eig.length - 1];
    expect(Math.abs(r.lambdaMax - lmax)).toBeLessThan(1e-6 * lmax);
    for (const at of r.index) {
      const truth = eig.filter((l) => l < -at.tau * lmax).length;
      // exact counts are the truth; an interval (an eigenvalue within the products' noise of −τλmax) contains it
      if (at.exact) expect(at.count.lo, `τ = ${at.tau}`).toBe(truth);
      else expect(at.count.lo <= truth && truth <= at.count.hi, `τ = ${at.tau}: ${truth} in ${at.count.lo}–${at.count.hi}`).toBe(true);
      expect(at.fraction).toBeCloseTo((at.count.lo + at.count.hi) / 2 / 371, 2);
    }
    // a start at the initialisation of this net is not a minimum: the point found has negative curvature
    expect(r.index[1].count.hi).toBeGreaterThan(0);
  }, 120_000);

  it('the same config gives the same result (seeded start, deterministic full-batch search); an SGD start lies below its initialisation', async () => {
    const c = spiralConfig(3, 0);
    const [a, b] = [await criticalPointTask(c), await criticalPointTask(c)];
    expect(a.result).toEqual(b.result);
    expect(Array.from(a.attachments!.theta)).toEqual(Array.from(b.attachments!.theta));
    expect(a.result.start).toEqual({ seed: 3, sgdSteps: 0 });
    const { bundle, data } = await loadProblem(c);
    const obj = new LocalObjective(bundle, data, { batchSize: 512 });
    const init = await startTheta(bundle, data, { seed: 3, sgdSteps: 0 }, c.trajectory);
    const sgd = await startTheta(bundle, data, { seed: 3, sgdSteps: 40 }, c.trajectory);
    expect(await obj.loss(init)).toBeCloseTo(a.result.startLoss, 5);
    expect(await obj.loss(sgd)).toBeLessThan(await obj.loss(init));
    expect(Array.from(await startTheta(bundle, data, { seed: 3, sgdSteps: 40 }, c.trajectory))).toEqual(Array.from(sgd));
    expect(Array.from(await startTheta(bundle, data, { seed: 4, sgdSteps: 0 }, c.trajectory))).not.toEqual(Array.from(init));
    obj.dispose();
  }, 120_000);
});
