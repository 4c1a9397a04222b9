/** The fit callback's small rules: the stability threshold per optimizer, the budget, per-layer norms and the attenuation finding. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { optimizerInfo } from '../src/fit/model-snapshot.js';
import { withinBudget } from '../src/fit/budget.js';
import { attenuationFinding, layerNorms } from '../src/fit/measure.js';
import { withMeasurementEngine } from '../src/fit/engine-scope.js';
import { currentEngine, stopEngine } from '../src/engine/engine.js';

const withOptimizer = (optimizer: tf.Optimizer) => ({ optimizer }) as unknown as tf.LayersModel;

describe('fit rules', () => {
  it('reads η and the threshold that governs each optimizer', () => {
    expect(optimizerInfo(withOptimizer(tf.train.sgd(0.1)))).toMatchObject({ name: 'SGD', learningRate: 0.1, thresholdKind: 'hessian', threshold: 20 });
    const mom = optimizerInfo(withOptimizer(tf.train.momentum(0.1, 0.9)));
    expect(mom.threshold).toBeCloseTo(38, 12); // (2 + 2·0.9)/0.1
    const adam = optimizerInfo(withOptimizer(tf.train.adam(0.001, 0.9)));
    expect(adam.thresholdKind).toBe('preconditioned');
    expect(adam.threshold).toBeCloseTo(38000, 6); // (2 + 1.8)/(0.1·0.001)
    expect(optimizerInfo(withOptimizer(tf.train.rmsprop(0.01)))).toMatchObject({ thresholdKind: 'preconditioned', threshold: 200 });
    expect(optimizerInfo({} as tf.LayersModel)).toMatchObject({ name: 'none', learningRate: null, threshold: null });
  });

  it('the budget: the first always, then measured + one more within budget % of the wall time it ends at', () => {
    expect(withinBudget(0, 0, 0, 0, 1)).toBe(true);
    // 10 s measured, 10 s more: 20 s of a wall time of 90 + 10 = 100 s is 20 %
    expect(withinBudget(1, 10_000, 10_000, 90_000, 20)).toBe(true);
    expect(withinBudget(1, 10_000, 10_000, 89_000, 20)).toBe(false);
    expect(withinBudget(5, 1e9, 1e9, 1, 100)).toBe(true);
  });

  it('per-layer norms group a layer’s kernel and bias; attenuation is first/last kernel with the gradients thresholds', () => {
    const layout = {
      dim: 5,
      blocks: [
        { layer: 'a', name: 'a/kernel', shape: [2], offset: 0, size: 2, role: 'kernel' as const, filterAxis: 0 },
        { layer: 'a', name: 'a/bias', shape: [1], offset: 2, size: 1, role: 'bias' as const, filterAxis: null },
        { layer: 'b', name: 'b/kernel', shape: [2], offset: 3, size: 2, role: 'kernel' as const, filterAxis: 0 },
      ],
    };
    const n = layerNorms(layout, Float32Array.of(3, 4, 12, 0.6, 0.8));
    expect(n.all).toEqual([
      { layer: 'a', norm: 13 },
      { layer: 'b', norm: expect.closeTo(1, 6) },
    ]);
    expect(n.kernels[0]).toEqual({ layer: 'a', norm: 5 });
    expect(attenuationFinding(n.kernels, 13)).toEqual({ ratio: expect.closeTo(5, 6), finding: 'healthy' });
    expect(
      attenuationFinding(
        [
          { layer: 'a', norm: 1e-4 },
          { layer: 'b', norm: 1 },
        ],
        1,
      )?.finding,
    ).toBe('vanishing-gradients');
    expect(
      attenuationFinding(
        [
          { layer: 'a', norm: 1e4 },
          { layer: 'b', norm: 1 },
        ],
        1e4,
      )?.finding,
    ).toBe('exploding-gradients');
    expect(attenuationFinding([{ layer: 'a', norm: 1 }], 1)).toBeNull();
  });
});

describe('the engine around a measurement', () => {
  // the engine is process-wide: a test file before this one in the same worker process may have left one running
  beforeAll(() => {
    if (currentEngine()) stopEngine();
  });

  it('on cpu: started for the measurement, then the registrations and PROD flag found are back', async () => {
    await tf.setBackend('cpu');
    const tanh = tf.getGradient('Tanh'),
      prod = tf.env().getBool('PROD');
    const inside = await withMeasurementEngine(async () => [currentEngine()?.backend.name, tf.getGradient('Tanh') === tanh]);
    expect(inside).toEqual(['cpu', false]); // the engine's own Tanh gradient while measuring
    expect([currentEngine(), tf.getGradient('Tanh') === tanh, tf.env().getBool('PROD'), tf.getBackend()]).toEqual([undefined, true, prod, 'cpu']);
  });

  it('on wasm without a started engine: refused, naming startEngine, and the measurement not run', async () => {
    let ran = false;
    await expect(withMeasurementEngine(async () => (ran = true), 'wasm')).rejects.toThrow(/call startEngine\(\{ backend: 'wasm' \}\) before model\.fit/);
    expect(ran).toBe(false);
  });
});
