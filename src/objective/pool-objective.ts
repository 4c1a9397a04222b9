/**
 * A data-parallel Objective on worker_threads: the samples are split into `workers` contiguous
 * shards, each served by a LocalObjective in its own thread (its own tfjs and backend). Every
 * request goes to all shards; loss, gradient, HVP and accuracy are the shard-size-weighted sums
 * of the shard means (accumulated in float64), so the result is the mean over the whole dataset.
 *
 * - Requests are serialised: one in flight per worker, later calls queue behind it.
 * - The samples are not copied: each worker gets views of its shard of the coordinator's
 *   SharedArrayBuffers (data not on one is copied onto one once, here), and streams them through
 *   its backend one batch at a time, so no worker's heap ever holds the dataset.
 * - θ and v are copied per worker and the copies transferred; the caller's arrays are untouched.
 * - Progress: workers report samples done after each batch (throttled); the listener gets the sum.
 * - A worker's error rejects the call with its message (a LosslensError keeps its code).
 *   A worker that dies rejects the call in flight and every later one.
 * - Idle workers are unref'd (an undisposed pool does not keep the process alive);
 *   `dispose()` / `close()` terminate them.
 *
 * Under tsx/vitest (this file is .ts) a worker registers tsx's ESM hooks before importing its
 * entry: Node 20 ignores `execArgv: ['--import', 'tsx']` for a Worker's own entry module
 * ("Unknown file extension .ts"). From dist/ the compiled .js entry runs directly.
 */
import { Worker } from 'node:worker_threads';
import type { BackendInfo } from '../engine/index.js';
import { LosslensError, optionError } from '../errors.js';
import type { Checkpoint } from '../io/types.js';
import type { ObjectiveOptions } from './local-objective.js';
import type { ObjectiveWorkerData, WorkerError, WorkerRequest } from './objective-worker.js';
import { fromWireError } from '../workers/wire-error.js';
import { startWorker, moduleUrl } from '../workers/start-worker.js';
import type { PreparedData } from './prepare-data.js';
import type { EvalOptions, EvalResult, GradResult, Objective, ObjectiveStats, ParamLayout, PassProgress } from './types.js';
import { toShared } from '../io/sample-rows.js';
import { emptyMoments, mergeMoments, type BatchNormStats, type ChannelMoments } from './batch-norm-stats.js';

export interface PoolObjectiveOptions extends ObjectiveOptions {
  /** Worker threads (shards); clamped to [1, n]. */
  workers: number;
  /** Backend each worker selects ('auto', 'wasm', 'cpu', 'tensorflow'). */
  backend: string;
  lossOverride?: string;
  /** Samples BatchNorm statistics are estimated on (default: the data); split across the workers too. */
  bnData?: PreparedData;
}

type RequestExtras = Pick<WorkerRequest, 'v' | 'batchNorm' | 'layer'>;

const startShardWorker = (workerData: ObjectiveWorkerData): Worker => startWorker(moduleUrl('./objective-worker', import.meta.url), workerData);

/** The worker's error as thrown there (src/workers/wire-error.ts). */
const rebuild = fromWireError;

/** Contiguous shard sizes, as equal as possible (the first n mod w shards get one more). */
export function shardSizes(n: number, workers: number): number[] {
  const w = Math.max(1, Math.min(n, Math.floor(workers)));
  return Array.from({ length: w }, (_, i) => Math.floor(n / w) + (i < n % w ? 1 : 0));
}

/** n split into `parts` contiguous sizes (zeros allowed when n < parts). */
function splitEvenly(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

/** Samples [start, start + size) as views of `data`'s (shared) arrays: posting them shares, never copies. */
function shard(data: PreparedData, start: number, size: number): PreparedData {
  const per = data.inputShape.reduce((a, b) => a * b, 1);
  return {
    n: size,
    inputShape: data.inputShape,
    k: data.k,
    xDivisor: data.xDivisor,
    x: data.x.subarray(start * per, (start + size) * per),
    y: data.y.subarray(start * data.k, (start + size) * data.k),
  };
}

/** `data` with both arrays on SharedArrayBuffers (a copy only for arrays that are not). */
function shared(data: PreparedData): PreparedData {
  return { ...data, x: toShared(data.x), y: toShared(data.y) };
}

/** A shard's correct count back from its accuracy: an integer unless per-output means (binary, k > 1). */
const count = (c: number) => (Math.abs(c - Math.round(c)) < 1e-6 ? Math.round(c) : c);

type Ready = { layout: ParamLayout; theta0: Float32Array; n: number; backend: BackendInfo; batchSize: number };
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; id?: number };

