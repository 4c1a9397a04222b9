/**
 * One time step of tfjs-layers' SimpleRNN, LSTM and GRU cells in plain tf ops on explicit weights,
 * with tfjs-layers' gate orders (LSTM i, f, c, o; GRU z, r, h with reset_after = false) and
 * activations. The input projection x·W + b of every step is made before the loop as one matmul
 * (recurrent.ts); a step takes its slice `xp` and the previous states. An LSTM step whose activations
 * the fused kernel takes is that one kernel (src/kernels/recurrent-cell.ts) after its h·U product.
 */
import tf from '../../tf.cjs';
import { unsupportedError } from '../../errors.js';
import { activationFn, canonicalActivation, type ActivationFn } from '../activations.js';
import { cfg } from '../layer-op.js';
import { fusedCodes, lstmCell } from '../../kernels/recurrent-cell.js';
import '../../kernels/recurrent-cell-grad.js'; // the fused step's tape gradient

export type CellKind = 'SimpleRNN' | 'LSTM' | 'GRU';

/** Gate blocks per cell: the kernel's last axis is gates × units. */
export const GATES: Record<CellKind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };
/** States each cell carries (h, and c for an LSTM). */
export const STATES: Record<CellKind, number> = { SimpleRNN: 1, LSTM: 2, GRU: 1 };

/**
 * tfjs-layers' hard sigmoid, clip(s, 0, 1) with s = 0.2·x + 0.5 (ClipByValue's gradient is a mask:
 * zero outside), with s: the forward-over-reverse rules read the mask off y = s (rop/recurrent-gates.ts).
 */
export function hardSigmoidParts(x: tf.Tensor): { s: tf.Tensor; y: tf.Tensor } {
  const s = tf.add(tf.mul(x, 0.2), 0.5);
  return { s, y: tf.clipByValue(s, 0, 1) };
}
const hardSigmoid: ActivationFn = (x) => hardSigmoidParts(x).y;

/** Whether an activation name is tfjs-layers' hard sigmoid (any spelling). */
export const isHardSigmoid = (name: unknown): boolean => canonicalActivation(name).replace(/[_\s]/g, '').toLowerCase() === 'hardsigmoid';

/** An activation by name, with hard_sigmoid (the recurrent default) besides activations.ts'. */
export function cellActivation(name: unknown, where: string, file?: string): ActivationFn {
  return isHardSigmoid(name) ? hardSigmoid : activationFn(name, where, file);
}

export interface CellWeights {
  kernel: tf.Tensor;
  recurrent: tf.Tensor;
  bias?: tf.Tensor;
}
export interface Cell {
  /** New states from the step's projected input [b, gates·units] and the previous states. */
  step(xp: tf.Tensor, states: tf.Tensor[], w: CellWeights): tf.Tensor[];
}

/** The cell of layer class `kind` with `config`'s activations; refuses what tfjs-layers cannot run. */
export function makeCell(kind: CellKind, config: any, where: string, file?: string): Cell {
  const act = cellActivation(cfg(config, 'activation', 'tanh'), where, file);
  if (kind === 'SimpleRNN') return { step: (xp, [h], w) => [act(tf.add(xp, tf.matMul(h!, w.recurrent)))] };
  const rec = cellActivation(cfg(config, 'recurrent_activation', 'hard_sigmoid'), where, file);
  if (kind === 'LSTM') {
    const fused = fusedCodes(cfg(config, 'activation', 'tanh'), cfg(config, 'recurrent_activation', 'hard_sigmoid'));
    if (fused) return { step: (xp, [h, c], w) => lstmCell(xp, tf.matMul(h!, w.recurrent), c!, fused) }; // one kernel: recurrent-cell.ts
    return {
      step: (xp, [h, c], w) => {
        const z = tf.add(xp, tf.matMul(h!, w.recurrent));
        const [z0, z1, z2, z3] = tf.split(z, 4, 1);
        const cNew = tf.add(tf.mul(rec(z1!), c!), tf.mul(rec(z0!), act(z2!)));
        return [tf.mul(rec(z3!), act(cNew)), cNew];
      },
    };
  }
  if (cfg(config, 'reset_after', false)) {
    throw unsupportedError(
      `${where}: GRU with reset_after = true (the Keras 2 default) is not supported by tfjs-layers; re-save it with reset_after = false`,
      file,
    );
  }
  return {
    step: (xp, [h], w) => {
      const u = h!.shape[1]!;
      const [rk1, rk2] = tf.split(w.recurrent, [2 * u, u], 1);
      const [xz, xr, xh] = tf.split(xp, 3, 1);
      const [hz, hr] = tf.split(tf.matMul(h!, rk1!), 2, 1);
      const z = rec(tf.add(xz!, hz!)),
        r = rec(tf.add(xr!, hr!));
      const hh = act(tf.add(xh!, tf.matMul(tf.mul(r, h!), rk2!)));
      return [tf.add(tf.mul(z, h!), tf.mul(tf.sub(1, z), hh))];
    },
  };
}
