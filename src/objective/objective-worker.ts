/**
 * Entry of one PoolObjective worker thread: its own tfjs and backend, and a LocalObjective over
 * one contiguous shard of the dataset. Protocol (see pool-objective.ts):
 *   out  {type: 'ready', layout, theta0, n, backend} | {type: 'failed', error}   once, after start-up
 *   in   {id, op: 'evaluate' | 'grad' | 'hvp' | 'ggnvp' | 'fishervp' | 'bnMoments' | 'stats', theta, v?, batchNorm?, layer?}
 *   out  {type: 'progress', done} (samples of the current pass, at most every 200 ms) …
 *        then {id, result} | {id, error: {message, code?}}
 * The shard's samples arrive as views of the coordinator's SharedArrayBuffers (not copied).
 * Float32Array results travel back as transferred buffers (copied out of tfjs first).
 */
import { parentPort, workerData } from 'node:worker_threads';
import tf from '../tf.cjs';
import { selectBackend } from '../engine/index.js';
import { toWireError, type WireError } from '../workers/wire-error.js';
import { LosslensError } from '../errors.js';
import type { Checkpoint } from '../io/types.js';
import { LocalObjective, type ObjectiveOptions } from './local-objective.js';
import { loadModel } from './model-bundle.js';
import type { PreparedData } from './prepare-data.js';
import type { BatchNormStats } from './batch-norm-stats.js';

export interface ObjectiveWorkerData {
  checkpoint: Checkpoint;
  data: PreparedData;
  backend: string;
  lossOverride?: string;
  options: ObjectiveOptions;
  /** This shard's part of the BatchNorm estimation subset (--bn-samples); absent: the shard's data. */
  bnData?: PreparedData;
}

export type WorkerRequest = {
  id: number;
  op: 'evaluate' | 'grad' | 'hvp' | 'ggnvp' | 'fishervp' | 'bnMoments' | 'stats';
  theta: Float32Array;
  v?: Float32Array;
  /** BN statistics overriding the checkpoint's (evaluate, bnMoments). */
  batchNorm?: BatchNormStats;
  /** The BN layer whose input moments bnMoments returns. */
  layer?: string;
};
export type WorkerError = WireError;

const port = parentPort!;
const PROGRESS_MS = 200;

export const errorInfo = toWireError;

async function start(): Promise<void> {
  const init = workerData as ObjectiveWorkerData;
  let obj: LocalObjective;
  try {
    const backend = await selectBackend(init.backend);
    const bundle = loadModel(init.checkpoint, init.lossOverride);
    obj = new LocalObjective(bundle, init.data, init.options, init.bnData);
    let last = 0;
    obj.setProgressListener(({ done, total }) => {
      const now = Date.now();
      if (now - last < PROGRESS_MS && done < total) return;
      last = now;
      port.postMessage({ type: 'progress', done });
    });
    port.postMessage({ type: 'ready', layout: obj.layout, theta0: obj.theta0, n: obj.n, backend, batchSize: obj.batchSize });
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
      return { value: await obj.evaluate(m.theta, { batchNorm: m.batchNorm }), transfer: [] };
    case 'bnMoments':
      return { value: await obj.batchNormMoments(m.theta, m.layer!, m.batchNorm ?? {}), transfer: [] };
    case 'grad': {
      const r = await obj.grad(m.theta);
      const g = r.grad.slice(); // own buffer: never transfer one tfjs may still hold
      return { value: { ...r, grad: g }, transfer: [g.buffer] };
    }
    case 'stats': {
      const init = workerData as ObjectiveWorkerData;
      const sharedData = init.data.x.buffer instanceof SharedArrayBuffer && init.data.y.buffer instanceof SharedArrayBuffer;
      return { value: { ...obj.stats(), sharedData, heapBytes: wasmHeapBytes() }, transfer: [] };
    }
    case 'hvp':
    case 'ggnvp':
    case 'fishervp': {
      const h = (await obj[m.op](m.theta, m.v!)).slice();
      return { value: h, transfer: [h.buffer] };
    }
    default:
      throw new LosslensError('INTERNAL', `unknown objective request "${String((m as { op: unknown }).op)}"`);
  }
}

/** The wasm backend's heap size in bytes (undefined on other backends). */
function wasmHeapBytes(): number | undefined {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.byteLength;
}

void start();
