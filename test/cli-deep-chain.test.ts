/**
 * A valid Keras chain of 10 000 Dense layers loads and evaluates (issue 33, item 10): as a
 * Sequential, and as a functional model whose layers are listed head first, which a recursive
 * topological sort would follow 10 000 calls deep.
 */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { evalLoss, tmpDir } from './helpers/odd-checkpoints.js';
import { jobPool } from './helpers/job-pool.js';

/**
 * A chain of `n` Dense(2) layers, identity kernels and zero biases, so the model's output is its
 * input; `reversed` lists a functional model's layers head first (each needs the one after it).
 */
async function deepChain(name: string, n: number, kind: 'sequential' | 'reversed'): Promise<string> {
  const dir = path.join(tmpDir(), name);
  await fs.mkdir(dir, { recursive: true });
  const dense = (i: number) => ({ class_name: 'Dense', name: `d${i}`, config: { name: `d${i}`, units: 2, activation: 'linear', use_bias: true } });
  let topology: object;
  if (kind === 'sequential') {
    const ls = Array.from({ length: n }, (_, i) => dense(i));
    Object.assign(ls[0].config, { batch_input_shape: [null, 2] });
    topology = { class_name: 'Sequential', config: { name, layers: ls } };
  } else {
    const input = { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 2] }, inbound_nodes: [] };
    const ls = Array.from({ length: n }, (_, i) => ({ ...dense(i), inbound_nodes: [[[i === 0 ? 'in' : `d${i - 1}`, 0, 0, {}]]] })).reverse();
    topology = { class_name: 'Model', config: { name, layers: [input, ...ls], input_layers: [['in', 0, 0]], output_layers: [[`d${n - 1}`, 0, 0]] } };
  }
  const weights = Array.from({ length: n }, (_, i) => [
    { name: `d${i}/kernel`, shape: [2, 2], dtype: 'float32' },
    { name: `d${i}/bias`, shape: [2], dtype: 'float32' },
  ]).flat();
  const json = {
    format: 'layers-model',
    modelTopology: topology,
    trainingConfig: { loss: 'mean_squared_error' },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  const w = new Float32Array(6 * n);
  for (let i = 0; i < n; i++) w.set([1, 0, 0, 1, 0, 0], 6 * i);
  await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(w.buffer));
  await fs.writeFile(path.join(dir, 'data.csv'), 'x0,x1,label_0,label_1\n0.5,-1,0,0\n2,0.25,0,0\n-1.5,1,0,0\n0,3,0,0\n');
  return dir;
}

describe('a 10 000-layer chain', () => {
  it('loads and evaluates as a Sequential and as a functional model listed head first', async () => {
    // output = input, targets 0: the MSE is the mean of x² over samples and outputs
    const want = [0.5, -1, 2, 0.25, -1.5, 1, 0, 3].reduce((a, x) => a + x * x, 0) / 8;
    const [seq, fn] = await Promise.all([deepChain('deep-seq', 10_000, 'sequential'), deepChain('deep-fn', 10_000, 'reversed')]);
    const [a, b] = await jobPool([() => evalLoss(seq, path.join(seq, 'data.csv')), () => evalLoss(fn, path.join(fn, 'data.csv'))], 2);
    expect(a).toBeCloseTo(want, 5);
    expect(b).toBeCloseTo(want, 5);
  }, 180_000);
});
