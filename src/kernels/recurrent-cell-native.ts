/**
 * The fused LSTM kernels of recurrent-cell.ts on the native path: native/recurrent.c's
 * ll_lstm_forward / ll_lstm_backward (the addon's lstmStep) on the wasm heap, rows over threads; with
 * them the whole-sequence kernel (rnn-sequence.ts) and the GRU / SimpleRNN step parts (rnn-step.ts).
 * Registered over the JS kernels by native-kernels.ts, which puts those back on uninstall.
 */
import type tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import type { NativeAddon } from './native-addon.js';
import type { Fn } from './native-fallback.js';
import { LSTM_BACK, LSTM_CELL, LSTM_DUAL, registerCellKernels, type CellCodes } from './recurrent-cell.js';
import { RNN_SEQUENCE, nativeSequenceKernel } from './rnn-sequence.js';
import { RNN_STEP, nativeStepKernel } from './rnn-step.js';

const IN_ORDER = ['xp', 'hu', 'c', 'rz', 'rc', 'gh', 'rgh', 'gc', 'rgc'] as const;

function step(addon: NativeAddon, backward: boolean): Fn {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const be = backend as AnyBackend,
      ins = inputs as Record<string, tf.TensorInfo | undefined>;
    const [b, u4] = ins.xp!.shape as [number, number],
      u = u4 / 4;
    const a = attrs as unknown as CellCodes & { dual?: boolean };
    const dual = !!a.dual || (!backward && !!(ins.rz || ins.rc));
    const shapes = backward
      ? [
          [b, u4],
          [b, u],
          [b, u4],
          [b, u],
        ]
      : [
          [b, u],
          [b, u],
          [b, u],
          [b, u],
        ];
    const outs = shapes.slice(0, dual ? 4 : 2).map((s) => kernelOutput(be, s).info);
    // every view taken after the allocations (one may grow the wasm heap)
    const views = IN_ORDER.map((n) => (ins[n] ? kernelInput(be, ins[n]) : null));
    const outViews = [0, 1, 2, 3].map((i) => (outs[i] ? kernelInput(be, outs[i]) : null));
    addon.lstmStep(backward ? 1 : 0, a.act, a.rec, b, u, views, outViews);
    return outs as unknown as tf.TensorInfo;
  };
}

export function nativeRecurrentKernels(addon: NativeAddon): Record<string, Fn> {
  registerCellKernels(); // the JS kernels first: replace() keeps them to put back
  const cells = {
    [LSTM_CELL]: step(addon, false),
    [LSTM_DUAL]: step(addon, false),
    [LSTM_BACK]: step(addon, true),
    [RNN_SEQUENCE]: nativeSequenceKernel(addon),
  };
  // an addon built before the GRU / SimpleRNN step parts: without them those layers' steps and unrolls stay tf ops (rnnStepCodes is null)
  return typeof addon.rnnStep === 'function' ? { ...cells, [RNN_STEP]: nativeStepKernel(addon) } : cells;
}