/** One worker and its single request slot. */
class Shard {
  readonly worker: Worker;
  readonly ready: Promise<Ready>;
  private pending?: Pending;
  private dead?: Error;
  private nextId = 0;
  /** Samples of the current pass this worker has done (from its progress messages). */
  done = 0;
  onProgress?: () => void;

  constructor(init: ObjectiveWorkerData) {
    this.worker = startShardWorker(init);
    this.ready = new Promise<Ready>((resolve, reject) => {
      this.pending = { resolve: resolve as (v: unknown) => void, reject };
    });
    this.worker.on('message', (m: { type?: string; id?: number; error?: WorkerError; result?: unknown; done?: number } & Partial<Ready>) => {
      if (m.type === 'progress') {
        this.done = m.done!;
        this.onProgress?.();
        return;
      }
      const p = this.take();
      // one request in flight per shard: a reply for another id is a protocol fault, not a result
      if (p && m.type !== 'ready' && m.id !== p.id) p.reject(new LosslensError('INTERNAL', `objective worker answered request ${m.id}, expected ${p.id}`));
      else if (m.error) p?.reject(rebuild(m.error));
      else p?.resolve(m.type === 'ready' ? m : m.result);
    });
    const die = (err: Error) => {
      this.dead ??= err;
      this.take()?.reject(this.dead);
    };
    this.worker.on('error', (e) => die(new LosslensError('INTERNAL', `objective worker failed: ${e.message}`, { cause: e })));
    this.worker.on('exit', (code) => die(new LosslensError('INTERNAL', `objective worker exited (code ${code})`)));
  }

  private take(): Pending | undefined {
    const p = this.pending;
    this.pending = undefined;
    this.worker.unref();
    return p;
  }

  request(op: WorkerRequest['op'], theta: Float32Array, extras: RequestExtras = {}): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending = { resolve, reject, id };
      this.worker.ref();
      const t = theta.slice();
      const vc = extras.v?.slice();
      const msg: WorkerRequest = { id, op, theta: t, v: vc, batchNorm: extras.batchNorm, layer: extras.layer };
      this.worker.postMessage(msg, vc ? [t.buffer, vc.buffer] : [t.buffer]);
    });
  }
}

export class PoolObjective implements Objective {
  readonly layout: ParamLayout;
  readonly theta0: Float32Array;
  readonly n: number;
  /** The backend the workers run on (as worker 0 reported it). */
  readonly backend: BackendInfo;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private progress?: (p: PassProgress) => void;
  /** Samples per batch in each worker. */
  readonly batchSize: number;

  private constructor(
    private readonly shards: Shard[],
    /** Samples per shard, in data order. */
    readonly shardSizes: number[],
    info: Ready,
  ) {
    this.layout = info.layout;
    this.theta0 = info.theta0;
    this.n = info.n;
    this.backend = info.backend;
    this.batchSize = info.batchSize;
    for (const s of shards) s.onProgress = () => this.progress?.({ done: this.shards.reduce((a, x) => a + x.done, 0), total: this.n });
  }

  setProgressListener(listener: ((p: PassProgress) => void) | undefined): void {
    this.progress = listener;
  }

  /** Each worker's backend memory (see ObjectiveStats), in shard order. */
  stats(): Promise<ObjectiveStats[]> {
    return this.all<ObjectiveStats>('stats', new Float32Array(0));
  }

