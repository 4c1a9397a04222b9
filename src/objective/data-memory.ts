/**
 * What a dataset costs in memory and how an objective will walk it: the samples as stored (bytes
 * stay bytes), as float32, and the batch size each worker will use (given, or automatic: equal
 * batches of about as many samples as keep one batch's activations under activationBudget() values,
 * within 1.5 × it, and one exact HVP's modelled memory under 2 GiB; auto-batch-size.ts). Backend memory is
 * O(batch + θ): only one batch is ever uploaded at a time.
 */
import type { Dataset } from '../io/types.js';
import { HVP_BUDGET_BYTES, activationBudget, activationsPerSample, autoBatchSize, hvpFit } from './auto-batch-size.js';
import { hvpBytes } from './hvp-memory.js';
import { defaultWorkers } from './create-objective.js';
import { shardSizes } from './pool-objective.js';
import type { ModelBundle } from './model-bundle.js';

/** The memory a prepared dataset takes and the batches it is evaluated in: stored bytes, batch size (and why), activation and HVP budget. */
export interface DataMemory {
  source: string;
  samples: number;
  inputShape: number[];
  /** How the inputs are held in memory. */
  storedAs: 'uint8' | 'float32';
  /** Inputs and labels as held in memory (shared by every worker thread). */
  storedBytes: number;
  /** The same data were it all float32. */
  float32Bytes: number;
  /** Samples per batch in each worker. */
  batchSize: number;
  batchSizeSource: 'option' | 'automatic';
  /** Input plus every layer's output, values per sample (what the automatic batch size divides the budget by). */
  activationsPerSample: number;
  /** Activation values an automatic batch may hold (2²¹; 2²² with the native kernels). */
  activationBudget: number;
  /** Values in one batch's forward activations. */
  activationsPerBatch: number;
  /** Modelled peak backend bytes of one exact HVP over one batch (hvp-memory.ts; the automatic batch keeps it ≤ 2 GiB). */
  hvpBytesPerBatch: number;
  /** Samples an automatic batch may hold by that HVP bound alone (it binds where fewer than the activation budget's). */
  hvpFit: number;
  workers: number;
  /** Batches each worker takes in one pass over its shard. */
  batchesPerPass: number;
}

export function dataMemory(model: Pick<ModelBundle, 'arch' | 'checkpoint'>, ds: Dataset, opts: { batchSize?: number; workers?: number } = {}): DataMemory {
  const workers = opts.workers ?? defaultWorkers(ds.n);
  const shard = Math.max(...shardSizes(ds.n, workers));
  const batchSize = opts.batchSize ?? autoBatchSize(model, Math.max(shard, 1));
  const perSample = activationsPerSample(model);
  const xCount = ds.x.length;
  return {
    source: ds.source,
    samples: ds.n,
    inputShape: [...ds.xShape],
    storedAs: ds.x instanceof Uint8Array ? 'uint8' : 'float32',
    storedBytes: ds.x.byteLength + ds.y.byteLength,
    float32Bytes: xCount * 4 + ds.y.byteLength,
    batchSize,
    batchSizeSource: opts.batchSize === undefined ? 'automatic' : 'option',
    activationsPerSample: perSample,
    activationBudget: activationBudget(),
    activationsPerBatch: perSample * batchSize,
    hvpBytesPerBatch: hvpBytes(model, batchSize),
    hvpFit: hvpFit(model, HVP_BUDGET_BYTES),
    workers: Math.min(workers, Math.max(1, ds.n)),
    batchesPerPass: Math.ceil(shard / batchSize),
  };
}

/** One line for people: "60000 samples [28, 28]: 45.6 MB as uint8 (180 MB as float32); batches of 182 …". */
export function describeDataMemory(m: DataMemory): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 2 : 1)} MB`;
  const byHvp = m.hvpFit < Math.max(16, Math.floor(m.activationBudget / m.activationsPerSample));
  const auto =
    m.batchSizeSource === 'option'
      ? ' (--batch-size)'
      : byHvp
        ? ` (automatic: equal batches near ${m.hvpFit} samples, as many as one exact HVP's memory allows)`
        : ` (automatic: equal batches near ${m.activationBudget} activation values, ${m.activationsPerSample} a sample)`;
  return (
    `${m.samples} samples [${m.inputShape.join(', ')}]: ${mb(m.storedBytes)} in memory as ${m.storedAs}` +
    (m.storedAs === 'uint8' ? ` (${mb(m.float32Bytes)} as float32)` : '') +
    `, shared by ${m.workers} worker${m.workers === 1 ? '' : 's'}; batches of ${m.batchSize}${auto}, ${m.batchesPerPass} a pass per worker; ` +
    `an exact HVP ≈${mb(m.hvpBytesPerBatch)} a batch`
  );
}
