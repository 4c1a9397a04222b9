import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { startEngine, stopEngine, currentEngine, requireEngine } from '../src/engine/index.js';
import { SECOND_ORDER_KERNELS } from '../src/objective/second-order-gradients.js';

/** The engine owns tfjs's process-wide state an exact HVP depends on; this guards its contract. */
describe('engine', () => {
  it('an objective needs a started engine; start registers, stop restores the previous gradients and PROD', async () => {
    stopEngine();
    expect(currentEngine()).toBeUndefined();
    expect(() => requireEngine('an Objective')).toThrow(/an Objective needs the losslens engine: call startEngine\(\) first/);
    const stockTanh = tf.getGradient('Tanh');
    const prod = tf.env().getBool('PROD');
    const engine = await startEngine({ backend: 'cpu' });
    expect(engine.backend.name).toBe('cpu');
    expect(engine.secondOrderKernels).toEqual(SECOND_ORDER_KERNELS);
    expect(tf.env().getBool('PROD')).toBe(true);
    expect(tf.getGradient('Tanh')).not.toBe(stockTanh); // ours: twice differentiable
    expect(await startEngine({ backend: 'cpu' })).toBe(engine); // idempotent
    // d²/dx² tanh(x) = −2 tanh(x) (1 − tanh²(x)): exact only with our registration
    const x = 0.7;
    const g2 = tf.tidy(() => (tf.grad(tf.grad((t: tf.Tensor) => tf.tanh(t))) as (t: tf.Tensor) => tf.Tensor)(tf.scalar(x)).dataSync()[0]);
    expect(g2).toBeCloseTo(-2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), 5);
    stopEngine();
    expect(tf.getGradient('Tanh')).toBe(stockTanh);
    expect(tf.env().getBool('PROD')).toBe(prod);
    expect(() => requireEngine('an Objective')).toThrow(/startEngine/);
    await startEngine({ backend: 'cpu' }); // leave the process as the other tests expect it
  });
});
