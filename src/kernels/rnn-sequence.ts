/**
 * A whole recurrent sequence forward as one kernel (LosslensRnnSequence): SimpleRNN, LSTM and GRU
 * (reset_after = false) steps with their recurrent products, on the native path only
 * (native/recurrent.c's ll_rnn_sequence: each thread carries a block of batch rows through all steps,
 * one parallel region per sequence instead of two kernels and a GEMM thread wake-up per step).
 * No gradient: the layer runs it only with the tape off (the loss pass), and for LSTMs only (the
 * rules' LSTM step is the same C cell, so their loss is the loss pass's to the bit); a recorded
 * forward runs the per-step kernels, whose tape gradients recurrent-cell-grad.ts registers.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import type { NativeAddon } from './native-addon.js';
import type { Fn } from './native-fallback.js';
import type { CellCodes } from './recurrent-cell.js';

export const RNN_SEQUENCE = 'LosslensRnnSequence';

/** recurrent.h's LL_CELL_* by layer class. */
export const CELL_KIND = { SimpleRNN: 0, LSTM: 1, GRU: 2 } as const;
const GATES = [1, 4, 3];

export interface SequenceAttrs extends CellCodes {
  kind: number;
  backwards: boolean;
  sequences: boolean;
}

let enabled = true;

/** Whether unrolls may run as the one sequence kernel (default) or step by step (tests and benches comparing the two); returns the previous setting. */
export function useSequenceKernel(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether unrolls run as the sequence kernel where the tape is off: it is on and registered on this backend (the native path). */
export function sequenceReady(): boolean {
  return enabled && !!tf.getKernel(RNN_SEQUENCE, tf.getBackend());
}

/** Whether the sequence kernel can run now: ready (sequenceReady) and the tape off (it has no gradient). */
export function sequenceHere(): boolean {
  return sequenceReady() && !(tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * The layer's output from xp = x·W [b, T, G·u] (without the bias), U [u, G·u], the bias [G·u] and
 * the initial states (null: zeros): [b, T, u] under `sequences` (the k-th step run at k), else the last h [b, u].
 */
export function rnnSequence(xp: tf.Tensor, U: tf.Tensor, bias: tf.Tensor | undefined, initial: tf.Tensor[], a: SequenceAttrs): tf.Tensor {
  const ins: tf.NamedTensorMap = { xp, U };
  if (bias) ins.bias = bias;
  if (initial[0]) ins.h0 = initial[0];
  if (initial[1]) ins.c0 = initial[1];
  return tf.engine().runKernel(RNN_SEQUENCE, ins, { ...a } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** The native kernel (registered by native-kernels.ts through recurrent-cell-native.ts). */
export function nativeSequenceKernel(addon: NativeAddon): Fn {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const be = backend as AnyBackend,
      ins = inputs as Record<string, tf.TensorInfo | undefined>,
      a = attrs as unknown as SequenceAttrs;
    const [b, T, gu] = ins.xp!.shape as [number, number, number],
      u = ins.U!.shape[0]!;
    if (gu !== GATES[a.kind]! * u || ins.U!.shape[1] !== gu) throw new Error(`${RNN_SEQUENCE}: xp [${ins.xp!.shape}] and U [${ins.U!.shape}] disagree`);
    const out = kernelOutput(be, a.sequences ? [b, T, u] : [b, u]).info;
    // every view taken after the allocation (it may grow the wasm heap)
    const views = (['xp', 'bias', 'U', 'h0', 'c0'] as const).map((n) => (ins[n] ? kernelInput(be, ins[n]) : null));
    addon.rnnSequence(a.kind, a.act, a.rec, b, T, u, a.backwards ? 1 : 0, a.sequences ? 1 : 0, views, kernelInput(be, out));
    return out;
  };
}