  static async create(checkpoint: Checkpoint, samples: PreparedData, opts: PoolObjectiveOptions): Promise<PoolObjective> {
    if (!(opts.workers >= 1)) throw optionError('workers', `must be ≥ 1, got ${opts.workers}`);
    const data = shared(samples);
    const bnAll = opts.bnData && shared(opts.bnData);
    const sizes = shardSizes(data.n, opts.workers);
    const options: ObjectiveOptions = { batchSize: opts.batchSize, hvp: opts.hvp, fdStep: opts.fdStep };
    const bnSizes = bnAll ? splitEvenly(bnAll.n, sizes.length) : undefined;
    let start = 0;
    let bnStart = 0;
    const shards = sizes.map((size, i) => {
      const bnData = bnAll && shard(bnAll, bnStart, bnSizes![i]);
      const s = new Shard({ checkpoint, data: shard(data, start, size), backend: opts.backend, lossOverride: opts.lossOverride, options, bnData });
      start += size;
      bnStart += bnSizes?.[i] ?? 0;
      return s;
    });
    const ready = await Promise.allSettled(shards.map((s) => s.ready));
    const failed = ready.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(shards.map((s) => s.worker.terminate()));
      throw failed.reason;
    }
    const first = (ready[0] as PromiseFulfilledResult<Ready>).value;
    return new PoolObjective(shards, sizes, { ...first, n: data.n });
  }

  get workers(): number {
    return this.shards.length;
  }

  /** Send one request to every shard after the previous request finished; first shard error wins. */
  private all<T>(op: WorkerRequest['op'], theta: Float32Array, extras: RequestExtras = {}): Promise<T[]> {
    const run = async () => {
      if (this.closed) throw new LosslensError('INTERNAL', 'the objective was disposed');
      for (const s of this.shards) s.done = 0;
      const rs = await Promise.allSettled(this.shards.map((s) => s.request(op, theta, extras)));
      const failed = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private weight(i: number): number {
    return this.shardSizes[i] / this.n;
  }

  /** Σ_i w_i·a_i in float64, rounded once to float32. */
  private combine(parts: Float32Array[]): Float32Array {
    const acc = new Float64Array(parts[0].length);
    parts.forEach((p, s) => {
      const w = this.weight(s);
      for (let j = 0; j < acc.length; j++) acc[j] += w * p[j];
    });
    return Float32Array.from(acc);
  }

  async loss(theta: Float32Array): Promise<number> {
    return (await this.evaluate(theta)).loss;
  }

  async evaluate(theta: Float32Array, options: EvalOptions = {}): Promise<EvalResult> {
    const rs = await this.all<EvalResult>('evaluate', theta, { batchNorm: options.batchNorm });
    const loss = rs.reduce((s, r, i) => s + this.weight(i) * r.loss, 0);
    return this.pooledMetrics(loss, rs);
  }

  /** The shards' metrics as one: shard accuracy = correct/nᵢ, and summing the counts keeps the accuracy identical to one process. */
  private pooledMetrics(loss: number, rs: { accuracy?: number }[]): EvalResult {
    if (rs[0].accuracy === undefined) return { loss, n: this.n };
    return { loss, accuracy: rs.reduce((s, r, i) => s + count(r.accuracy! * this.shardSizes[i]), 0) / this.n, n: this.n };
  }

  async grad(theta: Float32Array): Promise<GradResult> {
    const rs = await this.all<GradResult>('grad', theta);
    const loss = rs.reduce((s, r, i) => s + this.weight(i) * r.loss, 0),
      grad = this.combine(rs.map((r) => r.grad));
    if (!rs.every((r) => r.metrics)) return { loss, grad };
    return {
      loss,
      grad,
      metrics: this.pooledMetrics(
        loss,
        rs.map((r) => r.metrics!),
      ),
    };
  }

  async hvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.combine(await this.all<Float32Array>('hvp', theta, { v }));
  }

  /** Shard-weighted sum of the shards' Gauss–Newton products (each a shard mean). */
  async ggnvp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.combine(await this.all<Float32Array>('ggnvp', theta, { v }));
  }

  /** Shard-weighted sum of the shards' empirical-Fisher products (each a shard mean). */
  async fishervp(theta: Float32Array, v: Float32Array): Promise<Float32Array> {
    return this.combine(await this.all<Float32Array>('fishervp', theta, { v }));
  }

  /** Each shard's moments of the BN input, merged (Chan) in float64. */
  async batchNormMoments(theta: Float32Array, layer: string, batchNorm: BatchNormStats): Promise<ChannelMoments> {
    const parts = await this.all<ChannelMoments>('bnMoments', theta, { batchNorm, layer });
    return parts.reduce((acc, p) => mergeMoments(acc, p), emptyMoments(parts[0].mean.length));
  }

  /** Terminate the workers (queued and in-flight calls reject). */
  close(): Promise<void> {
    this.closed = true;
    return Promise.all(this.shards.map((s) => s.worker.terminate())).then(() => undefined);
  }

  dispose(): Promise<void> {
    return this.close();
  }
}
