/**
 * info: a checkpoint's card (layers, parameter counts, storage, loss and regularizers, the
 * objective), the backend, and with data each dataset's memory and the batch size its passes use.
 * Reads and reports; writes no folder.
 */
import { startEngine, type BackendInfo } from '../engine/index.js';
import { readCheckpoint } from '../io/checkpoint-read.js';
import { loadDataset } from '../io/dataset.js';
import type { Checkpoint } from '../io/types.js';
import { checkpointCard } from '../model/model-card.js';
import { parseArchitecture } from '../model/architecture.js';
import { dataMemory, describeDataMemory, type DataMemory } from '../objective/data-memory.js';
import { ANALYSIS_DEFAULTS, dataSources, type DataOptions } from './common.js';

export interface InfoOptions extends DataOptions {
  model: string;
  backend?: string;
  regularizers?: boolean;
  seed?: number;
  batchSize?: number;
  workers?: number;
}

export interface InfoResult {
  card: ReturnType<typeof checkpointCard>;
  backend: BackendInfo;
  /** Per dataset given (role: --data, --x/--y or --test-data): its memory and a one-line description. */
  data: { option: string; memory: DataMemory; line: string }[];
}

export async function checkpointInfo(o: InfoOptions): Promise<InfoResult> {
  const { backend } = await startEngine({ backend: o.backend ?? ANALYSIS_DEFAULTS.backend });
  const checkpoint = await readCheckpoint(o.model);
  const card = checkpointCard(checkpoint, o.loss, { regularizers: o.regularizers ?? ANALYSIS_DEFAULTS.regularizers });
  return { card, backend, data: await dataCards(o, checkpoint) };
}

async function dataCards(o: InfoOptions, checkpoint: Checkpoint): Promise<InfoResult['data']> {
  const { train, test } = dataSources(o);
  const model = { arch: parseArchitecture(checkpoint), checkpoint };
  const out = [];
  for (const [option, src] of [[o.data ? '--data' : '-x/-y', train], ['--test-data', test]] as const) {
    if (!src) continue;
    const memory = dataMemory(model, await loadDataset(src), { batchSize: o.batchSize, workers: o.workers });
    out.push({ option, memory, line: describeDataMemory(memory) });
  }
  return out;
}
