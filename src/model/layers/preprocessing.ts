/**
 * Preprocessing layers at inference, where each is deterministic:
 * - Rescaling (tfjs-layers): y = x·scale + offset.
 * - Normalization (Keras; tfjs-layers 4.x has no class for it): y = (x − mean) / max(√variance, 1e-7)
 *   (invert: mean + x·max(√variance, 1e-7)), mean and variance from its non-trainable weights
 *   mean, variance, count (an adapted layer) or from its config (`mean`, `variance` given), either
 *   kept per index of `axis` and broadcast over the other axes.
 * - Random augmentation (RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
 *   RandomBrightness): Keras returns its input unchanged outside training, so each is the identity
 *   (tfjs-layers 4.x has none of these classes). The summary's meta.inference lists them.
 * tfjs-layers' RandomHeight / RandomWidth are not here: they resize at random even at inference.
 */
import tf from '../../tf.cjs';
import { cfg, type LayerOp, type ParamDecl, type ShapeContext } from '../layer-op.js';

const fmt = (s: unknown) => JSON.stringify(s);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Keras' backend.epsilon(), the floor of Normalization's standard deviation. */
const KERAS_EPSILON = 1e-7;

/** Augmentation layers that Keras runs only in training: the identity at analysis. */
export const RANDOM_AUGMENTATION = ['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness'] as const;

function rescalingShape([x]: number[][], ctx: ShapeContext): number[] {
  for (const [f, d] of [
    ['scale', 1],
    ['offset', 0],
  ] as const) {
    const v = cfg<unknown>(ctx.config, f, d);
    if (!finite(v)) throw ctx.fault(`${f} ${fmt(v)} must be a finite number (tfjs-layers' Rescaling takes one number)`);
  }
  return x!;
}

/** Normalization's kept axes for an input of `rank` (with the batch axis), sorted, or null when malformed. */
export function normalizationAxes(config: any, rank: number): number[] | null {
  const raw = cfg<unknown>(config, 'axis', -1);
  if (raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((a) => Number.isSafeInteger(a))) return null;
  const axes = (list as number[]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  return axes.every((a) => a >= 1 && a < rank) && new Set(axes).size === axes.length ? axes : null;
}

const fromConfig = (config: any) => cfg<unknown>(config, 'mean', null) !== null || cfg<unknown>(config, 'variance', null) !== null;

const normalizationParams = (config: any): ParamDecl[] =>
  fromConfig(config) ? [] : ['mean', 'variance', 'count'].map((param) => ({ param, role: 'other' as const, trainable: false, filterAxis: null }));

function configStat(v: unknown, n: number): number[] | null {
  if (finite(v)) return Array.from({ length: n }, () => v);
  return Array.isArray(v) && v.every(finite) && (v.length === n || v.length === 1) ? (v.length === n ? v : Array.from({ length: n }, () => v[0])) : null;
}

function normalizationShape([x]: number[][], ctx: ShapeContext): number[] {
  const axes = normalizationAxes(ctx.config, x!.length + 1);
  if (!axes) throw ctx.fault(`axis ${fmt(cfg(ctx.config, 'axis', -1))} must be null or distinct axes of the input's ${x!.length + 1} (not the batch axis 0)`);
  const kept = axes.map((a) => x![a - 1]!),
    n = kept.reduce((a, b) => a * b, 1);
  if (fromConfig(ctx.config)) {
    for (const f of ['mean', 'variance']) {
      const s = configStat(cfg<unknown>(ctx.config, f, null), n);
      if (!s) throw ctx.fault(`${f} ${fmt(cfg(ctx.config, f, null))} must be a finite number or ${n} of them (one per index of axes ${fmt(axes)})`);
      if (f === 'variance' && s.some((v) => v < 0)) throw ctx.fault('variance must be ≥ 0');
    }
    return x!;
  }
  for (const p of ['mean', 'variance']) {
    const s = ctx.weightShape(p)!;
    if (s.reduce((a, b) => a * b, 1) !== n || s.filter((d) => d !== 1).join() !== kept.filter((d) => d !== 1).join())
      throw ctx.fault(`${p} has shape ${fmt(s)}; it must be ${fmt(kept)} (the kept axes ${fmt(axes)})`);
  }
  return x!;
}

function normalizationForward(x: tf.Tensor, w: Record<string, tf.Tensor>, config: any): tf.Tensor {
  const axes = normalizationAxes(config, x.rank)!;
  const shape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const n = shape.reduce((a, b) => a * b, 1);
  const stat = (f: 'mean' | 'variance') => (fromConfig(config) ? tf.tensor(configStat(cfg(config, f, null), n)!, shape) : tf.reshape(w[f]!, shape));
  const mean = stat('mean');
  const sd = tf.maximum(tf.sqrt(stat('variance')), KERAS_EPSILON);
  return cfg(config, 'invert', false) ? tf.add(mean, tf.mul(x, sd)) : tf.div(tf.sub(x, mean), sd);
}

const identity: LayerOp = { params: () => [], forward: ([x]) => x! };

export const PREPROCESSING_LAYERS: Record<string, LayerOp> = {
  Rescaling: { params: () => [], forward: ([x], _w, c) => tf.add(tf.mul(x!, cfg(c, 'scale', 1)), cfg(c, 'offset', 0)), outputShape: rescalingShape },
  Normalization: { params: normalizationParams, forward: ([x], w, c) => normalizationForward(x!, w, c), outputShape: normalizationShape },
  ...Object.fromEntries(RANDOM_AUGMENTATION.map((name) => [name, identity])),
};
