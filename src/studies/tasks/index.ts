/**
 * The default task-handler module of losslens studies (give its path to an executor):
 * `runTask(kind, config, ctx)` dispatches on kind. Kinds: 'train-and-measure'
 * (./train-and-measure.ts), 'saddle-dynamics' (./saddle-dynamics.ts), 'critical-point' (./critical-point.ts),
 * 'checkpoint-analysis' (./checkpoint-analysis.ts), 'landscape-block' (./landscape-block.ts). Another study may pass its
 * own handler module instead, or add a kind here; handlers are imported lazily so a worker loads only what it runs.
 */
import { LosslensError } from '../../errors.js';
import type { TaskContext } from '../task-handler.js';

export const TASK_KINDS = ['train-and-measure', 'saddle-dynamics', 'critical-point', 'checkpoint-analysis', 'landscape-block'] as const;

type Kind = (config: unknown, ctx: TaskContext) => Promise<unknown>;
/** Kinds by name, without a prototype: a job's kind "constructor" or "__proto__" finds nothing. */
const KINDS: Record<string, Kind> = Object.assign(Object.create(null) as Record<string, Kind>, {
  'train-and-measure': async (config: unknown, ctx: TaskContext) => (await import('./train-and-measure.js')).trainAndMeasure(config as never, ctx),
  'saddle-dynamics': async (config: unknown, ctx: TaskContext) => (await import('./saddle-dynamics.js')).saddleDynamics(config as never, ctx),
  'critical-point': async (config: unknown, ctx: TaskContext) => (await import('./critical-point.js')).criticalPointTask(config as never, ctx),
  'checkpoint-analysis': async (config: unknown, ctx: TaskContext) => (await import('./checkpoint-analysis.js')).checkpointAnalysisTask(config as never, ctx),
  'landscape-block': async (config: unknown, ctx: TaskContext) => (await import('./landscape-block.js')).landscapeBlock(config as never, ctx),
});

export async function runTask(kind: string, config: unknown, ctx: TaskContext = {}): Promise<unknown> {
  if (typeof kind !== 'string' || !Object.hasOwn(KINDS, kind))
    throw new LosslensError('BAD_INPUT', `unknown task kind ${JSON.stringify(String(kind).slice(0, 40))}; known: ${TASK_KINDS.join(', ')}`);
  return KINDS[kind](config, ctx);
}

/** This module's file URL, for executors (the .ts source under tsx/vitest, the .js from dist/). */
export const DEFAULT_HANDLER = new URL(import.meta.url);
