/**
 * Native elementwise kernels (native/elementwise.c) for the large float32 arrays a conv net's
 * steps are full of: Add / Sub / Multiply of two arrays of one shape, or of an array and an
 * operand broadcast along its trailing axes (a bias [C] over [N, H, W, C], a scalar); Relu; Step
 * (the relu mask of its gradient); Exp and Log (the softmax and the cross-entropy: wasm's run at
 * ~12 ns an element, a sixth of an MLP's loss pass). Wasm runs these on one thread, and its broadcasting Add at
 * ~0.4 G elements/s (a LeNet loss pass: 4.7 of its 20 ms of kernel time in two bias adds). Any
 * other case — another dtype, a broadcast in the middle or on both sides, an empty array — runs
 * the replaced kernel. NaN propagates as in tfjs's cpu kernels.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend } from './kernel-io.js';
import type { NativeAddon } from './native-addon.js';
import { f32, fallback, prod, type Fn } from './native-fallback.js';

/** The addon's entry point of each kernel. */
const OPS = { Add: 'binaryAdd', Sub: 'binarySub', Multiply: 'binaryMul' } as const;

/** The shape without its leading 1s. */
const squeezeLeading = (s: number[]) => s.slice(Math.max(0, s.findIndex((d) => d !== 1) < 0 ? s.length : s.findIndex((d) => d !== 1)));

/**
 * Which operand is the big one and how the other repeats: the same size (ratio 1), or the small
 * one's shape (leading 1s aside) a suffix of the big one's, or one value. Null for anything else.
 */
export function broadcastPlan(aShape: number[], bShape: number[]): { bigIsA: boolean; out: number[] } | null {
  let out: number[];
  try {
    out = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  } catch {
    return null;
  }
  const na = prod(aShape),
    nb = prod(bShape),
    n = prod(out);
  const bigIsA = na >= nb;
  const [big, small] = bigIsA ? [aShape, bShape] : [bShape, aShape];
  if (prod(big) !== n || n === 0) return null;
  const s = squeezeLeading(small);
  if (prod(small) === 1 || prod(small) === n) return { bigIsA, out };
  const suffix = big.slice(big.length - s.length);
  return s.length <= big.length && s.every((d, i) => d === suffix[i]) ? { bigIsA, out } : null;
}

function binary(addon: NativeAddon, name: keyof typeof OPS): Fn {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const plan = f32(a, b) && a.dtype === 'float32' && b.dtype === 'float32' ? broadcastPlan(a.shape, b.shape) : null;
    if (!plan) return fallback(name, args);
    const be = args.backend as AnyBackend;
    const { info, data } = kernelOutput(be, plan.out);
    const [big, small] = plan.bigIsA ? [a, b] : [b, a];
    addon[OPS[name]](kernelInput(be, big), kernelInput(be, small), data, plan.bigIsA ? 0 : 1);
    return info;
  };
}

const UNARY = { Relu: 'unaryRelu', Exp: 'unaryExp', Log: 'unaryLog' } as const;

function unary(addon: NativeAddon, name: keyof typeof UNARY | 'Step'): Fn {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32' || prod(x.shape) === 0) return fallback(name, args);
    const be = args.backend as AnyBackend;
    const { info, data } = kernelOutput(be, x.shape);
    if (name === 'Step') addon.unaryStep(kernelInput(be, x), data, Number((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0));
    else addon[UNARY[name]](kernelInput(be, x), data);
    return info;
  };
}

export function nativeElementwiseKernels(addon: NativeAddon): Record<string, Fn> {
  return {
    Add: binary(addon, 'Add'),
    Sub: binary(addon, 'Sub'),
    Multiply: binary(addon, 'Multiply'),
    Relu: unary(addon, 'Relu'),
    Step: unary(addon, 'Step'),
    Exp: unary(addon, 'Exp'),
    Log: unary(addon, 'Log'),
  };
}
