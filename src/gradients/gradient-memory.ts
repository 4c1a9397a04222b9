/**
 * The batch of a gradients pass from the HVP memory model (hvp-memory.ts). One pass tapes the
 * forward outputs and runs one backward pass over them, holding every analysed layer's zero addend
 * and ∂L/∂a_k at once: the first half of the exact HVP's double backprop. The HVP's per-sample
 * bytes therefore bound it from above, and half of them estimate it: on the MobileNetV2 export the
 * peak RSS grew 190 MB a sample between batches of 5 (1.37 GB) and 16 (3.45 GB), 0.45 × the 421 MB modelled.
 * A batch of 32 of that model cannot fit the 4 GB wasm heap; its automatic batch is 5.
 */
import type { ModelBundle } from '../objective/model-bundle.js';
import { HVP_BUDGET_BYTES, hvpFit, WASM_HEAP_BYTES, WASM_HEAP_SHARE } from '../objective/auto-batch-size.js';
import { hvpMemory } from '../objective/hvp-memory.js';
import { optionError } from '../errors.js';
import { GRADIENT_DEFAULTS } from './options.js';

type Bundle = Pick<ModelBundle, 'arch' | 'checkpoint'>;

/** Share of the HVP's per-sample bytes one gradients pass holds (one backward pass of the two; 0.45 measured, see above). */
export const GRADIENT_SHARE_OF_HVP = 0.5;

/**
 * The default batch of `gradients`: GRADIENT_DEFAULTS.batchSize (64), or fewer where the HVP model
 * (an upper bound of one gradients pass) says the batch would pass HVP_BUDGET_BYTES (half the wasm heap).
 */
export function gradientBatchSize(bundle: Bundle): number {
  return Math.min(GRADIENT_DEFAULTS.batchSize, hvpFit(bundle, HVP_BUDGET_BYTES));
}

/** Estimated bytes of a gradients pass over `batchSize` samples (GRADIENT_SHARE_OF_HVP of the HVP's per-sample bytes). */
export function gradientBytes(bundle: Bundle, batchSize: number): number {
  const m = hvpMemory(bundle);
  return m.fixedBytes + batchSize * GRADIENT_SHARE_OF_HVP * m.perSampleBytes;
}

/** Refuse, on the wasm backend, an explicit batch whose estimated gradients pass passes WASM_HEAP_SHARE of the heap. */
export function checkGradientBatchSize(bundle: Bundle, batchSize: number, backend: string | undefined): void {
  if (backend !== 'wasm') return;
  const limit = WASM_HEAP_SHARE * WASM_HEAP_BYTES,
    need = gradientBytes(bundle, batchSize);
  if (need <= limit) return;
  const gb = (b: number) => (b / 2 ** 30).toFixed(1);
  throw optionError(
    'batchSize',
    `${batchSize} needs ≈${gb(need)} GB for one gradients pass, more than the wasm heap holds (4 GB); give at most ${gradientBatchSize(bundle)}, or leave {batchSize} out to have it chosen`,
  );
}
