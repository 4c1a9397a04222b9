/**
 * Where a forward pass first goes non-finite: given the architecture, its weights and an input
 * batch, the first layer (in execution order) whose output holds NaN or ±Infinity. Objectives
 * call it when a loss comes out non-finite, so the user is told which layer overflowed instead
 * of getting a clamped, plausible-looking loss. Leaves tf.memory().numTensors unchanged.
 */
import tf from '../tf.cjs';
import type { Architecture } from './architecture.js';
import { forward } from './forward.js';
import { LosslensError } from '../errors.js';

export interface NonFiniteSite {
  /** Layer name ("" when the input batch itself is non-finite). */
  layer: string;
  className: string;
  /** Position in execution order (-1 for the input). */
  index: number;
  /** First offending value: NaN, Infinity or -Infinity. */
  value: number;
  /** Per-sample output shape of that layer. */
  shape: number[];
}

/** The first non-finite layer output for batch `x` ([b, ...inputShape]), or null if all are finite. */
export function firstNonFiniteLayer(arch: Architecture, weights: tf.Tensor[], xs: tf.Tensor | tf.Tensor[]): NonFiniteSite | null {
  const bad = (t: tf.Tensor): number | undefined => {
    const v = t.dataSync();
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return v[i];
    return undefined;
  };
  tf.engine().startScope();
  try {
    for (const x of Array.isArray(xs) ? xs : [xs]) {
      const vx = bad(x);
      if (vx !== undefined) return { layer: '', className: 'input', index: -1, value: vx, shape: x.shape.slice(1) };
    }
    const capture = new Map<string, tf.Tensor>();
    forward(arch, weights, xs, { capture });
    for (let i = 0; i < arch.nodes.length; i++) {
      const node = arch.nodes[i];
      const out = capture.get(node.name);
      const v = out && bad(out);
      if (v !== undefined) return { layer: node.name, className: node.className, index: i, value: v, shape: out!.shape.slice(1) };
    }
    return null;
  } finally {
    tf.engine().endScope(); // every captured output is disposed; the caller's tensors are kept
  }
}

/**
 * The error to throw when a loss is non-finite (exit 2: the checkpoint, data or options drive the
 * model out of float32 range): names the layer where it starts, or says the outputs are finite
 * and the loss itself overflowed.
 */
export function nonFiniteLossError(site: NonFiniteSite | null, file: string, where = 'the loss'): LosslensError {
  const what = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
  const msg =
    site === null
      ? `${where} is non-finite although every layer's output is finite (the targets or the loss overflow float32)`
      : site.index < 0
        ? `${where} is non-finite: the input batch holds ${what(site.value)}`
        : `${where} is non-finite: layer "${site.layer}" (${site.className}, output [${site.shape.join(', ')}]) is the first to produce ${what(site.value)}; the weights or inputs drive it out of float32 range`;
  return new LosslensError('BAD_INPUT', `${file}: ${msg}`, { file });
}
