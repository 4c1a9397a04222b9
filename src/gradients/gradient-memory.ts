/**
 * The batch of a gradients pass from the HVP memory model (hvp-memory.ts). One pass tapes the
 * forward outputs and runs one backward pass over them, holding every analysed layer's zero addend
 * and ∂L/∂a_k at once: the first half of the exact HVP's double backprop. The HVP's per-sample
 * bytes therefore bound it from above, and half of them is taken as what it needs at the least.
 * MobileNetV2 α 0.35 at 224×224 (9.8 M activation values a sample) models 421 MB a sample: a batch
 * of 32 cannot fit the 4 GB wasm heap, and the automatic batch is 5.
 */
import type { ModelBundle } from '../objective/model-bundle.js';
import { HVP_BUDGET_BYTES, hvpFit, WASM_HEAP_BYTES, WASM_HEAP_SHARE } from '../objective/auto-batch-size.js';
import { hvpMemory } from '../objective/hvp-memory.js';
import { optionError } from '../errors.js';
import { GRADIENT_DEFAULTS } from './options.js';

type Bundle = Pick<ModelBundle, 'arch' | 'checkpoint'>;

/** Share of the HVP's per-sample bytes a gradients pass needs at the least (one backward pass of the two). */
export const GRADIENT_SHARE_OF_HVP = 0.5;

/**
 * The default batch of `gradients`: GRADIENT_DEFAULTS.batchSize (64), or fewer where the HVP model
 * (an upper bound of one gradients pass) says the batch would pass HVP_BUDGET_BYTES (half the wasm heap).
 */
export function gradientBatchSize(bundle: Bundle): number {
  return Math.min(GRADIENT_DEFAULTS.batchSize, hvpFit(bundle, HVP_BUDGET_BYTES));
}

/** Modelled bytes of a gradients pass over `batchSize` samples at the least (GRADIENT_SHARE_OF_HVP of the HVP's per-sample bytes). */
export function gradientBytesAtLeast(bundle: Bundle, batchSize: number): number {
  const m = hvpMemory(bundle);
  return m.fixedBytes + batchSize * GRADIENT_SHARE_OF_HVP * m.perSampleBytes;
}

/** Refuse, on the wasm backend, an explicit batch whose gradients pass cannot fit the heap even at its least. */
export function checkGradientBatchSize(bundle: Bundle, batchSize: number, backend: string | undefined): void {
  if (backend !== 'wasm') return;
  const limit = WASM_HEAP_SHARE * WASM_HEAP_BYTES,
    need = gradientBytesAtLeast(bundle, batchSize);
  if (need <= limit) return;
  const gb = (b: number) => (b / 2 ** 30).toFixed(1);
  throw optionError(
    'batchSize',
    `${batchSize} needs ≥ ${gb(need)} GB for one gradients pass, more than the wasm heap holds (4 GB); give at most ${gradientBatchSize(bundle)}, or leave {batchSize} out to have it chosen`,
  );
}
