/**
 * The tensors and the batch loop behind the in-process objective: θ's blocks and the fixed
 * (non-trainable) weights as the forward pass takes them, BatchNorm overrides, and one pass over
 * the batches, each in its own tidy scope, its result read back to JS before the next starts —
 * so memory stays O(batch + θ) whatever the dataset's size.
 */
import tf from '../tf.cjs';
import { optionError } from '../errors.js';
import type { BatchNormStats } from './batch-norm-stats.js';
import { explainMemoryError } from './backend-memory.js';
import { activationsPerSample } from './auto-batch-size.js';
import { yieldToEventLoop, type BatchRange } from './batch-plan.js';
import { HostBuffers } from './host-buffers.js';
import type { ModelBundle } from './model-bundle.js';
import type { PreparedData } from './prepare-data.js';
import type { ParamLayout, PassProgress } from './types.js';

export abstract class ObjectivePasses {
  readonly layout: ParamLayout;
  protected readonly fixed: (tf.Tensor | null)[];
  protected readonly host = new HostBuffers();
  protected progress?: (p: PassProgress) => void;
  protected peakBytes = 0;
  /** The pass in flight (resolved when it ends): the next pass starts after it. */
  private passChain: Promise<void> = Promise.resolve();
  private activations?: number;
  abstract readonly batchSize: number;

  constructor(protected readonly model: ModelBundle) {
    this.layout = model.layout;
    const trainable = new Set(model.indices);
    this.fixed = model.checkpoint.weights.map((w, i) => (trainable.has(i) ? null : tf.keep(tf.tensor(w.values, w.spec.shape))));
  }

  /** Record the live backend bytes (called inside a batch's scope, when its intermediates are alive). */
  protected notePeak(): void {
    const bytes = tf.memory().numBytes;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
  }

  /**
   * Run `step` on every batch of `batches`, each in its own tidy scope; `consume` receives the
   * values `step` returned (read back to JS) before the next batch starts.
   */
  protected async pass(
    what: string,
    d: PreparedData,
    batches: BatchRange[],
    step: (b: BatchRange) => tf.Tensor,
    consume: (v: Float32Array, b: BatchRange) => void,
  ): Promise<void> {
    // passes run one at a time: the host buffers (batch rows, read-backs) are one per objective, and two overlapping calls
    // (Promise.all of two HVPs) would overwrite each other's rows between awaits
    const prev = this.passChain;
    let release!: () => void;
    this.passChain = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await this.runPass(what, d, batches, step, consume);
    } finally {
      release();
    }
  }

  private async runPass(
    what: string,
    d: PreparedData,
    batches: BatchRange[],
    step: (b: BatchRange) => tf.Tensor,
    consume: (v: Float32Array, b: BatchRange) => void,
  ): Promise<void> {
    let done = 0;
    for (const b of batches) {
      let out: tf.Tensor;
      try {
        out = tf.tidy(() => {
          const r = step(b);
          this.notePeak();
          return r;
        });
      } catch (err) {
        throw explainMemoryError(err, { what, batchSize: this.batchSize, params: this.layout.dim, activationsPerSample: this.activationsPerSampleCount() });
      }
      const v = await this.host.read(out); // valid until the next read: consumed at once
      out.dispose();
      consume(v, b);
      done += b.end - b.start;
      this.progress?.({ done, total: d.n });
      await yieldToEventLoop();
    }
  }

  private activationsPerSampleCount(): number | undefined {
    try {
      this.activations ??= activationsPerSample(this.model);
    } catch {
      return undefined;
    }
    return this.activations;
  }

  /** Every checkpoint weight as a tensor: θ's blocks, BN overrides, the checkpoint's own for the rest. */
  protected weights(ps: tf.Tensor[], bn?: BatchNormStats): tf.Tensor[] {
    const ws = this.fixed.slice() as tf.Tensor[];
    this.model.indices.forEach((idx, i) => (ws[idx] = ps[i]));
    if (!bn) return ws;
    for (const node of this.model.arch.nodes) {
      const s = bn[node.name];
      if (!s || node.className !== 'BatchNormalization') continue;
      for (const w of node.weights) {
        if (w.param === 'moving_mean') ws[w.index] = tf.tensor(s.mean, w.shape);
        if (w.param === 'moving_variance') ws[w.index] = tf.tensor(s.variance, w.shape);
      }
    }
    return ws;
  }

  /** Trainable weight tensors from θ, in layout order. */
  protected params(theta: Float32Array): tf.Tensor[] {
    if (theta.length !== this.layout.dim) throw optionError('theta', `length ${theta.length} ≠ parameter count ${this.layout.dim}`);
    return this.layout.blocks.map((b) => tf.tensor(theta.subarray(b.offset, b.offset + b.size), b.shape));
  }

  /** v's blocks by checkpoint weight index (null for the weights that are not in θ). */
  protected tangents(vs: tf.Tensor[]): (tf.Tensor | null)[] {
    const out: (tf.Tensor | null)[] = this.fixed.map(() => null);
    this.model.indices.forEach((idx, i) => (out[idx] = vs[i]!));
    return out;
  }

  /** Tensors made once per call and released after its last batch (θ's blocks, v, BN overrides). */
  protected async withCallTensors<T>(make: () => tf.Tensor[][], run: (ts: tf.Tensor[][]) => Promise<T>): Promise<T> {
    const before = new Set<number>();
    const groups = tf.tidy(() => {
      const g = make();
      for (const t of g.flat()) tf.keep(t);
      return g;
    });
    for (const t of this.fixed) if (t) before.add(t.id);
    try {
      return await run(groups);
    } finally {
      tf.dispose(groups.flat().filter((t) => !before.has(t.id)));
    }
  }

  dispose(): void {
    tf.dispose(this.fixed.filter((t): t is tf.Tensor => t !== null));
    this.fixed.fill(null);
  }
}
