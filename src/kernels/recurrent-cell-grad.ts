/**
 * The tape gradient of LosslensLstmCell (recurrent-cell.ts). A first-order backward pass (the tape
 * off while it runs) is one LosslensLstmBack kernel per step; inside a higher-order gradient
 * (double backprop: the outer tape records the backward pass) it is made of differentiable tf ops —
 * the gates recomputed from z = xp + hu, then the products tfjs's own gradients of the unfused
 * step make (Tanh: dy·(1 − y²), Sigmoid: dy·y(1 − y), ClipByValue: dy where 0 ≤ s ≤ 1, times 0.2;
 * Relu: dy·step(z)), so second derivatives are the unfused step's.
 */
import tf from '../tf.cjs';
import { ACT } from './recurrent-cell-math.js';
import { LSTM_BACK, LSTM_CELL, lstmBack, registerCellKernels, type CellCodes } from './recurrent-cell.js';

/** A gate's value and derivative as differentiable ops of z. */
function gateOps(k: number, z: tf.Tensor): { y: tf.Tensor; d: tf.Tensor } {
  if (k === ACT.tanh) {
    const y = tf.tanh(z);
    return { y, d: tf.sub(1, tf.square(y)) };
  }
  if (k === ACT.sigmoid) {
    const y = tf.sigmoid(z);
    return { y, d: tf.mul(y, tf.sub(1, y)) };
  }
  if (k === ACT.hardSigmoid) {
    const s = tf.add(tf.mul(z, 0.2), 0.5);
    return { y: tf.clipByValue(s, 0, 1), d: tf.mul(tf.cast(tf.logicalAnd(tf.greaterEqual(s, 0), tf.lessEqual(s, 1)), 'float32'), 0.2) };
  }
  if (k === ACT.relu) return { y: tf.relu(z), d: tf.step(z) };
  return { y: z, d: tf.onesLike(z) };
}

/** [g_z, g_c] in differentiable ops. */
function backOps(xp: tf.Tensor, hu: tf.Tensor, c: tf.Tensor, dh: tf.Tensor, dc: tf.Tensor, k: CellCodes): tf.Tensor[] {
  const [zi, zf, zg, zo] = tf.split(tf.add(xp, hu), 4, 1);
  const i = gateOps(k.rec, zi!),
    f = gateOps(k.rec, zf!),
    g = gateOps(k.act, zg!),
    o = gateOps(k.rec, zo!);
  const t = gateOps(k.act, tf.add(tf.mul(f.y, c), tf.mul(i.y, g.y)));
  const gc = tf.add(dc, tf.mul(tf.mul(dh, o.y), t.d));
  const gz = tf.concat([tf.mul(tf.mul(gc, g.y), i.d), tf.mul(tf.mul(gc, c), f.d), tf.mul(tf.mul(gc, i.y), g.d), tf.mul(tf.mul(dh, t.y), o.d)], 1);
  return [gz, tf.mul(gc, f.y)];
}

let registered = false;
export function registerCellGradient(): void {
  if (registered) return;
  registered = true;
  registerCellKernels();
  tf.registerGradient({
    kernelName: LSTM_CELL,
    inputsToSave: ['xp', 'hu', 'c'],
    gradFunc: (dys, saved, attrs) => {
      const [xp, hu, c] = saved as tf.Tensor[];
      const [dh, dc] = dys as tf.Tensor[];
      const k = attrs as unknown as CellCodes;
      const tapeOn = (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
      // made here, in the backward pass's scope: each input's thunk runs in its own tidy, which would dispose a shared result
      const [gz, gc] =
        tapeOn || !tf.getKernel(LSTM_BACK, tf.getBackend()) ? backOps(xp!, hu!, c!, dh!, dc!, k) : lstmBack(xp!, hu!, c!, { gh: dh!, gc: dc! }, k, false);
      return { xp: () => gz!, hu: () => tf.clone(gz!), c: () => gc! };
    },
  });
}

registerCellGradient();
