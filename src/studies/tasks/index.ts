/**
 * The default task-handler module of losslens studies (give its path to an executor):
 * `runTask(kind, config, ctx)` dispatches on kind. Kinds: 'train-and-measure'
 * (./train-and-measure.ts). Another study may pass its own handler module instead, or add
 * a kind here; handlers are imported lazily so a worker loads only what it runs.
 */
import { LosslensError } from '../../errors.js';
import type { TaskContext } from '../task-handler.js';

export const TASK_KINDS = ['train-and-measure'] as const;

export async function runTask(kind: string, config: unknown, ctx: TaskContext = {}): Promise<unknown> {
  switch (kind) {
    case 'train-and-measure': {
      const { trainAndMeasure } = await import('./train-and-measure.js');
      return trainAndMeasure(config as never, ctx);
    }
    default:
      throw new LosslensError('INTERNAL', `unknown task kind "${kind}"; known: ${TASK_KINDS.join(', ')}`);
  }
}

/** This module's file URL, for executors (the .ts source under tsx/vitest, the .js from dist/). */
export const DEFAULT_HANDLER = new URL(import.meta.url);
