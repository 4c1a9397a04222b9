/**
 * The gradients pass's batch comes from the HVP memory model (src/gradients/gradient-memory.ts):
 * a model whose samples are large gets fewer than 64 a minibatch by default, and an explicit batch
 * that cannot fit the wasm heap is refused naming batchSize before any pass. The wide image model
 * (~0.5 GB an HVP sample) stands in for the MobileNetV2 export (421 MB a sample modelled).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { HVP_BUDGET_BYTES, WASM_HEAP_BYTES, WASM_HEAP_SHARE, hvpFit } from '../src/objective/auto-batch-size.js';
import { hvpBytes, hvpMemory } from '../src/objective/hvp-memory.js';
import { GRADIENT_SHARE_OF_HVP, checkGradientBatchSize, gradientBatchSize, gradientBytes } from '../src/gradients/gradient-memory.js';
import { analyzeGradients } from '../src/gradients/analyze-gradients.js';
import { bundleOf, depthwiseNet, wideImageNet } from './helpers/hvp-memory-nets.js';
import { fixtureOf } from './helpers/mobile-one-d-nets.js';

describe('gradients batch from the memory model', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('chooses the largest batch whose modelled pass stays within the budget, and 64 for a small model', async () => {
    const wide = await bundleOf(wideImageNet);
    const b = gradientBatchSize(wide);
    expect(b).toBe(hvpFit(wide, HVP_BUDGET_BYTES));
    expect(b).toBeLessThan(64);
    expect(hvpBytes(wide, b)).toBeLessThanOrEqual(HVP_BUDGET_BYTES); // the bound holds at b …
    expect(hvpBytes(wide, b + 1)).toBeGreaterThan(HVP_BUDGET_BYTES); // … and b is the largest such batch
    expect(gradientBatchSize(await bundleOf(depthwiseNet))).toBe(64);
  });

  it('refuses on wasm an explicit batch that cannot fit the heap by its estimated pass; other backends and fitting batches pass', async () => {
    const wide = await bundleOf(wideImageNet);
    const m = hvpMemory(wide);
    expect(gradientBytes(wide, 3)).toBe(m.fixedBytes + 3 * GRADIENT_SHARE_OF_HVP * m.perSampleBytes);
    const limit = WASM_HEAP_SHARE * WASM_HEAP_BYTES;
    const most = Math.floor((limit - m.fixedBytes) / (GRADIENT_SHARE_OF_HVP * m.perSampleBytes));
    expect(() => checkGradientBatchSize(wide, most, 'wasm')).not.toThrow();
    expect(() => checkGradientBatchSize(wide, most + 1, 'wasm')).toThrow(/option batchSize.*wasm heap/);
    expect(() => checkGradientBatchSize(wide, most + 1, 'cpu')).not.toThrow();
  });

  it('analyzeGradients (wasm) without a batch size draws minibatches of the chosen size, leaking no tensor; refuses a batch too large', async () => {
    await selectBackend('wasm');
    const f = await fixtureOf(wideImageNet, 6, 1);
    f.model.dispose();
    const b = gradientBatchSize(f.bundle);
    expect(b).toBeLessThan(6); // so the data alone would not cap the batch
    const before = tf.memory().numTensors;
    const g = await analyzeGradients(f.bundle, f.data, { batches: 1 });
    expect(g.batches.size).toBe(b);
    expect(g.options.batchSize).toBe(b);
    expect(Number.isFinite(g.loss.mean)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    await expect(analyzeGradients(f.bundle, f.data, { batches: 1, batchSize: 64 })).rejects.toThrow(/option batchSize/);
  }, 300_000);
});
