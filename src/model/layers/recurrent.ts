/**
 * SimpleRNN, LSTM and GRU layers as tfjs-layers runs them at inference: the sequence unrolled step
 * by step (recurrent-cells.ts), zero initial states unless the layer takes them as extra inputs,
 * go_backwards reading the steps last to first (and returning them in that order, as tfjs does),
 * masked steps carrying the previous state, return_sequences, and return_state giving its first
 * output (the sequence or last output) — one model output. dropout and recurrent_dropout are off
 * (inference); unroll changes nothing; stateful layers are refused. Memory: the unroll keeps
 * O(batch × steps × units) activations, the model's own need. Inside withStepTaps (step-taps.ts) an
 * unroll reports itself and adds the given tensors to h_t, for ∂L/∂h_t (gradients through time).
 * On the native path with the tape off (the loss pass) an unmasked, untapped unroll is one kernel
 * (kernels/rnn-sequence.ts): the same bits as the fused steps, without two kernels and a GEMM launch per step.
 */
import tf from '../../tf.cjs';
import { unsupportedError } from '../../errors.js';
import { cfg, type LayerOp, type ParamDecl, type ShapeContext } from '../layer-op.js';
import { GATES, STATES, makeCell, type CellKind } from './recurrent-cells.js';
import { stepTap, stepTapsActive } from './step-taps.js';
import { fusedCodes } from '../../kernels/recurrent-cell.js';
import { CELL_KIND, rnnSequence, sequenceHere } from '../../kernels/rnn-sequence.js';
import { rnnStepCodes } from '../../kernels/rnn-step.js';

const fmt = (s: readonly unknown[]) => `[${s.join(', ')}]`;

function params(config: any): ParamDecl[] {
  const out: ParamDecl[] = [
    { param: 'kernel', role: 'kernel', trainable: true, filterAxis: -1 },
    { param: 'recurrent_kernel', role: 'kernel', trainable: true, filterAxis: -1 },
  ];
  if (cfg(config, 'use_bias', true)) out.push({ param: 'bias', role: 'bias', trainable: true, filterAxis: null });
  return out;
}

export interface RecurrentRun {
  /** The last output [b, units], or every step's output [b, steps, units] under return_sequences. */
  output: tf.Tensor;
  /** Each step's output in the order the steps ran (filled when `keepSteps`). */
  steps: tf.Tensor[];
}

/** Unroll layer `kind` over x [b, steps, features]; `mask` [b, steps] marks the steps that count. */
export function runRecurrent(
  kind: CellKind,
  x: tf.Tensor,
  w: Record<string, tf.Tensor>,
  config: any,
  where: string,
  opts: { initial?: tf.Tensor[]; mask?: tf.Tensor | null; keepSteps?: boolean } = {},
): RecurrentRun {
  if (cfg(config, 'stateful', false))
    throw unsupportedError(`${where}: a stateful ${kind} carries state across batches; losslens analyses stateless layers only`);
  if (x.rank !== 3) throw unsupportedError(`${where}: ${kind} needs a [steps, features] input per sample, got rank ${x.rank - 1}`);
  const cell = makeCell(kind, config, where);
  const [b, steps, d] = x.shape as [number, number, number];
  const kernel = w.kernel!,
    recurrent = w.recurrent_kernel!,
    units = recurrent.shape[0]!;
  const xw = tf.matMul(tf.reshape(x, [b * steps, d]), kernel as tf.Tensor2D);
  const whole = !opts.mask && !opts.keepSteps && wholeSequence(kind, config, tf.reshape(xw, [b, steps, -1]), recurrent, w.bias, opts.initial ?? []);
  if (whole) return { output: whole, steps: [] };
  const proj = w.bias ? tf.add(xw, w.bias) : xw;
  const xs = tf.unstack(tf.transpose(tf.reshape(proj, [b, steps, GATES[kind] * units]), [1, 0, 2]));
  const ms = opts.mask ? tf.unstack(tf.transpose(tf.cast(tf.cast(opts.mask, 'bool'), 'float32'))).map((m) => tf.reshape(m, [b, 1])) : null;
  let states = opts.initial?.length ? opts.initial : Array.from({ length: STATES[kind] }, () => tf.zeros([b, units]));
  const backwards = cfg(config, 'go_backwards', false);
  const order = Array.from({ length: steps }, (_, t) => (backwards ? steps - 1 - t : t));
  const tap = stepTap({ where, direction: backwards ? 'backward' : 'forward', shape: [b, units], positions: order });
  const sequences = cfg(config, 'return_sequences', false),
    outs: tf.Tensor[] = [];
  for (const [k, t] of order.entries()) {
    let next = cell.step(xs[t]!, states, { kernel, recurrent, bias: w.bias });
    const m = ms?.[t];
    if (m) next = next.map((s, i) => tf.add(tf.mul(s, m), tf.mul(states[i]!, tf.sub(1, m))));
    if (tap) next[0] = tf.add(next[0]!, tap[k]!); // h_t + 0: ∂L/∂h_t is the gradient w.r.t. the addend
    states = next;
    if (sequences || opts.keepSteps) outs.push(states[0]!);
  }
  return { output: sequences ? tf.stack(outs, 1) : states[0]!, steps: outs };
}

