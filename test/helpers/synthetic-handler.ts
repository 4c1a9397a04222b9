/**
 * A tfjs-free handler module for exercising executors (tests, pool benchmarks):
 *   'busy'  {n, seed}   deterministic CPU work (n LCG steps); returns {seed, value} and a θ-like attachment
 *   'fail'  {message, code?}   throws (a LosslensError with that code when given)
 *   'crash' {}          kills its worker thread (process.exit inside a worker ends only that thread)
 */
import type { TaskOutput } from '../../src/studies/task-handler.js';
import { LosslensError, type ErrorCode } from '../../src/errors.js';

export async function runTask(kind: string, config: unknown): Promise<unknown> {
  const c = (config ?? {}) as { n?: number; seed?: number; message?: string; code?: ErrorCode };
  if (kind === 'busy') {
    let x = (c.seed ?? 1) >>> 0;
    let acc = 0;
    for (let i = 0; i < (c.n ?? 1000); i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      acc += x / 2 ** 32;
    }
    const out: TaskOutput = { result: { seed: c.seed, value: acc }, attachments: { theta: Float32Array.from([c.seed ?? 0, acc]) } };
    return out;
  }
  if (kind === 'fail') throw c.code ? new LosslensError(c.code, c.message ?? 'synthetic failure') : new Error(c.message ?? 'synthetic failure');
  if (kind === 'crash') process.exit(3);
  throw new Error(`unknown task kind "${kind}"`);
}
