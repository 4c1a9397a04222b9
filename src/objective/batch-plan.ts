/**
 * The plumbing of the in-process objective: its options, how a dataset is cut into batches
 * weighted by their share of it, the batch's inputs and targets as tensors (one input and one
 * output, or several), and tf.valueAndGrads over several tensors.
 */
import tf from '../tf.cjs';
import { optionError } from '../errors.js';
import { inputRows } from '../io/sample-rows.js';
import type { HostBuffers } from './host-buffers.js';
import type { PreparedData } from './prepare-data.js';

export interface ObjectiveOptions {
  /**
   * Samples per batch (memory bound). Default: autoBatchSize (equal batches whose activations are near
   * 2²¹ values, 2²² on the native kernels, within 1.5 × that).
   */
  batchSize?: number;
  /** 'exact' double backprop (default) or 'fd' central differences of the gradient. */
  hvp?: 'exact' | 'fd';
  /** Step along the unit direction for 'fd'. Default 1e-2 (float32: truncation ~t², roundoff ~1e-7/t). */
  fdStep?: number;
}

export type ResolvedObjectiveOptions = Required<Omit<ObjectiveOptions, 'batchSize'>> & { batchSize?: number };

export function resolveObjectiveOptions(o: ObjectiveOptions): ResolvedObjectiveOptions {
  const batchSize = o.batchSize;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
    throw optionError('batchSize', `must be a positive integer, got ${batchSize}`);
  const hvp = o.hvp ?? 'exact';
  if (hvp !== 'exact' && hvp !== 'fd') throw optionError('hvp', `unknown mode "${hvp}"; valid: exact, fd`);
  const fdStep = o.fdStep ?? 1e-2;
  if (!(fdStep > 0)) throw optionError('fdStep', `must be > 0, got ${fdStep}`);
  return { batchSize, hvp, fdStep };
}

/** Samples [start, end) of a dataset; weight = their share of it. */
export interface BatchRange {
  start: number;
  end: number;
  weight: number;
}

/** Contiguous batches of at most `batchSize` samples, each weighted by its share of the n samples. */
export function batchRanges(n: number, batchSize: number): BatchRange[] {
  const out: BatchRange[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    out.push({ start: s, end: e, weight: (e - s) / n });
  }
  return out;
}

/** One batch: a tensor per model input and per analysed output's targets. */
export interface BatchTensors {
  xs: tf.Tensor[];
  ys: tf.Tensor[];
}

/** Batch `b` of `d` as tensors (inside the caller's scope); inputs stored as bytes are divided on the way. */
export function batchTensors(d: PreparedData, b: BatchRange, host: HostBuffers): BatchTensors {
  const rows = b.end - b.start;
  const ins = d.inputs ?? [{ shape: d.inputShape, x: d.x, xDivisor: d.xDivisor }];
  const xs = ins.map((i, k) => {
    const w = i.shape.reduce((a, c) => a * c, 1);
    return tf.tensor(inputRows(i.x, i.xDivisor ?? 1, w, b.start, b.end, host.scratch(k === 0 ? 'x' : `x${k}`, rows * w)), [rows, ...i.shape]);
  });
  const ys = (d.targets ?? [{ y: d.y, k: d.k }]).map((t) => tf.tensor(t.y.subarray(b.start * t.k, b.end * t.k), [rows, t.k]));
  return { xs, ys };
}

/**
 * Let timers, I/O and signal handlers run. On the cpu and wasm backends `data()` resolves as a
 * microtask, so a long loop of evaluations would never yield the event loop and Ctrl-C would
 * wait for the whole analysis.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** Value and gradients of a scalar function of several tensors (tf.grads plus the value). */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Scalar, xs: tf.Tensor[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  return tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Tensor)(xs) as { value: tf.Scalar; grads: tf.Tensor[] };
}

/** Central differences of a gradient along v: ‖v‖·(∇L(θ+tu) − ∇L(θ−tu))/(2t), u = v/‖v‖. */
export async function hvpByDifferences(
  grad: (theta: Float32Array) => Promise<Float32Array>,
  theta: Float32Array,
  v: Float32Array,
  t: number,
): Promise<Float32Array> {
  let nv = 0;
  for (let i = 0; i < v.length; i++) nv += v[i] * v[i];
  nv = Math.sqrt(nv);
  if (nv === 0) return new Float32Array(v.length);
  const plus = new Float32Array(theta.length);
  const minus = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    plus[i] = theta[i] + (t * v[i]) / nv;
    minus[i] = theta[i] - (t * v[i]) / nv;
  }
  const [gp, gm] = [await grad(plus), await grad(minus)];
  const r = new Float32Array(theta.length);
  for (let i = 0; i < r.length; i++) r[i] = ((gp[i] - gm[i]) * nv) / (2 * t);
  return r;
}
