/**
 * A backend that runs out of memory inside the gradients pass (a wasm trap) reaches the user as one
 * input error naming --batch-size and the batch that ran, not as "memory access out of bounds".
 * analyzeGradients is replaced by one that traps as tfjs-backend-wasm does when its heap is exhausted.
 */
import { describe, it, expect, vi } from 'vitest';
import { LosslensError } from '../src/errors.js';
import { bundleOf, depthwiseNet } from './helpers/hvp-memory-nets.js';

vi.mock('../src/gradients/analyze-gradients.js', async (orig) => ({
  ...(await orig<typeof import('../src/gradients/analyze-gradients.js')>()),
  analyzeGradients: async () => {
    throw new WebAssembly.RuntimeError('memory access out of bounds');
  },
}));

describe('gradients pipeline out of memory', () => {
  it('maps a wasm trap to one BAD_INPUT error naming --batch-size and the batch', async () => {
    const { gradientsPipeline } = await import('../src/pipelines/gradients.js');
    const model = await bundleOf(depthwiseNet);
    const bar = Object.assign(() => {}, { done: () => {} });
    const problem = { model, train: { prepared: { n: 40 } } } as any;
    const err = await gradientsPipeline.run({ problem, progress: () => bar } as any, { batchSize: 24 } as any).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LosslensError);
    expect((err as LosslensError).code).toBe('BAD_INPUT');
    expect((err as Error).message).toMatch(/ran out of memory in the gradients pass \(batches of 24 samples.*--batch-size/);
    expect((err as Error).message).not.toContain('\n');
  });
});
