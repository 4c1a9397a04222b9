/**
 * `report` on a model with several inputs and outputs (the seq2seq encoder-decoder of
 * seq2seq-nets.ts, saved to disk as model.json + weights): every section runs on the objective
 * Σ w_k loss_k — eval's total and per-output losses equal model.evaluate's, the Hessian's extreme
 * eigenvalues equal those of the explicit Hessian, the 1-D slice passes through the checkpoint's
 * loss, the gradient profile covers the whole graph — with no tensor left behind, and the digest
 * prints each output's loss.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadProblem } from '../src/problem.js';
import { computeFullReport } from '../src/pipelines/report-parts.js';
import { reportPipeline } from '../src/pipelines/report.js';
import { runAnalysis } from '../src/pipelines/run-analysis.js';
import { resolveReportOptions } from '../src/report/report-options.js';
import { symmetricEigenvalues } from '../src/curvature/symmetric-eigen.js';
import { S2S_WEIGHTS, evaluateLosses, s2sData, seq2seq, writeS2SFolder } from './helpers/seq2seq-nets.js';
import { saveModelFolder } from './helpers/multi-io-nets.js';

let root: string, modelDir: string, dataDir: string;
let ref: number[];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'losslens-s2s-report-'));
  modelDir = path.join(root, 'model');
  dataDir = path.join(root, 'data');
  const net = seq2seq(),
    d = s2sData();
  ref = evaluateLosses(net, d);
  await saveModelFolder(net, modelDir, S2S_WEIGHTS);
  net.dispose();
  writeS2SFolder(dataDir, d);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('report on two inputs and two outputs', () => {
  it("every section runs on Σ w_k loss_k: eval = model.evaluate's, extreme eigenvalues = the explicit Hessian's", async () => {
    const problem = await loadProblem({ model: modelDir, train: { data: dataDir }, backend: 'cpu', workers: 1 });
    try {
      const opts = resolveReportOptions({ preset: 'quick', points1d: 5, points2d: 3 });
      const before = tf.memory().numTensors;
      const { report } = await computeFullReport(problem, opts, {});
      expect(tf.memory().numTensors).toBe(before);
      const total = S2S_WEIGHTS[0]! * ref[0]! + S2S_WEIGHTS[1]! * ref[1]!;
      expect(report.eval.train.loss).toBeCloseTo(total, 5);
      expect(report.eval.train.outputs!.map((o) => [o.name, o.weight])).toEqual([
        ['head', 0.8],
        ['enc.1', 1.5],
      ]);
      report.eval.train.outputs!.forEach((o, k) => expect(o.loss).toBeCloseTo(ref[k]!, 5));
      expect(report.slice1d.baseLoss).toBeCloseTo(total, 5);
      expect(report.gradients.layers.map((l) => l.name)).toEqual(['enc', 'dec', 'head']);
      // the explicit Hessian, column by column, from the problem's own exact HVP
      const obj = problem.train!.objective,
        dim = problem.model.layout.dim;
      const H = new Float64Array(dim * dim);
      for (let j = 0; j < dim; j++) {
        const e = new Float32Array(dim);
        e[j] = 1;
        (await obj.hvp(problem.model.theta0, e)).forEach((v, i) => (H[i * dim + j] = v));
      }
      for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) H[i * dim + j] = H[j * dim + i] = (H[i * dim + j]! + H[j * dim + i]!) / 2;
      const eig = Array.from(symmetricEigenvalues(H, dim).values).sort((a, b) => b - a);
      const scale = Math.max(Math.abs(eig[0]!), Math.abs(eig[dim - 1]!));
      // Lanczos on a 97-parameter Hessian converges to the extreme eigenvalues to float32 accuracy
      expect(Math.abs(report.hessian.eigenvalues.top[0]! - eig[0]!)).toBeLessThan(1e-3 * scale);
      expect(Math.abs(report.hessian.eigenvalues.bottom[0]! - eig[dim - 1]!)).toBeLessThan(1e-3 * scale);
    } finally {
      await problem.dispose();
    }
  }, 240_000);

  it("runAnalysis writes the report; the digest lists each output's loss", async () => {
    const out = path.join(root, 'report');
    const run = await runAnalysis(reportPipeline, {
      model: modelDir,
      data: dataDir,
      out,
      preset: 'quick',
      points: 5,
      grid: 3,
      backend: 'cpu',
      workers: 1,
    } as any);
    expect(run.digest).toMatch(/per output on --data/);
    expect(run.digest).toMatch(/head \(categoricalCrossentropy\)/);
    expect(run.digest).toMatch(/enc\.1 \(meanSquaredError\)/);
    expect((run.summary as any).eval.train.outputs).toHaveLength(2);
  }, 240_000);
});
