/**
 * What one exact Hessian-vector product holds in backend memory, modelled as
 *   peak(b) ≈ fixedBytes + b · perSampleBytes
 * from the model's layers. Double backprop keeps every taped forward output and the first backward
 * pass's intermediates until the second backward pass has used them, so the per-sample term is
 * Σ over layers of (values kept per output value) × (the layer's output values), and recurrent
 * layers keep each time step's gates. The factors are measured (scripts/calibrate-hvp-memory.ts:
 * stacks of 1 and 3 equal layers, batches 4 and 12, distinct backend buffers, the largest of the
 * native and the plain wasm kernels), rounded up; docs/models.md shows the model against
 * measured peaks. A layer family not measured counts DEFAULT_KEPT.
 */
import tf from '../tf.cjs';
import { forward, probeInputs } from '../model/forward.js';
import type { LayerNode } from '../model/architecture.js';
import { activeBackend } from '../engine/index.js';
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import type { ModelBundle } from './model-bundle.js';

type Bundle = Pick<ModelBundle, 'arch' | 'checkpoint'>;

export interface HvpMemory {
  /** Backend bytes one more sample in the batch adds to an HVP's peak. */
  perSampleBytes: number;
  /** Backend bytes an HVP holds whatever the batch (θ, v, the gradient and HVP blocks; recurrent weight gradients per step). */
  fixedBytes: number;
}

/** Values kept per output value where no rule below applies. */
export const DEFAULT_KEPT = 10;
const KEPT: Record<string, number> = {
  InputLayer: 1,
  ZeroPadding2D: 1,
  Cropping2D: 1,
  Reshape: 1,
  Flatten: 1,
  Dropout: 1,
  SpatialDropout2D: 1,
  GaussianNoise: 1,
  GaussianDropout: 1,
  ReLU: 5,
  Activation: 5,
  LeakyReLU: 5,
  ELU: 5,
  Softmax: 5,
  Rescaling: 3,
  Add: 2,
  Subtract: 2,
  Multiply: 3,
  Average: 2,
  Maximum: 3,
  Minimum: 3,
  Concatenate: 2,
  BatchNormalization: 20,
  LayerNormalization: 24,
  Normalization: 6,
  MaxPooling2D: 4,
  AveragePooling2D: 4,
  GlobalAveragePooling2D: 2,
  GlobalMaxPooling2D: 2,
  UpSampling2D: 4,
  Dense: 22,
  Embedding: 4,
};
/**
 * Convs on the native kernels (their backward kernels: no column matrix kept); elsewhere a fixed
 * part plus the im2col column the composed gradient keeps (kernel taps × input channels per output
 * channel).
 */
const CONV_NATIVE = 9,
  CONV_BASE = 6,
  CONV_PER_TAP = 3.6;
/** DepthwiseConv2D: per value of the larger of input and output (its gradients hold both); the native backward kernels keep fewer. */
const DEPTHWISE_KEPT = 12,
  DEPTHWISE_KEPT_NATIVE = 7;
/** Recurrent layers: values kept per time step per unit (per sample), and per time step per weight (fixed). */
const RECURRENT: Record<string, { perUnitStep: number; perWeightStep: number }> = {
  LSTM: { perUnitStep: 200, perWeightStep: 3 },
  GRU: { perUnitStep: 170, perWeightStep: 4.5 },
  SimpleRNN: { perUnitStep: 45, perWeightStep: 3 },
};
/** The fused LSTM cell of the native kernels (kernels/recurrent-cell.ts) keeps one step's gates and states, not every elementwise op's output. */
const LSTM_NATIVE = { perUnitStep: 100, perWeightStep: 3 };
/** Transient values on top of what is kept: one layer's backward temporaries, per value of its input and output. */
const TRANSIENT = 4;
/** Values per parameter: θ, v, the first gradient, the HVP and their per-batch concatenation. */
const FIXED_PER_PARAM = 8;

