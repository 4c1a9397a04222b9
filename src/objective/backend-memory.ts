/**
 * A backend that runs out of memory fails with whatever its runtime says: a wasm trap ("memory
 * access out of bounds", "table index is out of bounds", "null function or function signature
 * mismatch" once the heap is corrupt), XNNPACK's "XNN status 6" (out of memory), V8's "Array
 * buffer allocation failed", TensorFlow's "OOM when allocating". None of them names the cause.
 * This turns them into one input error that says what ran out and what to do.
 */
import { LosslensError } from '../errors.js';

const OUT_OF_MEMORY = [
  /memory access out of bounds/i,
  /table index is out of bounds/i,
  /null function or function signature mismatch/i,
  /XNN status 6/i,
  /Array buffer allocation failed/i,
  /Cannot allocate Wasm memory/i,
  /WebAssembly\.Memory\(\): could not allocate/i,
  /Out of memory/i,
  /OOM when allocating/i,
  /RESOURCE_EXHAUSTED/,
];

/** True when `err` is one of the backends' out-of-memory failures. */
export function isBackendMemoryError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return !(err instanceof LosslensError) && OUT_OF_MEMORY.some((re) => re.test(msg));
}

export interface MemoryContext {
  /** What was running, e.g. "the Hessian-vector product". */
  what: string;
  batchSize: number;
  params: number;
  /** Values in one sample's forward activations (input + every layer output). */
  activationsPerSample?: number;
}

/** `err` as an out-of-memory input error naming the batch and the remedy; other errors as they are. */
export function explainMemoryError(err: unknown, ctx: MemoryContext): unknown {
  if (!isBackendMemoryError(err)) return err;
  const mb = (v: number) => `${Math.round((v * 4) / 2 ** 20)} MB`;
  const acts = ctx.activationsPerSample ? `, ≈${mb(ctx.activationsPerSample * ctx.batchSize)} of activations a batch` : '';
  const msg =
    `the backend ran out of memory in ${ctx.what} (batches of ${ctx.batchSize} samples, ${ctx.params} parameters${acts}; a wasm heap holds at most 4 GB): ` +
    `give a smaller --batch-size (e.g. ${Math.max(1, Math.floor(ctx.batchSize / 4))}), or fewer --workers; --samples N analyses a subset`;
  return new LosslensError('BAD_INPUT', msg, { cause: err });
}
