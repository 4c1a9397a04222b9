/**
 * A SimpleRNN, LSTM or GRU layer with return_state run for every tensor it returns, as
 * tfjs-layers' RNN.call does: its output (the last output, or the sequence under
 * return_sequences), then its final states (h; h and c for an LSTM). The unroll is the same as
 * layers/recurrent.ts runs (the cells of recurrent-cells.ts, masked steps carrying the previous
 * states, go_backwards, initial states as extra inputs, the step taps of gradients through time);
 * it is used where a model output or a later layer reads a state tensor.
 */
import tf from '../tf.cjs';
import { unsupportedError } from '../errors.js';
import { cfg } from './layer-op.js';
import { GATES, STATES, makeCell, type CellKind } from './layers/recurrent-cells.js';
import { stepTap } from './layers/step-taps.js';

const KINDS: readonly string[] = ['SimpleRNN', 'LSTM', 'GRU'];

/** [output, ...final states] of recurrent layer `cls` on x [b, steps, features]. */
export function recurrentWithStates(
  cls: string,
  inputs: tf.Tensor[],
  w: Record<string, tf.Tensor>,
  config: any,
  where: string,
  mask: tf.Tensor | null,
): tf.Tensor[] {
  if (!KINDS.includes(cls)) throw unsupportedError(`${where} (${cls}) returns one tensor; only SimpleRNN, LSTM and GRU give their states`);
  const kind = cls as CellKind;
  const [x, ...initial] = inputs;
  if (cfg(config, 'stateful', false))
    throw unsupportedError(`${where}: a stateful ${kind} carries state across batches; losslens analyses stateless layers only`);
  const cell = makeCell(kind, config, where);
  const [b, steps, d] = x!.shape as [number, number, number];
  const units = w.recurrent_kernel!.shape[0]!;
  let proj = tf.matMul(tf.reshape(x!, [b * steps, d]), w.kernel as tf.Tensor2D);
  if (w.bias) proj = tf.add(proj, w.bias);
  const xs = tf.unstack(tf.transpose(tf.reshape(proj, [b, steps, GATES[kind] * units]), [1, 0, 2]));
  const ms = mask ? tf.unstack(tf.transpose(tf.cast(tf.cast(mask, 'bool'), 'float32'))).map((m) => tf.reshape(m, [b, 1])) : null;
  let states = initial.length ? initial : Array.from({ length: STATES[kind] }, () => tf.zeros([b, units]));
  const backwards = cfg(config, 'go_backwards', false),
    sequences = cfg(config, 'return_sequences', false);
  const outs: tf.Tensor[] = [];
  const order = Array.from({ length: steps }, (_, k) => (backwards ? steps - 1 - k : k));
  const tap = stepTap({ where, direction: backwards ? 'backward' : 'forward', shape: [b, units], positions: order });
  for (const [k, t] of order.entries()) {
    let next = cell.step(xs[t]!, states, { kernel: w.kernel!, recurrent: w.recurrent_kernel!, bias: w.bias });
    const m = ms?.[t];
    if (m) next = next.map((s, i) => tf.add(tf.mul(s, m), tf.mul(states[i]!, tf.sub(1, m))));
    if (tap) next[0] = tf.add(next[0]!, tap[k]!); // h_t + 0: ∂L/∂h_t is the gradient w.r.t. the addend
    states = next;
    if (sequences) outs.push(states[0]!);
  }
  return [sequences ? tf.stack(outs, 1) : states[0]!, ...states];
}