const size = (t: tf.Tensor | undefined) => t?.size ?? 0;
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Kept values per sample of one layer, given its input and output tensors (batch 1). */
function keptValues(node: LayerNode, inputs: tf.Tensor[], out: tf.Tensor, native: boolean): number {
  const inSize = inputs.reduce((a, t) => a + t.size, 0);
  const family = RECURRENT[node.className] ? node.className : node.config?.layer?.class_name;
  const rec = native && family === 'LSTM' ? LSTM_NATIVE : family ? RECURRENT[family] : undefined;
  if (rec) {
    const steps = inputs[0]?.shape[1] ?? 1,
      units = node.config?.units ?? node.config?.layer?.config?.units ?? out.size;
    return steps * units * rec.perUnitStep * (node.className === 'Bidirectional' ? 2 : 1) + inSize + out.size;
  }
  if (node.className === 'DepthwiseConv2D') return (native ? DEPTHWISE_KEPT_NATIVE : DEPTHWISE_KEPT) * Math.max(inSize, out.size);
  const kernel = node.weights.find((w) => w.param === 'kernel' || w.param === 'depthwise_kernel');
  if (/^(Conv1D|Conv2D|SeparableConv2D|Conv2DTranspose)$/.test(node.className) && kernel) {
    const taps = prod(kernel.shape.slice(0, -2)),
      cin = inputs[0]?.shape.at(-1) ?? 1,
      cout = out.shape.at(-1) ?? 1;
    return (native ? CONV_NATIVE : CONV_BASE + (CONV_PER_TAP * (taps * cin)) / cout) * out.size;
  }
  return (KEPT[node.className] ?? DEFAULT_KEPT) * out.size;
}

/** Recurrent weights' per-step gradient terms, held whatever the batch. */
function fixedValues(node: LayerNode, inputs: tf.Tensor[], weights: number): number {
  const rec = RECURRENT[node.className] ?? RECURRENT[node.config?.layer?.class_name];
  return rec ? (inputs[0]?.shape[1] ?? 1) * weights * rec.perWeightStep : 0;
}

const cache = new WeakMap<object, Map<boolean, HvpMemory>>();

/** The HVP memory model of a model on this thread's kernels (one forward pass at batch 1, cached per architecture). */
export function hvpMemory(bundle: Bundle): HvpMemory {
  const native = activeBackend()?.name === 'wasm' && nativeKernelsInfo()?.path === 'native';
  const byPath = cache.get(bundle.arch) ?? new Map<boolean, HvpMemory>();
  cache.set(bundle.arch, byPath);
  const hit = byPath.get(native);
  if (hit) return hit;
  const r = tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    const ws = bundle.checkpoint.weights.map((w) => tf.zeros(w.spec.shape));
    const xs = probeInputs(bundle.arch),
      x = xs[0]!; // one zero sample per model input
    forward(bundle.arch, ws, xs, { capture });
    capture.set('', x);
    let perSample = size(x),
      fixed = 0,
      transient = 0;
    for (const node of bundle.arch.nodes) {
      const inputs = node.inputs.map((i) => capture.get(i)).filter((t): t is tf.Tensor => t !== undefined);
      const out = capture.get(node.name);
      if (!out) continue;
      perSample += keptValues(node, inputs, out, native);
      transient = Math.max(transient, TRANSIENT * (inputs.reduce((a, t) => a + t.size, 0) + out.size));
      fixed += fixedValues(
        node,
        inputs,
        node.weights.reduce((a, w) => a + prod(w.shape), 0),
      );
    }
    const params = bundle.checkpoint.weights.reduce((a, w) => a + w.values.length, 0);
    return { perSampleBytes: 4 * Math.ceil(perSample + transient), fixedBytes: 4 * Math.ceil(fixed + FIXED_PER_PARAM * params) };
  });
  byPath.set(native, r);
  return r;
}

/** Kept values per sample (hvpMemory's per-sample term in float32 values). */
export function hvpValuesPerSample(bundle: Bundle): number {
  return hvpMemory(bundle).perSampleBytes / 4;
}

/** Modelled peak bytes of one HVP over a batch of `batchSize`. */
export function hvpBytes(bundle: Bundle, batchSize: number): number {
  const m = hvpMemory(bundle);
  return m.fixedBytes + batchSize * m.perSampleBytes;
}
