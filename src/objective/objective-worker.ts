/**
 * Entry of one PoolObjective worker thread: its own tfjs and backend, and a LocalObjective over
 * one contiguous shard of the dataset. Protocol (see pool-objective.ts):
 *   out  {type: 'ready', layout, theta0, n, backend} | {type: 'failed', error}   once, after start-up
 *   in   {id, op: 'evaluate' | 'grad' | 'hvp', theta, v?}
 *   out  {id, result} | {id, error: {message, code?}}
 * Float32Array results travel back as transferred buffers (copied out of tfjs first).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend.js';
import { LosslensError } from '../errors.js';
import type { Checkpoint } from '../io/types.js';
import { LocalObjective, type ObjectiveOptions } from './local-objective.js';
import { loadModel } from './model-bundle.js';
import type { PreparedData } from './prepare-data.js';

export interface ObjectiveWorkerData {
  checkpoint: Checkpoint;
  data: PreparedData;
  backend: string;
  lossOverride?: string;
  options: ObjectiveOptions;
}

export type WorkerRequest = { id: number; op: 'evaluate' | 'grad' | 'hvp'; theta: Float32Array; v?: Float32Array };
export type WorkerError = { message: string; code?: string };

const port = parentPort!;

export function errorInfo(err: unknown): WorkerError {
  if (err instanceof LosslensError) return { message: err.message, code: err.code };
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
}

async function start(): Promise<void> {
  const init = workerData as ObjectiveWorkerData;
  let obj: LocalObjective;
  try {
    const backend = await selectBackend(init.backend);
    const bundle = loadModel(init.checkpoint, init.lossOverride);
    obj = new LocalObjective(bundle, init.data, init.options);
    port.postMessage({ type: 'ready', layout: obj.layout, theta0: obj.theta0, n: obj.n, backend });
  } catch (err) {
    port.postMessage({ type: 'failed', error: errorInfo(err) });
    return;
  }
  port.on('message', async (m: WorkerRequest) => {
    try {
      const r = await run(obj, m);
      port.postMessage({ id: m.id, result: r.value }, r.transfer);
    } catch (err) {
      port.postMessage({ id: m.id, error: errorInfo(err) });
    }
  });
}

async function run(obj: LocalObjective, m: WorkerRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (m.op) {
    case 'evaluate':
      return { value: await obj.evaluate(m.theta), transfer: [] };
    case 'grad': {
      const { loss, grad } = await obj.grad(m.theta);
      const g = grad.slice(); // own buffer: never transfer one tfjs may still hold
      return { value: { loss, grad: g }, transfer: [g.buffer] };
    }
    case 'hvp': {
      const h = (await obj.hvp(m.theta, m.v!)).slice();
      return { value: h, transfer: [h.buffer] };
    }
    default:
      throw new LosslensError('INTERNAL', `unknown objective request "${String((m as { op: unknown }).op)}"`);
  }
}

void start();
