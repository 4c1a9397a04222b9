/**
 * The GRU (reset_after = false) and SimpleRNN steps of the forward-over-reverse rules as native kernels
 * (LosslensRnnStep: native/recurrent_step.c's ll_rnn_step, one call per part of a step around the
 * caller's GEMMs), registered on the native path only, beside the whole-sequence kernel whose float32
 * operations they share: where the loss pass runs a GRU or SimpleRNN unroll as that kernel, the rules'
 * steps run these parts, so the rules' loss is the loss pass's to the bit (rop/fused-rnn-step.ts). The
 * phases and their inputs and outputs are recurrent.h's LL_GRU_* and LL_SIMPLE_*.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import type { NativeAddon } from './native-addon.js';
import type { Fn } from './native-fallback.js';
import { fusedCodes, type CellCodes } from './recurrent-cell.js';
import { sequenceReady } from './rnn-sequence.js';

export const RNN_STEP = 'LosslensRnnStep';

/** recurrent.h's LL_GRU_* and LL_SIMPLE_* phases. */
export const PHASE = { gruGates: 0, gruOut: 1, gruBackH: 2, gruBackZr: 3, simpleOut: 4, simpleBack: 5 } as const;

const IN_ORDER = ['xp', 'hu', 'h', 'a', 'g', 'grh', 'rxp', 'rhu', 'ra', 'rh', 'rg', 'rgrh'] as const;
export type StepIns = Partial<Record<(typeof IN_ORDER)[number], tf.Tensor | null>>;
export interface StepOuts {
  o0: tf.Tensor;
  o1?: tf.Tensor;
  r0?: tf.Tensor;
  r1?: tf.Tensor;
}

/**
 * The kernels' activation codes for a GRU or SimpleRNN layer where its rules' steps run these parts and its
 * tape-off unroll the sequence kernel (both or neither: the same bits): the native path with fusion on; else null.
 */
export function rnnStepCodes(activation: unknown, recurrentActivation: unknown): CellCodes | null {
  if (!sequenceReady() || !tf.getKernel(RNN_STEP, tf.getBackend())) return null;
  return fusedCodes(activation, recurrentActivation);
}

/** One step part: o0 (and o1 for gruBackZr), with `dual` their tangents r0 (r1); null inputs read as zeros. */
export function rnnStep(phase: number, ins: StepIns, k: CellCodes, dual: boolean): StepOuts {
  const named = Object.fromEntries(Object.entries(ins).filter(([, t]) => t)) as tf.NamedTensorMap;
  const outs = tf.engine().runKernel(RNN_STEP, named, { phase, act: k.act, rec: k.rec, dual } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  const two = phase === PHASE.gruBackZr;
  return two ? { o0: outs[0]!, o1: outs[1]!, r0: outs[2], r1: outs[3] } : { o0: outs[0]!, r0: outs[1] };
}

/** The native kernel (registered by native-kernels.ts through recurrent-cell-native.ts). */
export function nativeStepKernel(addon: NativeAddon): Fn {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const be = backend as AnyBackend,
      ins = inputs as Record<string, tf.TensorInfo | undefined>,
      a = attrs as unknown as CellCodes & { phase: number; dual: boolean };
    const gru = a.phase < PHASE.simpleOut,
      two = a.phase === PHASE.gruBackZr;
    const [b, w] = ins.hu!.shape as [number, number],
      u = gru ? w / 2 : w;
    const shapes = two
      ? [
          [b, 2 * u],
          [b, u],
          ...(a.dual
            ? [
                [b, 2 * u],
                [b, u],
              ]
            : []),
        ]
      : [[b, u], ...(a.dual ? [[b, u]] : [])];
    const outs = shapes.map((s) => kernelOutput(be, s).info);
    // every view taken after the allocations (one may grow the wasm heap)
    const views = IN_ORDER.map((n) => (ins[n] ? kernelInput(be, ins[n]) : null));
    const o = outs.map((t) => kernelInput(be, t));
    const [o0, o1, r0, r1] = two ? o : [o[0]!, null, o[1] ?? null, null];
    addon.rnnStep(a.phase, a.act, a.rec, b, u, views, [o0!, o1 ?? null, r0 ?? null, r1 ?? null]);
    return outs as unknown as tf.TensorInfo;
  };
}
