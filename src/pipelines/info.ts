/**
 * info: a checkpoint's card (layers, parameter counts, storage, loss and regularizers, the
 * objective), the backend, and with data each dataset's memory and the batch size its passes use.
 * Reads and reports; writes no folder.
 */
import { startEngine, type BackendInfo } from '../engine/index.js';
import { readCheckpoint } from '../io/checkpoint-read.js';
import { loadDataset } from '../io/dataset.js';
import type { Checkpoint, DataPart, Dataset } from '../io/types.js';
import { checkpointCard } from '../model/model-card.js';
import { inputsOf, parseArchitecture } from '../model/architecture.js';
import { dataInputShapes, hasNullDims, modelIONames } from '../objective/fit-inputs.js';
import { dataMemory, describeDataMemory, type DataMemory } from '../objective/data-memory.js';
import { ANALYSIS_DEFAULTS, dataSources, type DataOptions } from './common.js';

/** The info command's options: the checkpoint, the data to describe, the backend and the batch settings. */
export interface InfoOptions extends DataOptions {
  model: string;
  backend?: string;
  regularizers?: boolean;
  seed?: number;
  batchSize?: number;
  workers?: number;
}

/** What {@link checkpointInfo} returns: the model card, the backend and each dataset's memory. */
export interface InfoResult {
  card: ReturnType<typeof checkpointCard>;
  backend: BackendInfo;
  /** Per dataset given (role: --data, --x/--y or --test-data): its memory and a one-line description. */
  data: { option: string; memory: DataMemory; line: string }[];
}

/**
 * What `losslens info` shows: the model card of a checkpoint, the backend, and for each dataset given the memory
 * it takes and the batches it is evaluated in.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { checkpointInfo } from 'losslens/pipelines';
 *
 * const info = await checkpointInfo({ model: 'fixtures/linreg', data: 'fixtures/linreg/data.csv' });
 * assert.equal(info.card.trainableParams, 6);
 * assert.equal(info.data[0].memory.samples, 256);
 * ```
 */
export async function checkpointInfo(o: InfoOptions): Promise<InfoResult> {
  const { backend } = await startEngine({ backend: o.backend ?? ANALYSIS_DEFAULTS.backend });
  const checkpoint = await readCheckpoint(o.model);
  const chosen = o.output === undefined ? checkpoint : { ...checkpoint, io: { ...checkpoint.io, output: o.output } };
  const card = checkpointCard(chosen, o.loss, { regularizers: o.regularizers ?? ANALYSIS_DEFAULTS.regularizers });
  return { card, backend, data: await dataCards(o, checkpoint) };
}

async function dataCards(o: InfoOptions, checkpoint: Checkpoint): Promise<InfoResult['data']> {
  const { train, test } = dataSources(o);
  const read = o.output === undefined ? checkpoint : { ...checkpoint, io: { ...checkpoint.io, output: o.output } };
  const arch = parseArchitecture(read);
  const out = [];
  for (const [option, src] of [
    [o.data ? '--data' : '-x/-y', train],
    ['--test-data', test],
  ] as const) {
    if (!src) continue;
    const ds = await loadDataset({ ...src, model: modelIONames(arch) });
    // a null input dimension takes the data's length (fit-inputs.ts): the memory is that model's
    const fixed = hasNullDims(arch) ? dataInputShapes(arch, ds) : undefined;
    const model = fixed ? { checkpoint: read, arch: parseArchitecture({ ...read, io: { ...read.io, inputShapes: fixed } }) } : { checkpoint: read, arch };
    const memory = dataMemory(model, ds, { batchSize: o.batchSize, workers: o.workers });
    out.push({ option, memory, line: describeDataMemory(memory) + fixedLine(arch, fixed) + partsLine(ds) });
  }
  return out;
}

/** The lengths the data gives the inputs saved with null dimensions. */
function fixedLine(arch: ReturnType<typeof parseArchitecture>, fixed: number[][] | undefined): string {
  if (!fixed) return '';
  const parts = inputsOf(arch).flatMap((i, k) =>
    i.declared.includes(null) ? [`${i.name} [${i.declared.map((d) => d ?? 'null').join(', ')}] → [${fixed[k]!.join(', ')}]`] : [],
  );
  return `; null dimensions fixed by the data: ${parts.join(', ')}`;
}

/** Which array feeds which input and output, for data of several arrays. */
function partsLine(ds: Dataset): string {
  if (!ds.parts) return '';
  const name = (p: DataPart) => `${p.name} ← ${p.source} [${p.shape.join(', ')}]`;
  return `; inputs: ${ds.parts.inputs.map(name).join(', ')}; targets: ${ds.parts.targets.map(name).join(', ')}`;
}
