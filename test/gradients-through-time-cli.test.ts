/**
 * `losslens gradients` on a recurrent checkpoint through the real CLI: a tanh SimpleRNN with small
 * recurrent weights over 20 steps writes summary.json's gradients.throughTime (one entry, 20 steps,
 * the ratio the digest prints), the vanishing-through-time finding, and through-time.png, whose
 * curve rises from step 1 to step T on its log axis; a Dense model gets neither.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { writeCheckpoint } from '../src/io/checkpoint-write.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { runCli } from './helpers/run-cli.js';

const T = 20,
  F = 3,
  N = 16;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-bptt-'));

function npy(file: string, values: Float32Array, shape: number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

async function save(name: string, first: tf.layers.Layer): Promise<string> {
  const model = tf.sequential({
    layers: [first, tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ seed: 4 }) })],
  });
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
  const dir = path.join(tmp, name);
  await writeCheckpoint(dir, await checkpointFromModel(model));
  model.dispose();
  return dir;
}

const data = path.join(tmp, 'data');
beforeAll(async () => {
  const rng = createRng(2);
  mkdirSync(data);
  npy(
    path.join(data, 'x.npy'),
    Float32Array.from({ length: N * T * F }, () => rng.normal()),
    [N, T, F],
  );
  npy(
    path.join(data, 'y.npy'),
    Float32Array.from({ length: N }, (_, i) => i % 3),
    [N],
  );
});

describe('gradients through time (CLI)', () => {
  it('SimpleRNN(tanh), small recurrent weights: summary throughTime, vanishing finding, through-time.png rising to step T', async () => {
    const model = await save(
      'rnn',
      tf.layers.simpleRNN({
        units: 6,
        inputShape: [T, F],
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 1 }),
        recurrentInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 2 }),
      }),
    );
    const out = path.join(tmp, 'out-rnn');
    const r = await runCli(['gradients', '--model', model, '--data', data, '--out', out, '--batches', '2', '--batch-size', '8', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tt = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).gradients.throughTime;
    expect(tt.layers).toHaveLength(1);
    const l = tt.layers[0];
    expect([l.direction, l.steps.length, l.steps[0].t, l.steps[T - 1].position]).toEqual(['forward', T, 1, T - 1]);
    expect(l.ratioFirstToLast).toBeCloseTo(l.steps[0].norm / l.steps[T - 1].norm, 12);
    expect(l.ratioFirstToLast).toBeLessThan(1e-8);
    expect(tt.findings.map((f: any) => f.code)).toEqual(['vanishing-through-time']);
    expect(r.stdout).toContain(`the gradient reaching step 1 is ${l.ratioFirstToLast.toExponential(2)} of step ${T}'s`);
    expect(r.stdout).toMatch(/gradient through time: ‖∂ℓ_i\/∂h_t‖ per sample/);
    const png = PNG.sync.read(readFileSync(path.join(out, 'through-time.png')));
    expect([png.width, png.height]).toEqual([800, 600]);
    // the series' line (Vega's first category colour #4c78a8): its right end (t = T) sits far above its left end (t = 1)
    const ys: [number, number][] = [];
    for (let y = 0; y < png.height; y++)
      for (let x = 0; x < 600; x++) {
        const i = 4 * (y * png.width + x);
        if (Math.abs(png.data[i]! - 0x4c) < 8 && Math.abs(png.data[i + 1]! - 0x78) < 8 && Math.abs(png.data[i + 2]! - 0xa8) < 8) ys.push([x, y]);
      }
    const left = ys.filter(([x]) => x < Math.min(...ys.map((p) => p[0])) + 3),
      right = ys.filter(([x]) => x > Math.max(...ys.map((p) => p[0])) - 3);
    expect(Math.min(...left.map((p) => p[1]))).toBeGreaterThan(Math.max(...right.map((p) => p[1])) + 300);
  });

  it('a model without recurrent layers: no throughTime, no through-time.png', async () => {
    const model = await save('dense', tf.layers.flatten({ inputShape: [T, F] }));
    const out = path.join(tmp, 'out-dense');
    const r = await runCli(['gradients', '--model', model, '--data', data, '--out', out, '--batches', '1', '--batch-size', '8', '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).gradients.throughTime).toBeUndefined();
    expect(existsSync(path.join(out, 'through-time.png'))).toBe(false);
    expect(r.stdout).not.toContain('gradient through time');
  });
});
