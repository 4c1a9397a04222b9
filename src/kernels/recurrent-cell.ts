/**
 * The fused LSTM cell step as tfjs kernels (one per step instead of ~15 small ops), registered for
 * the cpu and wasm backends in JS (recurrent-cell-math.ts) and replaced on the native path by
 * native/recurrent.c (recurrent-cell-native.ts). Three kernels, rows [b, u], gates [b, 4u]:
 *
 *   LosslensLstmCell  (xp, hu, c) → [h′, c′]                       z = xp + hu; the loss pass (tape gradient: recurrent-cell-grad.ts)
 *   LosslensLstmDual  (xp, hu, c, rz?, rc?) → [h′, c′, R{h′}, R{c′}] the forward-over-reverse rules' forward
 *   LosslensLstmBack  (xp, hu, c, gh, gc?, rz?, rc?, rgh?, rgc?) → [g_z, g_c (, R{g_z}, R{g_c})]   their backward
 *
 * The values h′, c′ are the same bits in all three (one function per path), so the rules' loss is
 * the loss pass's. Activations: tanh, sigmoid, hard_sigmoid, relu, linear (fusedCodes); any other
 * config runs the unfused ops.
 */
import tf from '../tf.cjs';
import { canonicalActivation } from '../model/activations.js';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import { ACT, lstmBackward, lstmForward, type StepArrays } from './recurrent-cell-math.js';

export const LSTM_CELL = 'LosslensLstmCell';
export const LSTM_DUAL = 'LosslensLstmDual';
export const LSTM_BACK = 'LosslensLstmBack';

export interface CellCodes {
  act: number;
  rec: number;
}

let enabled = true;

/** Whether LSTM layers run the fused kernels (default) or the unfused ops (tests and benches comparing the two); returns the previous setting. */
export function useFusedCells(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

function code(name: unknown): number | null {
  const c = canonicalActivation(name).replace(/[_\s]/g, '').toLowerCase();
  return c === 'hardsigmoid' ? ACT.hardSigmoid : c in ACT ? ACT[c as keyof typeof ACT] : null;
}

/**
 * Whether the backend runs the fused kernels to advantage: cpu (its ops are JS too) and wasm with the
 * native kernels; plain wasm runs its compiled ops faster than the JS kernel (~4× a [128, 128] step).
 */
function fusedHere(): boolean {
  const kernel = tf.getKernel(LSTM_CELL, tf.getBackend());
  return !!kernel && (tf.getBackend() !== 'wasm' || kernel.kernelFunc !== (cellKernel as unknown as tf.KernelFunc));
}

/** The kernels' activation codes for an LSTM's activation and recurrent_activation, or null where the step runs unfused (fusion off, or not worth it here). */
export function fusedCodes(activation: unknown, recurrentActivation: unknown): CellCodes | null {
  if (!enabled || !fusedHere()) return null;
  const act = code(activation),
    rec = code(recurrentActivation);
  return act === null || rec === null ? null : { act, rec };
}

type In = Record<string, tf.TensorInfo | undefined>;

/** The arrays of a step, taken after the outputs are allocated (a wasm allocation may move the heap). */
function stepArrays(be: AnyBackend, ins: In, codes: CellCodes): StepArrays {
  const v = (t: tf.TensorInfo | undefined) => (t ? kernelInput(be, t) : null);
  const [b, u4] = ins.xp!.shape as [number, number];
  return { b, u: u4 / 4, ...codes, xp: v(ins.xp)!, hu: v(ins.hu)!, c: v(ins.c), rz: v(ins.rz), rc: v(ins.rc) };
}

function outputs(be: AnyBackend, shapes: number[][]): tf.TensorInfo[] {
  return shapes.map((s) => kernelOutput(be, s).info);
}

function cellKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as AnyBackend,
    ins = inputs as In,
    [b, u4] = ins.xp!.shape as [number, number];
  const dual = !!(ins.rz || ins.rc) || !!(attrs as { dual?: boolean }).dual;
  const outs = outputs(
    be,
    Array.from({ length: dual ? 4 : 2 }, () => [b, u4 / 4]),
  );
  const [h, cn, rh, rcn] = outs.map((o) => kernelInput(be, o));
  lstmForward(stepArrays(be, ins, attrs as unknown as CellCodes), h!, cn!, rh, rcn);
  return outs;
}

function backKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as AnyBackend,
    ins = inputs as In,
    [b, u4] = ins.xp!.shape as [number, number];
  const dual = !!(attrs as { dual?: boolean }).dual;
  const outs = outputs(
    be,
    dual
      ? [
          [b, u4],
          [b, u4 / 4],
          [b, u4],
          [b, u4 / 4],
        ]
      : [
          [b, u4],
          [b, u4 / 4],
        ],
  );
  const [gz, gcp, rgz, rgcp] = outs.map((o) => kernelInput(be, o));
  const v = (t: tf.TensorInfo | undefined) => (t ? kernelInput(be, t) : null);
  lstmBackward(
    stepArrays(be, ins, attrs as unknown as CellCodes),
    { gh: v(ins.gh), gc: v(ins.gc), rgh: v(ins.rgh), rgc: v(ins.rgc) },
    { gz: gz!, gcp: gcp!, rgz, rgcp },
  );
  return outs;
}

/** The JS kernels by name (the native path replaces them, keeping these to put back). */
export const JS_CELL_KERNELS = { [LSTM_CELL]: cellKernel, [LSTM_DUAL]: cellKernel, [LSTM_BACK]: backKernel };

let registered = false;
/** Register the JS kernels on cpu and wasm (idempotent); the tape gradient is registered by recurrent-cell-grad.ts. */
export function registerCellKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['cpu', 'wasm'])
    for (const [kernelName, fn] of Object.entries(JS_CELL_KERNELS))
      if (!tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc: fn as unknown as tf.KernelFunc });
}

const defined = (m: Record<string, tf.Tensor | null | undefined>) => Object.fromEntries(Object.entries(m).filter(([, t]) => t)) as tf.NamedTensorMap;
const run = (name: string, ins: Record<string, tf.Tensor | null | undefined>, attrs: object) =>
  tf.engine().runKernel(name, defined(ins), attrs as tf.NamedAttrMap) as unknown as tf.Tensor[];

/** [h′, c′] of one LSTM step from xp, hu = h·U [b, 4u] and c [b, u] (differentiable: recurrent-cell-grad.ts). */
export const lstmCell = (xp: tf.Tensor, hu: tf.Tensor, c: tf.Tensor, k: CellCodes): tf.Tensor[] => run(LSTM_CELL, { xp, hu, c }, { ...k });

/** [h′, c′, R{h′}, R{c′}] given the tangents R{z} = R{xp + hu} and R{c} (either may be null: zero). */
export const lstmDual = (xp: tf.Tensor, hu: tf.Tensor, c: tf.Tensor, rz: tf.Tensor | null, rc: tf.Tensor | null, k: CellCodes): tf.Tensor[] =>
  run(LSTM_DUAL, { xp, hu, c, rz, rc }, { ...k, dual: true });

export interface BackIn {
  gh: tf.Tensor | null;
  gc: tf.Tensor | null;
  rz?: tf.Tensor | null;
  rc?: tf.Tensor | null;
  rgh?: tf.Tensor | null;
  rgc?: tf.Tensor | null;
}

/** [g_z, g_c] (and with `dual` [.., R{g_z}, R{g_c}]) of one LSTM step; null inputs read as zeros. */
export const lstmBack = (xp: tf.Tensor, hu: tf.Tensor, c: tf.Tensor, g: BackIn, k: CellCodes, dual: boolean): tf.Tensor[] =>
  run(LSTM_BACK, { xp, hu, c, ...g }, { ...k, dual });

registerCellKernels();
