/**
 * The loss head of the forward-over-reverse HVP (hvp.ts): ∂L/∂ŷ of the batch-mean loss and its
 * tangent R{∂L/∂ŷ} = (∂²L/∂ŷ²)·R{ŷ}, per loss, with the derivatives tfjs's registered gradients
 * give for model/loss-functions.ts's formulas (kinks and clip masks included), so the HVP and the
 * gradient equal double backprop's. K is the output's last axis, B the number of its rows (batch ×
 * positions of a sequence or image output, over which the loss averages); a null tangent is zero.
 * Losses without a rule here (categoricalHinge, cosineProximity) take both from autodiff of the
 * loss on the output alone (a [B, K] problem, cheap next to the model).
 */
import tf from '../../tf.cjs';
import { baseLoss, perSampleLoss, shapedLike, type LossName } from '../../model/loss.js';
import { EPS } from '../../model/loss-functions.js';
import { sub, type Dual } from './dual.js';

type Head = (out: Dual, y: tf.Tensor, kb: number, batch: number) => Dual;
const f32 = (t: tf.Tensor) => tf.cast(t, 'float32');
/** The pass mask of clipByValue(x, lo, hi) (tfjs: lo ≤ x ≤ hi). */
const clipMask = (x: tf.Tensor, lo: number, hi: number) => f32(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)));
/** A gradient g = d·c with no curvature: R{g} = 0. */
const flat = (g: tf.Tensor): Dual => ({ y: g, r: null });
/** g = d₁/kb and R{g} = d₂·R{ŷ}/kb, d₂ made only when a tangent is carried. */
const pointwise = (out: Dual, kb: number, d1: tf.Tensor, d2: () => tf.Tensor): Dual => ({ y: tf.div(d1, kb), r: out.r && tf.div(tf.mul(d2(), out.r), kb) });

const HEADS: Partial<Record<LossName, Head>> = {
  meanSquaredError: (o, y, kb) => pointwise(o, kb, tf.mul(2, tf.sub(o.y, y)), () => tf.fill(o.y.shape, 2)),
  // |ŷ − y|: tfjs's Abs gradient is step(x, −1), −1 at x = 0
  meanAbsoluteError: (o, y, kb) => flat(tf.div(tf.where(tf.greater(o.y, y), tf.onesLike(o.y), tf.fill(o.y.shape, -1)), kb)),
  // 100·|(y − ŷ)/c|, c = clip(|y|, ε, max): g = −100·step((y − ŷ)/c, −1)/(c·kb)
  meanAbsolutePercentageError: (o, y, kb) => {
    const c = tf.clipByValue(tf.abs(y), EPS, Number.MAX_VALUE);
    const s = tf.where(tf.greater(tf.div(tf.sub(y, o.y), c), 0), tf.onesLike(o.y), tf.fill(o.y.shape, -1));
    return flat(tf.div(tf.mul(-100, s), tf.mul(c, kb)));
  },
  // (a − b)², a = log(1 + clip(ŷ, ε, max)): g = 2(a − b)·m/(1 + c), ∂²/∂ŷ² = 2m(1 − (a − b))/(1 + c)²
  meanSquaredLogarithmicError: (o, y, kb) => {
    const c = tf.clipByValue(o.y, EPS, Number.MAX_VALUE),
      m = clipMask(o.y, EPS, Number.MAX_VALUE),
      q = tf.add(1, c);
    const d = tf.sub(tf.log(q), tf.log(tf.add(1, tf.clipByValue(y, EPS, Number.MAX_VALUE))));
    return pointwise(o, kb, tf.div(tf.mul(tf.mul(2, d), m), q), () => tf.div(tf.mul(tf.mul(2, m), tf.sub(1, d)), tf.square(q)));
  },
  // max(0, 1 − yŷ): tfjs's Maximum passes the gradient to 1 − yŷ where 0 < 1 − yŷ
  hinge: (o, y, kb) => flat(tf.div(tf.mul(tf.neg(y), f32(tf.greater(tf.sub(1, tf.mul(y, o.y)), 0))), kb)),
  squaredHinge: (o, y, kb) => {
    const h = tf.sub(1, tf.mul(y, o.y)),
      m = f32(tf.greater(h, 0));
    return pointwise(o, kb, tf.mul(tf.mul(-2, y), tf.mul(m, h)), () => tf.mul(tf.mul(2, tf.square(y)), m));
  },
  // d + softplus(−2d) − log 2, d = ŷ − y: ℓ′ = 1 − 2s, ℓ″ = 4s(1 − s), s = σ(−2d)
  logcosh: (o, y, kb) => {
    const s = tf.sigmoid(tf.mul(-2, tf.sub(o.y, y)));
    return pointwise(o, kb, tf.sub(1, tf.mul(2, s)), () => tf.mul(4, tf.mul(s, tf.sub(1, s))));
  },
  // ŷ − y·log(ε + ŷ): ℓ′ = 1 − y/(ε + ŷ), ℓ″ = y/(ε + ŷ)²
  poisson: (o, y, kb) => {
    const q = tf.add(EPS, o.y);
    return pointwise(o, kb, tf.sub(1, tf.div(y, q)), () => tf.div(y, tf.square(q)));
  },
  // Σ y·log(clip(y)/clip(ŷ, ε, 1)) (a sum: kb is B): g = −y·m/c, ∂²/∂ŷ² = y·m/c²
  kullbackLeiblerDivergence: (o, y, _kb, batch) => {
    const c = tf.clipByValue(o.y, EPS, 1),
      m = clipMask(o.y, EPS, 1);
    return pointwise(o, batch, tf.neg(tf.div(tf.mul(y, m), c)), () => tf.div(tf.mul(y, m), tf.square(c)));
  },
  // −Σ y·log softmax(z) (a sum): g = p·Σy − y, R{g} = Σy·(p ⊙ ż − p⟨p, ż⟩)
  categoricalCrossentropyFromLogits: (o, y, _kb, batch) => {
    const last = o.y.rank - 1,
      p = tf.softmax(o.y, last),
      sy = tf.sum(y, last, true);
    const g = tf.div(tf.sub(tf.mul(p, sy), y), batch);
    if (!o.r) return { y: g, r: null };
    const pr = tf.mul(p, o.r);
    return { y: g, r: tf.div(tf.mul(sy, tf.sub(pr, tf.mul(p, tf.sum(pr, last, true)))), batch) };
  },
  // the logistic loss on z: ℓ′ = σ(z) − y, ℓ″ = σ(1 − σ)
  binaryCrossentropyFromLogits: (o, y, kb) => {
    const s = tf.sigmoid(o.y);
    return pointwise(o, kb, tf.sub(s, y), () => tf.mul(s, tf.sub(1, s)));
  },
};
HEADS.sparseCategoricalCrossentropyFromLogits = HEADS.categoricalCrossentropyFromLogits;

