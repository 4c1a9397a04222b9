/**
 * The curated public API: the names each entry point exports are pinned here, so that an export
 * added or dropped by accident fails (types are pinned by the generated reference, docs/api/,
 * which `npm run docs:api -- --check` regenerates and compares). The README's library example runs as written
 * through the top-level entry and is checked against the fixture's recorded loss.
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as losslens from '../src/index.js';

const linregLoss: number = JSON.parse(readFileSync('fixtures/linreg/meta.json', 'utf8')).loss;

/** Every entry's runtime exports, sorted; '.' is the top-level `losslens`. One line per entry (not reformatted) keeps the lists readable. */
// prettier-ignore
const PINNED: Record<string, string[]> = {
  '.': ['BACKEND_NAMES', 'HESSIAN_DEFAULTS', 'LosslensError', 'VERSION', 'analyzeGradients', 'analyzeHessian', 'computeSlice', 'createObjective', 'evaluatePoint', 'hessianMatVec', 'interpolate', 'loadDataset', 'loadModel', 'loadProblem', 'prepareData', 'randomDirection', 'readCheckpoint', 'selectBackend', 'startEngine', 'stopEngine'],
  curvature: ['CURVATURE_KINDS', 'HESSIAN_DEFAULTS', 'SADDLE_DEFAULTS', 'SADDLE_METHODS', 'analyzeHessian', 'conditionNumbers', 'criticalPointVerdict', 'curvatureMatVec', 'diagonalOperator', 'eigenResidual', 'estimateDiagonal', 'extremeEigenpairs', 'hessianMatVec', 'hutchinsonTrace', 'lanczos', 'negativeSpectralMass', 'perLayerCurvature', 'randomOrthogonal', 'resolveHessianOptions', 'rotatedSpectrumOperator', 'saddleCounts', 'saddleIndex', 'slqDensity', 'spectralFraction', 'stabilityVerdict', 'sturmCount', 'symmetricEigenvalues', 'thickRestartLanczos', 'tridiagonalEigen', 'xtrace'],
  landscape: ['NORM_MODES', 'batchNormLayers', 'checkpointBatchNormStats', 'computeSlice', 'cosine', 'interpolate', 'interpolateBatchNormStats', 'normalizeDirection', 'orthogonalizeTo', 'pcaDirections', 'randomDirection', 'recomputeBatchNorm', 'resolveSliceOptions'],
  gradients: ['GRADIENT_DEFAULTS', 'NOISE_DEFAULTS', 'REMEDIES', 'SYMMETRY_TOL', 'analyzeGradients', 'attenuationProfile', 'diagnose', 'gradientTrajectory', 'resolveGradientOptions'],
  train: ['NAMED_INITIALIZERS', 'OPTIMIZER_NAMES', 'RUN_DEFAULTS', 'SCHEDULE_NAMES', 'SHARPNESS_TRACKER_DEFAULTS', 'SharpnessTracker', 'createOptimizer', 'createSchedule', 'initialTheta', 'initializeCheckpoint', 'resolveOptimizerConfig', 'resolveRunConfig', 'resolveScheduleConfig', 'trainRun'],
  studies: ['InProcessExecutor', 'LocalPool', 'SHARPNESS_DEFAULTS', 'analyzeSweep', 'configHash', 'findCriticalPoint', 'geometricWidths', 'measureSharpness', 'minNormLeastSquares', 'openStudyFolder', 'randomFeaturesSweep', 'runDynamics', 'runStudy'],
  io: ['checkpointCard', 'defaultOutDir', 'listCheckpoints', 'loadDataset', 'modelCard', 'prepareOutputDir', 'readCheckpoint', 'readVector', 'splitDisjoint', 'takeRows', 'writeCheckpoint', 'writeFileAtomic', 'writeJsonAtomic', 'writeReport', 'writeVector'],
  figures: ['FIGURE_HEIGHT', 'FIGURE_WIDTH', 'FONT_FAMILY', 'PALETTE', 'activationsSpec', 'attenuationSpec', 'barChartSpec', 'colorAt', 'colormapTable', 'densitySpec', 'heatmapSpec', 'hessianFigures', 'historySpec', 'interpolationFigure', 'lineChartSpec', 'renderFigure', 'renderSpec', 'scatterSpec', 'sliceFigures', 'spectrumSpec', 'stripSpec', 'surfaceSpec', 'trajectorySpec'],
  pipelines: ['ANALYSIS_DEFAULTS', 'BATCH_SIZE_DEFAULTS', 'DOUBLE_DESCENT_DEFAULTS', 'INTERPOLATE_DEFAULTS', 'OPTIMIZERS_DEFAULTS', 'SEEDS_DEFAULTS', 'SLICE_DEFAULTS', 'batchSizeStudy', 'checkpointInfo', 'doubleDescentStudy', 'evalPipeline', 'gradientsPipeline', 'hessianPipeline', 'interpolatePipeline', 'optimizersStudy', 'randomFeaturesReport', 'reportPipeline', 'runAnalysis', 'runStudyPipeline', 'seedsStudy', 'slicePipeline', 'trainPipeline', 'withModelFrom'],
  queue: ['BullmqExecutor', 'serveQueue'],
  fit: ['FIT_DEFAULTS', 'FIT_SCHEMA', 'LossLensCallback', 'lossLensCallback', 'measurementSeed', 'resolveFitOptions'],
};

