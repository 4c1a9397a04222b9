/**
 * Forward health of each analysed layer's output over the batches seen: mean and standard
 * deviation of the activation values, the saturated fraction for sigmoid/tanh outputs
 * (|tanh| > s, or sigmoid < 1 − s or > s, s = options.saturation, default 0.99) and the dead
 * fraction for ReLU outputs (a unit — one entry of the last axis, a channel for Conv2D — whose
 * output is exactly 0 for every sample and position seen).
 */
import tf from '../tf.cjs';
import { forward, type ModelInputs } from '../model/forward.js';
import type { AnalysedLayer } from './layers.js';
import type { GradientModel } from './layer-gradients.js';

/** The forward health of one layer over the minibatches: its output mean and spread, and its saturated and dead unit fractions. */
export interface LayerHealth {
  name: string;
  activation: string;
  mean: number;
  std: number;
  /** Fraction of output values near the bounds (sigmoid/tanh layers; null otherwise). */
  saturatedFraction: number | null;
  /** Fraction of units that were 0 on every sample seen (relu/relu6 layers; null otherwise). */
  deadFraction: number | null;
  deadUnits: number | null;
  units: number;
}

const SATURATING = new Set(['sigmoid', 'tanh']);
const RECTIFIED = new Set(['relu', 'relu6']);

/** Running sums over batches, kept in Float64. */
export class HealthAccumulator {
  private readonly acc: { sum: number; sumSq: number; count: number; saturated: number; units: number; alive: Uint8Array | null }[];

  constructor(
    private readonly layers: AnalysedLayer[],
    private readonly saturation: number,
  ) {
    this.acc = layers.map(() => ({ sum: 0, sumSq: 0, count: 0, saturated: 0, units: 0, alive: null }));
  }

  /** Run one forward pass on a batch and add its statistics. */
  async add(m: GradientModel, x: ModelInputs): Promise<void> {
    const s = this.saturation;
    const shapes: { size: number; units: number }[] = [];
    const tensors = tf.tidy(() => {
      const capture = new Map<string, tf.Tensor>();
      forward(m.arch, m.weights, x, { capture });
      return this.layers.map((l) => {
        const a = capture.get(l.name)!;
        const units = a.shape[a.rank - 1];
        shapes.push({ size: a.size, units });
        const moments = tf.stack([tf.sum(a), tf.sum(tf.square(a)), saturatedCount(a, l.activation, s)]);
        // per unit: 1 where the unit was non-zero on some sample/position of this batch
        const alive = RECTIFIED.has(l.activation) ? tf.max(tf.reshape(tf.notEqual(a, 0), [-1, units]).toFloat(), 0) : tf.zeros([0]);
        return [moments, alive];
      });
    });
    for (let i = 0; i < tensors.length; i++) {
      const [moments, alive] = tensors[i];
      const [sum, sumSq, sat] = await moments.data();
      const t = this.acc[i];
      t.sum += sum;
      t.sumSq += sumSq;
      t.count += shapes[i].size;
      t.saturated += sat;
      t.units = shapes[i].units;
      if (alive.size > 0) {
        const v = await alive.data();
        t.alive ??= new Uint8Array(v.length);
        v.forEach((z, u) => {
          if (z > 0) t.alive![u] = 1;
        });
      }
      tf.dispose([moments, alive]);
    }
  }

  result(): LayerHealth[] {
    return this.layers.map((l, i) => {
      const t = this.acc[i];
      const mean = t.sum / t.count;
      const std = Math.sqrt(Math.max(0, t.sumSq / t.count - mean * mean));
      const dead = t.alive ? t.alive.reduce((s, a) => s + (a ? 0 : 1), 0) : null;
      return {
        name: l.name,
        activation: l.activation,
        mean,
        std,
        saturatedFraction: SATURATING.has(l.activation) ? t.saturated / t.count : null,
        deadFraction: dead === null ? null : dead / t.alive!.length,
        deadUnits: dead,
        units: t.units,
      };
    });
  }
}

function saturatedCount(a: tf.Tensor, activation: string, s: number): tf.Tensor {
  if (activation === 'tanh') return tf.sum(tf.greater(tf.abs(a), s).toFloat());
  if (activation === 'sigmoid') return tf.sum(tf.logicalOr(tf.greater(a, s), tf.less(a, 1 - s)).toFloat());
  return tf.scalar(0);
}
