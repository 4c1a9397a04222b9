/**
 * The README's "library use" example, run as written through the public entry (src/index.ts),
 * checked against the explicit numbers it must reproduce: the spiral fixture's recorded loss and a
 * 1-D slice whose centre is the base loss. Also: the entry exports what the README names, and the
 * example leaves no tensors behind.
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as losslens from '../src/index.js';

describe('public API (README example)', () => {
  it('exports the functions the README uses', () => {
    for (const name of ['loadProblem', 'analyzeHessian', 'computeSlice', 'randomDirection', 'interpolate', 'analyzeGradients', 'trainRun', 'renderSpec', 'selectBackend', 'readCheckpoint', 'loadDataset', 'createObjective', 'lanczos', 'hutchinsonTrace', 'slqDensity'])
      expect(typeof (losslens as Record<string, unknown>)[name], name).toBe('function');
  });

  it('runs the README snippet: Hessian extremes, trace and a 1-D slice on the spiral fixture', async () => {
    const meta = JSON.parse(await readFile('fixtures/spiral-tanh/meta.json', 'utf8'));
    const { loadProblem, analyzeHessian, computeSlice, randomDirection } = losslens;
    // --- README example starts ---
    const problem = await loadProblem({ model: 'fixtures/spiral-tanh', train: { data: 'fixtures/spiral-tanh/train.csv' }, backend: 'wasm' });
    const before = tf.memory().numTensors;
    try {
      const objective = problem.train!.objective;
      const h = await analyzeHessian(objective, { top: 3, bottom: 1, probes: 30 });
      const d = randomDirection(objective.theta0, objective.layout, 0, { norm: 'filter', includeBias: false });
      const s = await computeSlice(objective, undefined, objective.theta0, d, undefined, { dims: 1, points: 21 });
      // --- README example ends ---
      // Loss at θ₀ equals the one recorded when the fixture was made (float32 sums over 300 samples).
      expect(h.loss).toBeCloseTo(meta.loss, 4);
      expect(h.eigenvalues.top).toHaveLength(3);
      expect(h.eigenvalues.top[0]).toBeGreaterThanOrEqual(h.eigenvalues.top[1]);
      expect(h.eigenvalues.bottom[0]).toBeLessThanOrEqual(h.eigenvalues.top[2]);
      // Hutchinson's estimate against the sum of Ritz values is not a ground truth; it must at least be finite with an error bar.
      expect(Number.isFinite(h.trace.estimate) && h.trace.stderr! > 0).toBe(true);
      const loss = s.train.loss as number[];
      expect(loss[10]).toBeCloseTo(h.loss, 5); // α = 0 is the checkpoint
      expect(Math.min(...loss)).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await problem.dispose();
    }
  });

  it('runs the README pipeline snippet: the hessian command as one library call, options named as fields', async () => {
    const { runAnalysis, hessianPipeline } = losslens;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-lib-'));
    try {
      const run = await runAnalysis(hessianPipeline, { model: 'fixtures/mlp-relu', data: 'fixtures/mlp-relu', top: 2, bottom: 1, probes: 10, density: false, out: path.join(dir, 'h') });
      expect(run.folder).toBe(path.join(dir, 'h'));
      expect(run.summary.meta.command).toBe('hessian');
      const summary = JSON.parse(await readFile(path.join(run.folder, 'summary.json'), 'utf8'));
      expect(summary.eigenvalues.top).toHaveLength(2);
      // a bad option is refused before any folder exists, naming the field
      await expect(runAnalysis(hessianPipeline, { model: 'fixtures/mlp-relu', data: 'fixtures/mlp-relu', repeats: 1, out: path.join(dir, 'bad') })).rejects.toThrow(/^option repeats: must be an integer ≥ 2/);
      await expect(readFile(path.join(dir, 'bad', 'summary.json'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