const LOADERS: Record<string, () => Promise<Record<string, unknown>>> = {
  '.': () => import('../src/index.js'),
  curvature: () => import('../src/entries/curvature.js'),
  landscape: () => import('../src/entries/landscape.js'),
  gradients: () => import('../src/entries/gradients.js'),
  train: () => import('../src/entries/train.js'),
  studies: () => import('../src/entries/studies.js'),
  io: () => import('../src/entries/io.js'),
  figures: () => import('../src/entries/figures.js'),
  pipelines: () => import('../src/entries/pipelines.js'),
  queue: () => import('../src/entries/queue.js'),
  fit: () => import('../src/entries/fit.js'),
};

describe('public API: the curated entry points', () => {
  it.each(Object.keys(PINNED))('%s exports exactly its pinned names', async (entry) => {
    expect(Object.keys(await LOADERS[entry]()).sort()).toEqual(PINNED[entry]);
  });

  it('every entry file has a pinned list', () => {
    expect(Object.keys(LOADERS).sort()).toEqual(Object.keys(PINNED).sort());
  });

  it('package.json maps every pinned entry (import and types) to its built file, and nothing else', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'));
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    expect(subpaths.sort()).toEqual(
      Object.keys(PINNED)
        .map((e) => (e === '.' ? '.' : `./${e}`))
        .sort(),
    );
    for (const entry of Object.keys(PINNED)) {
      const file = entry === '.' ? 'dist/src/index' : `dist/src/entries/${entry}`;
      expect(pkg.exports[entry === '.' ? '.' : `./${entry}`]).toEqual({ types: `./${file}.d.ts`, import: `./${file}.js` });
      if (entry !== '.') expect(pkg.typesVersions['*'][entry]).toEqual([`${file}.d.ts`]);
    }
  });

  it('the top-level entry holds the usual path and leaves internals out', () => {
    for (const name of ['loadProblem', 'analyzeHessian', 'computeSlice', 'randomDirection', 'interpolate', 'analyzeGradients', 'evaluatePoint', 'startEngine'])
      expect(typeof (losslens as Record<string, unknown>)[name], name).toBe('function');
    for (const internal of ['axpy', 'fnv1a', 'mixSeed', 'dot', 'norm', 'renderSpec', 'BullmqExecutor']) expect(internal in losslens, internal).toBe(false);
  });
});

