/**
 * `losslens/io`: tfjs checkpoints (read, write, list a training trajectory), datasets (CSV, NPY,
 * IDX), vectors in θ's layout, and report folders written atomically.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadDataset, checkpointCard } from 'losslens/io';
 *
 * const ckpt = await readCheckpoint('fixtures/spiral-tanh');
 * const card = checkpointCard(ckpt);
 * const data = await loadDataset({ data: 'fixtures/spiral-tanh/train.csv' });
 * assert.equal(card.trainableParams, 371); // 2→16→16→3 Dense layers: 48 + 272 + 51
 * assert.equal(data.n, 300);
 * ```
 *
 * @module losslens/io
 */
export { readCheckpoint } from '../io/checkpoint-read.js';
export { writeCheckpoint, type CheckpointToWrite, type WriteCheckpointOptions } from '../io/checkpoint-write.js';
export { listCheckpoints } from '../io/trajectory.js';
export type { Checkpoint, CheckpointWeight, WeightSpec, Dataset, LabelKind } from '../io/types.js';
export { checkpointCard, modelCard, type ModelCard, type LayerCard, type CardOptions } from '../model/model-card.js';
export { loadDataset, takeRows, splitDisjoint, type LoadDatasetOptions } from '../io/dataset.js';
export { readVector, writeVector } from '../io/vector-file.js';
export { prepareOutputDir, defaultOutDir, type OutputDir } from '../io/output-dir.js';
export { writeReport, type ReportContent } from '../report/write-report.js';
export { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
export type { ObjectiveCard } from '../model/model-card.js';
export type { HvpCard, BlockCard } from '../model/card-structure.js';
export type { HvpMethod } from '../objective/rop/hvp.js';
