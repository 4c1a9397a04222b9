/**
 * Task kind 'checkpoint-analysis': its numbers are `hessian`'s and `slice`'s on the same checkpoint
 * with the same seed (bit for bit: the same routines, seeds and objective), its λmax and trace hold
 * the explicit Hessian of linear regression, and a repeats subset gives what the local repeats give.
 */
import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProblem } from '../src/problem.js';
import { loadDataset } from '../src/io/dataset.js';
import { analyzeHessian } from '../src/curvature/analyze-hessian.js';
import { hessianRepeats, repeatOptions, summarizeRepeats, type RepeatRun } from '../src/curvature/hessian-repeats.js';
import { symmetricEigenvalues } from '../src/curvature/symmetric-eigen.js';
import { subsetObjectives } from '../src/pipelines/subsets.js';
import { runAnalysis } from '../src/pipelines/run-analysis.js';
import { slicePipeline } from '../src/pipelines/slice.js';
import { runTask } from '../src/studies/tasks/index.js';
import { checkpointAnalysisTask, type CheckpointAnalysisConfig } from '../src/studies/tasks/checkpoint-analysis.js';
import tf from '../src/tf.cjs';
import { commonDensity } from '../src/pipelines/trajectory-summary.js';

const spiral = path.resolve('fixtures/spiral-tanh');
const H = { top: 2, bottom: 1, maxIter: 30, maxMatvecs: 300, probes: 8, slqOrder: 20, slqProbes: 2, seed: 5, saddleMethod: 'lanczos' as const };
const config = (over: Partial<CheckpointAnalysisConfig> = {}): CheckpointAnalysisConfig => ({
  model: path.join(spiral, 'model.json'),
  data: { data: path.join(spiral, 'train.csv'), labelColumn: 'label', seed: 0 },
  backend: 'cpu',
  hvp: 'exact',
  regularizers: true,
  analyses: ['loss', 'lambda-max', 'trace', 'density', 'slice'],
  hessian: H,
  slice: { points: 11, range: [-1, 1], seed: 3, norm: 'filter', includeBias: false },
  ...over,
});