describe('public API: the README example', () => {
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
      const s = await computeSlice(objective, { directions: [d], points: 21 });
      // --- README example ends ---
      // Loss at θ₀ equals the one recorded when the fixture was made (float32 sums over 300 samples).
      expect(h.loss).toBeCloseTo(meta.loss, 4);
      expect(h.eigenvalues.top).toHaveLength(3);
      expect(h.eigenvalues.top[0]).toBeGreaterThanOrEqual(h.eigenvalues.top[1]);
      expect(h.eigenvalues.bottom[0]).toBeLessThanOrEqual(h.eigenvalues.top[2]);
      // Hutchinson's estimate against the sum of Ritz values is not a ground truth; it must at least be finite with an error bar.
      expect(Number.isFinite(h.trace.estimate) && h.trace.stderr! > 0).toBe(true);
      expect(s.dims).toBe(1);
      expect(s.alphas[10]).toBe(0);
      expect(s.train.loss[10]).toBeCloseTo(h.loss, 5); // α = 0 is the checkpoint
      expect(Math.min(...s.train.loss)).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await problem.dispose();
    }
  });

  it('computeSlice: the options form gives the positional form’s numbers, 1-D and 2-D', async () => {
    const { loadProblem, computeSlice, randomDirection } = losslens;
    const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' }, backend: 'wasm' });
    try {
      const o = problem.train!.objective;
      const d1 = randomDirection(o.theta0, o.layout, 1, { norm: 'layer', includeBias: true });
      const d2 = randomDirection(o.theta0, o.layout, 2, { norm: 'layer', includeBias: true });
      const a = await computeSlice(o, { directions: [d1, d2], points: 5, range: [-0.5, 0.5] });
      const b = await computeSlice(o, undefined, o.theta0, d1, d2, { dims: 2, points: 5, range: [-0.5, 0.5] });
      expect(a.dims).toBe(2); // dims follows the number of directions
      expect(a.train.loss).toEqual(b.train.loss);
      const shifted = Float32Array.from(o.theta0, (v, i) => v + 0.5 * d1[i]);
      const c = await computeSlice(o, { directions: [d1], theta: shifted, points: 3, range: [-0.5, 0.5] });
      expect(c.train.loss[0]).toBeCloseTo((await o.evaluate(o.theta0)).loss, 6); // α = −0.5 from θ₀ + 0.5·d₁ is θ₀
      await expect(computeSlice(o, { directions: [d1], dims: 2 })).rejects.toThrow(/^option dims: 2-D slices need two directions/);
    } finally {
      await problem.dispose();
    }
  });

  it('interpolate: the options form gives the positional form’s numbers, from θ₀ by default', async () => {
    const { loadProblem, interpolate, randomDirection } = losslens;
    const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' }, backend: 'wasm' });
    try {
      const o = problem.train!.objective;
      const d = randomDirection(o.theta0, o.layout, 4, { norm: 'layer', includeBias: true });
      const far = Float32Array.from(o.theta0, (v, i) => v + d[i]);
      const a = await interpolate(o, { to: far });
      const b = await interpolate(o, undefined, o.theta0, far, { range: [0, 1], points: 21 });
      expect(a.alphas).toHaveLength(21);
      expect(a.train.loss).toEqual(b.train.loss);
      expect(a.ends.lossA).toBeCloseTo(linregLoss, 6); // α = 0 is θ₀
      await expect(interpolate(o, { to: far, points: 1 })).rejects.toThrow(/^option points: must be an integer in \[2, 1001\]/);
    } finally {
      await problem.dispose();
    }
  });

  it('runs the pipeline snippet: the hessian command as one library call, options named as fields', async () => {
    const { runAnalysis, hessianPipeline } = await import('../src/entries/pipelines.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-lib-'));
    try {
      const run = await runAnalysis(hessianPipeline, {
        model: 'fixtures/linreg',
        data: 'fixtures/linreg/data.csv',
        top: 2,
        bottom: 1,
        probes: 10,
        density: false,
        out: path.join(dir, 'h'),
      });
      expect(run.folder).toBe(path.join(dir, 'h'));
      expect(run.summary.meta.command).toBe('hessian');
      const summary = JSON.parse(await readFile(path.join(run.folder, 'summary.json'), 'utf8'));
      expect(summary.eigenvalues.top).toHaveLength(2);
      // a bad option is refused before any folder exists, naming the field
      await expect(
        runAnalysis(hessianPipeline, { model: 'fixtures/linreg', data: 'fixtures/linreg/data.csv', repeats: 1, out: path.join(dir, 'bad') }),
      ).rejects.toThrow(/^option repeats: must be an integer ≥ 2/);
      await expect(readFile(path.join(dir, 'bad', 'summary.json'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
