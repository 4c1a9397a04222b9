/**
 * One model's gradient profile over seeded minibatches: per-layer gradient norms (mean and
 * spread over the batches), ‖W_k‖ and ‖∂L/∂W_k‖/‖W_k‖, the attenuation profile in both bases,
 * forward health and the findings; for recurrent models, the gradients through time (through-time.ts).
 */
import tf from '../tf.cjs';
import type { PreparedData } from '../objective/prepare-data.js';
import { attenuationProfile, meanStd, type AttenuationProfile } from './attenuation.js';
import { diagnose, type Finding } from './findings.js';
import { HealthAccumulator, type LayerHealth } from './forward-health.js';
import { layerGradients, type BatchGradients, type GradientModel } from './layer-gradients.js';
import type { AnalysedLayer } from './layers.js';
import { batchTensors } from './minibatches.js';
import type { GradientOptions } from './options.js';
import { throughTime, type ThroughTime } from './through-time.js';

/** A mean and standard deviation over minibatches. */
export interface Stat {
  mean: number;
  std: number;
}

/** One layer's gradient statistics over the minibatches: ‖∂L/∂W‖ (kernel, bias, all weights), ‖W‖, their ratio, and ‖∂L/∂a‖ of its activations. */
export interface LayerGradientStats {
  name: string;
  className: string;
  activation: string;
  /** ‖∂L/∂W_k‖ over the kernel (null without one). */
  kernelGrad: Stat | null;
  biasGrad: Stat | null;
  /** Over all the layer's trainable weights (kernel, bias, gamma, beta). */
  weightGrad: Stat | null;
  kernelNorm: number | null;
  /** ‖∂L/∂W_k‖ / ‖W_k‖ (kernel), per batch then averaged. */
  gradToWeight: Stat | null;
  /** ‖∂L/∂a_k‖ at the layer's output. */
  activationGrad: Stat;
}

/** The gradient profile of a model: per-layer statistics, the loss and the total gradient norm over the minibatches. */
export interface GradientProfile {
  layers: LayerGradientStats[];
  loss: Stat;
  totalGrad: Stat;
  /** Total ‖∂L/∂θ‖ of each minibatch, in draw order. */
  batchTotals: number[];
  /**
   * Over the layers with a kernel, first to last (activations: the hidden ones, see below);
   * `basis` names the one the findings use.
   */
  attenuation: { basis: GradientOptions['basis']; weights: AttenuationProfile; activations: AttenuationProfile };
  health: LayerHealth[];
  findings: Finding[];
  /** ‖∂L/∂h_t‖ per step of each recurrent layer (absent without one); its findings are its own. */
  throughTime?: ThroughTime;
}

const stat = (xs: number[]): Stat => meanStd(xs);

export async function gradientProfile(
  m: GradientModel,
  layers: AnalysedLayer[],
  data: PreparedData,
  batches: Uint32Array[],
  o: GradientOptions,
  onBatch?: () => void,
): Promise<GradientProfile> {
  const health = new HealthAccumulator(layers, o.saturation);
  const per: BatchGradients[] = [];
  for (const idx of batches) {
    const { x, y } = batchTensors(data, idx);
    try {
      per.push(await layerGradients(m, x, y, layers));
      await health.add(m, x);
    } finally {
      tf.dispose([x, y]);
    }
    onBatch?.();
  }
  const kernelNorms = await norms(
    m,
    layers.map((l) => l.kernel),
  );
  const stats: LayerGradientStats[] = layers.map((l, i) => {
    const col = (f: (b: BatchGradients) => number | null) => per.map(f) as number[];
    const has = (v: unknown) => v !== null;
    const kn = kernelNorms[i];
    return {
      name: l.name,
      className: l.className,
      activation: l.activation,
      kernelGrad: has(l.kernel) ? stat(col((b) => b.layers[i].kernelGrad)) : null,
      biasGrad: has(l.bias) ? stat(col((b) => b.layers[i].biasGrad)) : null,
      weightGrad: l.trainable.length ? stat(col((b) => b.layers[i].weightGrad)) : null,
      kernelNorm: kn,
      gradToWeight: kn !== null && kn > 0 ? stat(col((b) => b.layers[i].kernelGrad! / kn)) : null,
      activationGrad: stat(col((b) => b.layers[i].activationGrad)),
    };
  });
  const withKernel = stats.filter((s) => s.kernelGrad !== null);
  const names = withKernel.map((s) => s.name);
  // The output layer's ∂L/∂a is the loss derivative itself (−y/p for softmax + cross-entropy),
  // not a propagated signal: the activation profile runs over the hidden kernel layers.
  const hidden = withKernel.length > 1 ? withKernel.filter((s) => s.name !== outputName(layers)) : withKernel;
  const attenuation = {
    basis: o.basis,
    weights: attenuationProfile(
      names,
      withKernel.map((s) => s.kernelGrad!.mean),
    ),
    activations: attenuationProfile(
      hidden.map((s) => s.name),
      hidden.map((s) => s.activationGrad.mean),
    ),
  };
  const batchTotals = per.map((b) => b.totalGrad);
  const h = health.result();
  const outputLayer = outputName(layers);
  const findings = diagnose({ attenuation: attenuation[o.basis], basis: o.basis, batchNorms: batchTotals, health: h, outputLayer }, o);
  const time = per[0]!.steps.length
    ? throughTime(
        per[0]!.steps.map((s) => s.site),
        per.map((b) => b.steps.map((s) => s.norms)),
        o,
        per.map((b) => b.steps.map((s) => s.recurrentGrad)),
      )
    : undefined;
  const timeWarns = time?.findings.some((f) => f.severity === 'warning');
  return {
    layers: stats,
    loss: stat(per.map((b) => b.loss)),
    totalGrad: stat(batchTotals),
    batchTotals,
    attenuation,
    health: h,
    findings: timeWarns ? findings.filter((f) => f.code !== 'healthy') : findings,
    ...(time ? { throughTime: time } : {}),
  };
}

const outputName = (layers: AnalysedLayer[]) => layers.find((l) => l.isOutput)?.name ?? '';

async function norms(m: GradientModel, indices: (number | null)[]): Promise<(number | null)[]> {
  const present = indices.filter((i): i is number => i !== null);
  if (present.length === 0) return indices.map(() => null);
  const t = tf.tidy(() => tf.stack(present.map((i) => tf.norm(m.weights[i]))));
  const v = await t.data();
  t.dispose();
  let j = 0;
  return indices.map((i) => (i === null ? null : v[j++]));
}