/**
 * The unroll as one native kernel (kernels/rnn-sequence.ts) where it runs: the native path, the tape
 * off, activations the fused cells take, no step taps; null otherwise. Its values are the per-step
 * kernels' (the same float32 operations, the bias added to x·W before h·U as the per-step adds).
 */
function wholeSequence(kind: CellKind, config: any, xw: tf.Tensor, U: tf.Tensor, bias: tf.Tensor | undefined, initial: tf.Tensor[]): tf.Tensor | null {
  // the rules' steps (rop/) run the same C cells here (LSTM: recurrent-cell.ts; GRU, SimpleRNN: rnn-step.ts), so their loss is this one's
  if (!sequenceHere() || stepTapsActive() || xw.dtype !== 'float32') return null;
  const act = cfg(config, 'activation', 'tanh'),
    rec = cfg(config, 'recurrent_activation', 'hard_sigmoid');
  const codes = kind === 'LSTM' ? fusedCodes(act, rec) : rnnStepCodes(act, kind === 'GRU' ? rec : 'linear'); // rop/recurrent.ts' choice
  if (!codes) return null;
  const sequences = cfg(config, 'return_sequences', false),
    backwards = cfg(config, 'go_backwards', false);
  return rnnSequence(xw, U, bias, initial, { ...codes, kind: CELL_KIND[kind], backwards, sequences });
}

function outputShape(kind: CellKind) {
  return (ins: number[][], ctx: ShapeContext): number[] => {
    const x = ins[0]!,
      k = ctx.weightShape('kernel')!,
      r = ctx.weightShape('recurrent_kernel')!,
      b = ctx.weightShape('bias');
    const g = GATES[kind];
    if (kind === 'GRU' && cfg(ctx.config, 'reset_after', false))
      throw ctx.fault('reset_after = true (the Keras 2 default) is not supported by tfjs-layers; re-save the GRU with reset_after = false');
    makeCell(kind, ctx.config, 'its'); // refuses an unknown activation or recurrent_activation now
    if (x.length !== 2) throw ctx.fault(`needs a [steps, features] input per sample, got ${fmt(x)}`);
    if (r.length !== 2 || r[1] !== g * r[0]!) throw ctx.fault(`recurrent_kernel has shape ${fmt(r)}; a ${kind} recurrent kernel is [units, ${g} × units]`);
    const units = r[0]!;
    const cu = cfg<unknown>(ctx.config, 'units', units);
    if (cu !== units) throw ctx.fault(`units ${JSON.stringify(cu)} does not match its recurrent_kernel ${fmt(r)} (${units} units)`);
    if (k.length !== 2 || k[1] !== g * units) throw ctx.fault(`kernel has shape ${fmt(k)}; it must be [features, ${g * units}]`);
    if (k[0] !== x[1]) throw ctx.fault(`kernel ${fmt(k)} expects ${k[0]} features per step but the layer receives ${fmt(x)}`);
    if (b && (b.length !== 1 || b[0] !== g * units))
      throw ctx.fault(`bias has shape ${fmt(b)}; it must be [${g * units}] (a GRU with reset_after = true is not supported by tfjs-layers)`);
    if (cfg(ctx.config, 'stateful', false)) throw ctx.fault('stateful layers carry state across batches; losslens analyses stateless layers only');
    const want = STATES[kind];
    if (ins.length > 1 && (ins.length !== 1 + want || ins.slice(1).some((s) => fmt(s) !== fmt([units])))) {
      throw ctx.fault(`takes its input and ${want} initial state(s) of shape [${units}], got ${ins.slice(1).map(fmt).join(', ')}`);
    }
    return cfg(ctx.config, 'return_sequences', false) ? [x[0]!, units] : [units];
  };
}

function layer(kind: CellKind): LayerOp {
  return {
    params,
    forward: ([x, ...initial], w, config, where, mask?: tf.Tensor | null) => runRecurrent(kind, x!, w, config, where, { initial, mask }).output,
    outputShape: outputShape(kind),
  };
}

export const RECURRENT_LAYERS: Record<string, LayerOp> = { SimpleRNN: layer('SimpleRNN'), LSTM: layer('LSTM'), GRU: layer('GRU') };