describe('checkpoint-analysis task', () => {
  it("gives hessian's λmax, residual, trace and SLQ nodes and slice's curve on the same checkpoint and seeds", async () => {
    const before = tf.memory().numTensors;
    const r = await checkpointAnalysisTask(config());
    expect(tf.memory().numTensors).toBe(before);
    const problem = await loadProblem({
      model: spiral,
      train: { data: path.join(spiral, 'train.csv'), labelColumn: 'label', seed: 0 },
      backend: 'cpu',
      workers: 1,
    });
    try {
      const h = await analyzeHessian(problem.train!.objective, H);
      expect(r.lambdaMax!.value).toBe(h.eigenvalues.top[0]);
      expect(r.lambdaMax!.top).toEqual(h.eigenvalues.top);
      expect(r.lambdaMax!.residual).toBe(h.residuals.top[0]);
      expect(r.trace!.estimate).toBe(h.trace.estimate);
      expect(r.trace!.stderr).toBe(h.trace.stderr);
      expect(r.density!.nodes).toEqual(h.density!.nodes);
      expect(r.density!.weights).toEqual(h.density!.weights);
      expect(r.loss!.loss).toBe(h.loss);
      // a different seed is a different estimate: the equality above is not vacuous
      const other = await checkpointAnalysisTask(config({ analyses: ['trace'], hessian: { ...H, seed: 6 } }));
      expect(other.trace!.estimate).not.toBe(h.trace.estimate);
    } finally {
      await problem.dispose();
    }
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-trajectory-task-'));
    const s = await runAnalysis(slicePipeline, {
      model: spiral,
      data: path.join(spiral, 'train.csv'),
      points: 11,
      seed: 3,
      backend: 'cpu',
      workers: 1,
      out,
      force: true,
    });
    const curve = (s.summary.slice as { train: { loss: number[]; accuracy: number[] }; baseLoss: number }).train;
    expect(r.slice!.loss).toEqual(curve.loss);
    expect(r.slice!.accuracy).toEqual(curve.accuracy);
    expect(r.slice!.loss[5]).toBe(r.slice!.baseLoss); // α = 0 is the checkpoint
    expect(r.slice!.baseLoss).toBe(r.loss!.loss);
  }, 60_000);

  it('λmax and trace of linear regression hold the explicit Hessian 2·X̃ᵀX̃/N; only the analyses asked for are run', async () => {
    const data = await loadDataset({ data: 'fixtures/linreg/data.csv' });
    const Hm = new Float64Array(36);
    for (let s = 0; s < data.n; s++) {
      const row = [...data.x.subarray(5 * s, 5 * s + 5), 1];
      for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) Hm[6 * i + j] += (2 * row[i] * row[j]) / data.n;
    }
    const trace = [0, 7, 14, 21, 28, 35].reduce((a, i) => a + Hm[i], 0);
    const exact = symmetricEigenvalues(Hm, 6).values;
    const r = (await runTask('checkpoint-analysis', {
      ...config({ analyses: ['lambda-max', 'trace', 'density'], hessian: { top: 1, bottom: 0, probes: 400, slqProbes: 1, seed: 0 } }),
      model: path.resolve('fixtures/linreg/model.json'),
      data: { data: path.resolve('fixtures/linreg/data.csv'), seed: 0 },
    })) as Awaited<ReturnType<typeof checkpointAnalysisTask>>;
    expect(Object.keys(r).sort()).toEqual(['density', 'lambdaMax', 'params', 'samples', 'trace']);
    // float32 HVPs: λmax to 1e-5 relative; the Hutchinson estimate within 4 of its standard errors of the exact trace
    expect(Math.abs(r.lambdaMax!.value - exact[5])).toBeLessThan(1e-5 * exact[5]);
    expect(r.lambdaMax!.converged).toBe(true);
    expect(Math.abs(r.trace!.estimate - trace)).toBeLessThan(4 * r.trace!.stderr!);
    // SLQ of order d = 6 is exact: its nodes are the six eigenvalues
    r.density!.nodes[0].forEach((v, i) => expect(Math.abs(v - exact[i])).toBeLessThan(1e-5 * exact[5]));
  }, 30_000);

  it('the repeats subsets, one task each, summarise to the local hessian --repeats', async () => {
    const train = path.join(spiral, 'train.csv');
    const hopts = { ...H, bottom: 0, top: 1, density: false, saddleMethod: 'lanczos' as const };
    const problem = await loadProblem({ model: spiral, train: { data: train, labelColumn: 'label', seed: 0 }, backend: 'cpu', workers: 1 });
    let local;
    try {
      const subsets = await subsetObjectives({ model: spiral, data: train, seed: 2 }, problem, 3, 80);
      local = await hessianRepeats(subsets, hopts);
      subsets.forEach((s) => s.dispose());
    } finally {
      await problem.dispose();
    }
    const runs: RepeatRun[] = [];
    for (let i = 0; i < 3; i++) {
      const c = config({ analyses: ['hessian'], hessian: repeatOptions(hopts, i), subset: { parts: 3, size: 80, seed: 2, index: i } });
      const r = await checkpointAnalysisTask(c);
      expect(r.samples).toBe(80);
      runs.push(r.hessian!);
    }
    expect(summarizeRepeats(runs, 80)).toEqual(local);
    await expect(checkpointAnalysisTask(config({ analyses: ['hessian'], subset: { parts: 3, size: 80, seed: 2, index: 3 } }))).rejects.toThrow(/subset.index/);
    await expect(checkpointAnalysisTask(config({ analyses: ['curvature' as never] }))).rejects.toThrow(/option analyses: unknown "curvature"/);
  }, 60_000);

  it('the densities of the heat strip: one σ and one grid, each peak at its node, unit mass', () => {
    const at = (nodes: number[], sigma: number) => ({ nodes: [nodes], weights: [nodes.map(() => 1 / nodes.length)], sigma, order: nodes.length, probes: 1 });
    const d = commonDensity([
      { step: 0, density: at([1], 0.05) },
      { step: 10, density: at([2, 4], 0.1) },
    ])!;
    expect(d.sigma).toBe(0.1); // the widest
    const h = d.grid[1] - d.grid[0];
    const argmax = (col: number[]) => d.grid[col.indexOf(Math.max(...col))];
    expect(Math.abs(argmax(d.density[0]) - 1)).toBeLessThanOrEqual(h);
    // the grid spans ±5σ beyond the nodes (mass outside: 6e-7): the Riemann sum of each density is 1 to 1e-5
    for (const col of d.density) expect(Math.abs(col.reduce((a, b) => a + b, 0) * h - 1)).toBeLessThan(1e-5);
    // the two-node checkpoint: half the mass below 3, half above
    const below = d.density[1].reduce((a, v, i) => a + (d.grid[i] < 3 ? v : 0), 0) * h;
    expect(Math.abs(below - 0.5)).toBeLessThan(1e-5);
  });
});
