/**
 * The default batch size of an Objective: batches of equal size, each about as many samples as keep
 * one forward pass's activations (the input and every layer's output) under activationBudget()
 * values (within 1.5 × that: see autoBatchSize), never more than one exact HVP's modelled memory
 * allows (HVP_BUDGET_BYTES: double backprop through depthwise convs, batch normalization and
 * recurrent unrolls holds 10–200 values per activation value; hvp-memory.ts), and at most the data.
 * Fewer, larger batches mean fewer kernel launches and better matmul blocking: on wasm the exact
 * HVP of the mlp-relu fixture (330 activations a sample) took 115 ms in batches of 512 against
 * 87 ms in one batch of 2 000; a CNN on 28×28 images (≈11.5k activations a sample) is no faster
 * past ~200 a batch on the wasm kernels, and the budget keeps its double-backprop memory near a few
 * hundred MB (the HVP holds ~30 activation-sized tensors). On the native kernels a batch's kernels
 * are threaded GEMMs and convolutions that amortise their start-up over larger batches: the LeNet
 * (21 402 activations a sample) over 1 024 images took 145 / 117 / 112 ms a gradient and 295 / 262 /
 * 251 ms an HVP in batches of 97 / 211 / 423 (one process, interleaved), where wasm's kernels gave
 * 466 / 456 ms and 937 / 928 ms for 97 / 211: so twice the budget where the native kernels run.
 */
import tf from '../tf.cjs';
import { forward, probeInputs } from '../model/forward.js';
import { activeBackend } from '../engine/index.js';
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import type { ModelBundle } from './model-bundle.js';
import { hvpBytes, hvpMemory } from './hvp-memory.js';
import { optionError } from '../errors.js';

/** 2²¹ float32 values: 8 MiB for one batch's activations (the wasm kernels, any other backend). */
export const ACTIVATION_BUDGET = 2 ** 21;
/** 2²² values (16 MiB) where the native kernels run. */
export const NATIVE_ACTIVATION_BUDGET = 2 ** 22;

/** The budget of this thread's backend and kernels: NATIVE_ACTIVATION_BUDGET on wasm with the native kernels, else ACTIVATION_BUDGET. */
export function activationBudget(): number {
  return activeBackend()?.name === 'wasm' && nativeKernelsInfo()?.path === 'native' ? NATIVE_ACTIVATION_BUDGET : ACTIVATION_BUDGET;
}
const MIN_BATCH = 16;

/** Input values plus every layer's output values for one sample. */
export function activationsPerSample(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>): number {
  return tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    const ws = bundle.checkpoint.weights.map((w) => tf.zeros(w.spec.shape));
    forward(bundle.arch, ws, probeInputs(bundle.arch), { capture });
    let total = bundle.arch.inputShape.reduce((a, b) => a * b, 1);
    for (const t of capture.values()) total += t.size;
    return total;
  });
}

/**
 * Bytes an automatic batch's exact HVP may hold (hvp-memory.ts's model), on any backend: half the
 * wasm heap. The model is within ±5 % of the measured peak on the MobileNetV2 export (native and
 * plain wasm kernels) and above it on the calibration stacks; the heap runs ~5 % over the peak of
 * distinct buffers (allocator, kernel scratch), and the rest is room for architectures the model
 * fits worse, and the pass's own batch and data copies.
 */
export const HVP_BUDGET_BYTES = 2 ** 31;
/** The wasm heap's limit (tfjs-backend-wasm's emscripten getHeapMax: 4 GiB − 64 KiB). */
export const WASM_HEAP_BYTES = 4294901760;
/** An explicit batch whose modelled HVP peak passes this share of the wasm heap is refused. */
export const WASM_HEAP_SHARE = 0.9;

/** Samples whose activations fill the budget (at least MIN_BATCH), and no more than one HVP's memory allows (at least 1). */
export function budgetFit(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>): number {
  return Math.min(Math.max(MIN_BATCH, Math.floor(activationBudget() / activationsPerSample(bundle))), hvpFit(bundle, HVP_BUDGET_BYTES));
}

/** The largest batch whose modelled HVP peak stays within `bytes` (at least 1). */
export function hvpFit(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>, bytes: number): number {
  const m = hvpMemory(bundle);
  return Math.max(1, Math.floor((bytes - m.fixedBytes) / m.perSampleBytes));
}

/**
 * Refuse, before any pass, an explicit batch size whose exact HVP cannot fit the wasm heap (on
 * the wasm backend, with or without the native kernels: the tensors live in its heap either way).
 */
export function checkHvpBatchSize(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>, batchSize: number, backend: string | undefined): void {
  if (backend !== 'wasm') return;
  const need = hvpBytes(bundle, batchSize),
    limit = WASM_HEAP_SHARE * WASM_HEAP_BYTES;
  if (need <= limit) return;
  const gb = (b: number) => (b / 2 ** 30).toFixed(1);
  throw optionError(
    'batchSize',
    `${batchSize} needs ≈${gb(need)} GB for one exact Hessian-vector product (${gb(hvpMemory(bundle).perSampleBytes)} GB a sample), more than the wasm heap holds (4 GB); give at most ${hvpFit(bundle, limit)}, or leave {batchSize} out to have it chosen`,
  );
}

/**
 * n samples in round(n / fit) batches of equal size (the last up to `batches − 1` smaller), fit the
 * budget's samples: every batch within 1.5 × the budget, and no runt. A batch costs a fixed share
 * of kernel launches and thread wake-ups whatever its size, so a small last batch costs nearly as
 * much as a full one: one batch of 256 LeNet images beats 195 + 61 on every pass, at some more
 * resident memory, while equal batches within the budget (128 + 128) are no faster than 195 + 61 —
 * the count of batches is what costs.
 */
export function autoBatchSize(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>, n: number): number {
  const fit = budgetFit(bundle);
  if (n <= fit) return Math.max(1, n);
  return Math.ceil(n / Math.max(1, Math.round(n / fit)));
}
