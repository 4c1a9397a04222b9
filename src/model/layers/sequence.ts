/** The sequence and text layer families, registered in layer-ops.ts with one spread. */
import type { LayerOp } from '../layer-op.js';
import { RECURRENT_LAYERS } from './recurrent.js';
import { EMBEDDING_LAYERS } from './embedding.js';
import { WRAPPER_LAYERS } from './wrappers.js';

export const SEQUENCE_LAYERS: Record<string, LayerOp> = { ...RECURRENT_LAYERS, ...EMBEDDING_LAYERS, ...WRAPPER_LAYERS };
