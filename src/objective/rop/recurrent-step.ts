/**
 * One time step of a recurrent cell as value–tangent pairs (dual.ts) for the forward-over-reverse
 * rules of rop/recurrent.ts: forward, the step's states and their tangents; backward, from the
 * gradient pairs reaching its new states, those reaching its previous states and its projected
 * input xp (= x·W + b), and the terms of ∂L/∂U (U the recurrent kernel) it adds: ∂L/∂U[:, cols] =
 * Σ_t aᵀ·g, R{∂L/∂U[:, cols]} = Σ_t R{a}ᵀ·g + aᵀ·R{g} (summed over time as one product each by the
 * layer). The values are computed by the loss pass's ops (recurrent-cells.ts), in its order.
 * SimpleRNN here: h′ = f(z), z = xp + h·U; R{z} = R{xp} + R{h}·U + h·V_U; g_z = f′·g_h′,
 * R{g_z} = f′·R{g_h′} + f″·R{z}·g_h′; g_h = g_z·Uᵀ, R{g_h} = R{g_z}·Uᵀ + g_z·V_Uᵀ.
 */
import tf from '../../tf.cjs';
import { add, mul, type Dual, type Maybe } from './dual.js';
import type { Gate } from './recurrent-gates.js';

/** A gradient pair, or null where the gradient is zero (no later step or output reads the state). */
export type GradPair = Dual | null;

export interface StepBack {
  /** The gradient pair of the step's projected input xp [b, gates·units]. */
  gxp: Dual;
  /** The gradient pairs of the previous states (h, and c for an LSTM). */
  gPrev: GradPair[];
  /** ∂L/∂U's terms of this step, one per column block of U (in column order). */
  uTerms: { a: Dual; g: Dual }[];
}

export interface DualStep {
  states: Dual[];
  back(g: GradPair[]): StepBack;
}
export type DualCell = (xp: Dual, states: Dual[]) => DualStep;

/** A recurrent weight (or a column block of one) and its tangent, stacked once per batch for the fused products. */
export interface Recurrent {
  U: tf.Tensor2D;
  VU: Maybe;
  /** R{h}·U + h·V_U, as one product [R{h} | h]·[U; V_U] where both are present. */
  fwd(h: Dual): Maybe;
  /** R{g}·Uᵀ + g·V_Uᵀ, as one product [R{g} | g]·[U | V_U]ᵀ where both are present (else zero when neither is). */
  back(g: Dual): Maybe;
}

export function recurrentOf(U: tf.Tensor2D, VU: Maybe): Recurrent {
  let rows: tf.Tensor2D | undefined, cols: tf.Tensor2D | undefined;
  const V = VU as tf.Tensor2D | null;
  return {
    U,
    VU,
    fwd: (h) =>
      h.r && V
        ? tf.matMul(tf.concat([h.r, h.y], 1) as tf.Tensor2D, (rows ??= tf.concat([U, V], 0)))
        : add(h.r && tf.matMul(h.r as tf.Tensor2D, U), V && tf.matMul(h.y as tf.Tensor2D, V)),
    back: (g) =>
      g.r && V
        ? tf.matMul(tf.concat([g.r, g.y], 1) as tf.Tensor2D, (cols ??= tf.concat([U, V], 1)), false, true)
        : add(g.r && tf.matMul(g.r as tf.Tensor2D, U, false, true), V && tf.matMul(g.y as tf.Tensor2D, V, false, true)),
  };
}

/** g·Uᵀ and R{g}·Uᵀ + g·V_Uᵀ: the gradient pair a step passes back through U. */
export const backThrough = (rec: Recurrent, g: Dual): Dual => ({ y: tf.matMul(g.y as tf.Tensor2D, rec.U, false, true), r: rec.back(g) });

/** z's gradient pair through a gate: g_z = f′·g, R{g_z} = f′·R{g} + f″·R{z}·g. */
export function throughGate(gate: Gate, rz: Maybe, g: Dual): Dual {
  const d2 = rz ? gate.d2() : null;
  return { y: tf.mul(g.y, gate.d()), r: add(mul(g.r, gate.d()), d2 && tf.mul(tf.mul(d2, rz!), g.y)) };
}

/** A gate's output tangent f′(z)·R{z} (null when R{z} is: f′ is then not made). */
export const tangent = (gate: Gate, rz: Maybe): Maybe => rz && tf.mul(gate.d(), rz);

/** The sum of two gradient pairs, either of which may be zero. */
export function addPairs(a: GradPair, b: GradPair): GradPair {
  if (!a) return b;
  if (!b) return a;
  return { y: tf.add(a.y, b.y), r: add(a.r, b.r) };
}

export function simpleRnnStep(act: (z: tf.Tensor) => Gate, rec: Recurrent): DualCell {
  return (xp, [h]) => {
    const z = tf.add(xp.y, tf.matMul(h!.y as tf.Tensor2D, rec.U)); // recurrent-cells.ts' SimpleRNN
    const rz = add(xp.r, rec.fwd(h!)),
      a = act(z);
    return {
      states: [{ y: a.y, r: tangent(a, rz) }],
      back: ([gh]) => {
        const gz = throughGate(a, rz, gh!);
        return { gxp: gz, gPrev: [backThrough(rec, gz)], uTerms: [{ a: h!, g: gz }] };
      },
    };
  };
}