/** The probability-space crossentropies, whose rules are bceGradient and crossEntropyGradient. */
const RULE_LOSSES = new Set<LossName>(['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy']);

/** ∂L/∂(model output) and its tangent, for the batch mean of the loss. */
export function lossGradient(loss: LossName, out: Dual, yTrue: tf.Tensor, batch: number): Dual {
  if (!HEADS[loss] && !RULE_LOSSES.has(loss)) return autodiffHead(loss, out, yTrue, batch);
  // an output of rank ≥ 3 ([b, T, C], [b, H, W, C]): the loss averages its P positions per sample as it does the batch
  const k = out.y.shape[out.y.rank - 1]!,
    rows = out.y.size / k;
  const y = shapedLike(yTrue, out.y);
  const head = HEADS[loss];
  if (head) return head(out, y, k * rows, rows);
  if (baseLoss(loss) === 'binaryCrossentropy') return bceGradient(out, y, k * rows);
  return crossEntropyGradient(out, y, rows);
}

/** g = ∇_ŷ mean ℓ by tfjs autodiff, and R{g} = ∇_ŷ⟨g, R{ŷ}⟩ (a second reverse pass on the output alone). */
function autodiffHead(loss: LossName, out: Dual, yTrue: tf.Tensor, batch: number): Dual {
  const grad = tf.grad((o: tf.Tensor) => tf.div(tf.sum(perSampleLoss(loss, yTrue, o)), batch) as tf.Scalar);
  const g = grad(out.y);
  if (!out.r) return { y: g, r: null };
  const r = out.r;
  return { y: g, r: tf.grad((o: tf.Tensor) => tf.sum(tf.mul(grad(o), r)) as tf.Scalar)(out.y) };
}

/**
 * ℓ = −Σ y·log clip(q), q = s/Σs: g_q = −m·y/(B·c) with m the clip's pass mask, g_s = (g_q − ⟨g_q, q⟩)/S.
 */
function crossEntropyGradient(out: Dual, yTrue: tf.Tensor, batch: number): Dual {
  const last = out.y.rank - 1;
  const sum = (t: tf.Tensor) => tf.sum(t, last, true);
  const s = out.y,
    S = sum(s),
    q = tf.div(s, S);
  const m = clipMask(q, EPS, 1 - EPS);
  const c = tf.clipByValue(q, EPS, 1 - EPS);
  const gq = tf.mul(m, tf.div(tf.neg(yTrue), tf.mul(c, batch)));
  const gs = tf.div(tf.sub(gq, sum(tf.mul(gq, q))), S);
  if (!out.r) return { y: gs, r: null };
  const RS = sum(out.r),
    Rq = tf.div(tf.sub(out.r, tf.mul(q, RS)), S);
  const Rgq = tf.mul(m, tf.div(tf.mul(yTrue, Rq), tf.mul(tf.square(c), batch))); // R{1/c} = −R{c}/c², R{c} = m·R{q}
  const Rgs = sub(tf.div(tf.sub(Rgq, sum(tf.add(tf.mul(Rgq, q), tf.mul(gq, Rq)))), S), tf.div(tf.mul(gs, RS), S));
  return { y: gs, r: Rgs };
}

/**
 * Binary cross-entropy, mean over the K outputs, on p = clip(ŷ, ε, 1 − ε) (written through the
 * logit of p, the same function): ∂ℓ/∂p = (p − y)/(p(1 − p))/K, ∂²ℓ/∂p² = (y/p² + (1 − y)/(1 − p)²)/K,
 * both through the clip's pass mask m.
 */
function bceGradient(out: Dual, yTrue: tf.Tensor, kb: number): Dual {
  const p = tf.clipByValue(out.y, EPS, 1 - EPS);
  const m = clipMask(out.y, EPS, 1 - EPS);
  const q = tf.sub(1, p);
  const g = tf.div(tf.mul(m, tf.sub(p, yTrue)), tf.mul(tf.mul(p, q), kb));
  if (!out.r) return { y: g, r: null };
  const h = tf.add(tf.div(yTrue, tf.square(p)), tf.div(tf.sub(1, yTrue), tf.square(q)));
  return { y: g, r: tf.div(tf.mul(tf.mul(m, h), out.r), kb) };
}
