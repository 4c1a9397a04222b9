/**
 * Saddle counts on a real tfjs model (the spiral-tanh fixture, 371 parameters): dense and
 * iterative counts against each other in process (no tensor leaks), and through the CLI:
 * `hessian --saddle-method dense` writes the counts with their method into summary.json,
 * the full spectrum into spectrum.json and the dense-vs-SLQ figure; a bad method exits 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { loadProblem, type Problem } from '../src/problem.js';
import { curvatureMatVec } from '../src/curvature/analyze-hessian.js';
import { saddleCounts } from '../src/curvature/saddle-counts.js';
import { runCli, runCliBatch, ROOT } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
const spiral = ['--model', path.join(FIX, 'spiral-tanh'), '--data', path.join(FIX, 'spiral-tanh/train.csv')];

describe('saddle counts on spiral-tanh: dense vs iterative', () => {
  let problem: Problem;
  beforeAll(async () => {
    // 64 samples: a bottom end with a wide gap (the full set's bottom five lie within 2.5e-4·λmax), ~850 HVPs iterative
    problem = await loadProblem({
      model: path.join(FIX, 'spiral-tanh'),
      train: { data: path.join(FIX, 'spiral-tanh/train.csv'), samples: 64 },
      backend: 'cpu',
      workers: 1,
    });
  }, 120_000);
  afterAll(async () => problem?.dispose());

  it('the iterative count equals the dense one at a threshold in the widest bottom gap; no tensor leaks', async () => {
    const obj = problem.train!.objective;
    const d = obj.layout.dim;
    const before = tf.memory().numTensors;
    const dense = await saddleCounts(curvatureMatVec(obj, obj.theta0, 'hessian').matvec, d, { method: 'dense', taus: [1e-3] });
    const ev = dense.eigenvalues;
    // the threshold in the widest of the first gaps below zero: a count the iterative path can decide
    let at = 0;
    for (let i = 1; i < 5; i++) if (ev[i + 1] < 0 && ev[i + 1] - ev[i] > ev[at + 1] - ev[at]) at = i;
    const tau = -(ev[at] + ev[at + 1]) / 2 / dense.lambdaMax;
    const iter = await saddleCounts(curvatureMatVec(obj, obj.theta0, 'hessian').matvec, d, {
      method: 'iterative',
      taus: [tau],
      lambdaMax: dense.lambdaMax,
      blockSize: 8,
      degree: 20,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(iter.thresholds[0].exact).toBe(true);
    expect(iter.thresholds[0].count).toEqual({ lo: at + 1, hi: at + 1 });
    // float32 products: symmetric only to rounding, and said so
    expect(dense.dense!.asymmetry).toBeGreaterThan(0);
    expect(dense.dense!.asymmetry).toBeLessThan(1e-5);
  }, 300_000);
});

describe('hessian --saddle-method through the CLI', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-saddle-'));
  });

  it('dense: counts with method and exactness in summary.json, spectrum.json, spectrum-dense.png', async () => {
    const out = path.join(tmp, 'dense');
    const r = await runCli([
      'hessian',
      ...spiral,
      '--top',
      '2',
      '--bottom',
      '2',
      '--probes',
      '10',
      '--slq-order',
      '30',
      '--slq-probes',
      '2',
      '--saddle-method',
      'dense',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    const spectrum = JSON.parse(await fs.readFile(path.join(out, 'spectrum.json'), 'utf8'));
    expect(spectrum.eigenvalues).toHaveLength(371);
    expect(summary.saddleCounts.method).toBe('dense');
    for (const t of summary.saddleIndex.thresholds) {
      expect(t.method).toBe('dense');
      const truth = (spectrum.eigenvalues as number[]).filter((x) => x < t.threshold).length;
      expect(t.count.lo).toBeLessThanOrEqual(truth);
      expect(t.count.hi).toBeGreaterThanOrEqual(truth);
      if (t.exact) expect(t.count.lo).toBe(t.count.hi);
      else expect(t.cause).toMatch(/noise radius/);
    }
    expect(PNG.sync.read(await fs.readFile(path.join(out, 'spectrum-dense.png'))).width).toBe(800);
  }, 180_000);

  it('--saddle-engine chebyshev reaches the iterative path: the counts name the engine, their intervals hold the dense truth', async () => {
    const out = path.join(tmp, 'chebyshev');
    const flags = ['--top', '2', '--bottom', '2', '--probes', '10', '--slq-order', '30', '--slq-probes', '2', '--out', out, '--quiet'];
    const r = await runCli(['hessian', ...spiral, ...flags, '--saddle-method', 'iterative', '--saddle-engine', 'chebyshev', '--saddle-max-matvecs', '300']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.saddleCounts.method).toBe('iterative');
    expect(summary.saddleCounts.iterative.engine).toBe('chebyshev');
    // the dense truth of this fixture at τ = 1e-3 / 1e-4 / 1e-5 (the dense test above: 10 / 50 / 70)
    const truth = [10, 50, 70];
    summary.saddleIndex.thresholds.forEach((t: { count: { lo: number; hi: number } }, i: number) => {
      expect(t.count.lo).toBeLessThanOrEqual(truth[i]!);
      expect(t.count.hi).toBeGreaterThanOrEqual(truth[i]!);
    });
  }, 180_000);

  it('an unknown --saddle-method or --saddle-engine: exit 2 naming the flag', async () => {
    // both are refused before any work: one node process for the two (runCliBatch)
    const [method, engine] = await runCliBatch([
      ['hessian', ...spiral, '--saddle-method', 'sideways', '--out', path.join(tmp, 'bad'), '--quiet'],
      ['hessian', ...spiral, '--saddle-engine', 'sideways', '--out', path.join(tmp, 'bad-engine'), '--quiet'],
    ]);
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/saddle-method/);
    expect(method.stderr.trim().split('\n')).toHaveLength(1);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toMatch(/saddle-engine/);
  });
});
