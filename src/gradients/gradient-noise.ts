/**
 * Gradient noise (McCandlish et al. 2018, "An empirical model of large-batch training"), per layer
 * and overall: the per-example gradient covariance Σ (its trace), the true gradient's ‖G‖², the
 * minibatch gradient variance at batch size B, the signal-to-noise ratio and the simple noise scale
 * B_simple = tr(Σ)/‖G‖² (the batch size beyond which larger batches stop paying off).
 *
 * Estimator (McCandlish's appendix A, from gradient norms at two batch sizes): `groups` disjoint
 * groups of k·B samples, each split into k minibatches of B. Per group, with |g_B|² the mean of the
 * k minibatch gradients' squared norms and |g_kB|² that of their mean (the group's gradient):
 *   S  = (|g_B|² − |g_kB|²) / (1/B − 1/(kB))                  unbiased for tr Σ
 *   G² = (kB·|g_kB|² − B·|g_B|²) / (kB − B) + S/N             unbiased for ‖G‖²
 * Batches are drawn without replacement from the N samples, so Σ is the dataset's per-example
 * covariance normalised by N − 1, E|g_b|² = ‖G‖² + tr Σ·(1/b − 1/N), and the S/N term is that
 * finite-population correction (McCandlish's formulas are its N → ∞ limit).
 * Each group gives one independent pair (S, G²): the reported values are their means over the
 * groups with standard errors sd/√groups; ratios (B_simple, SNR) by the delta method. Groups
 * drawn from one permutation are disjoint, so when they cover much of the data the spread of
 * the mean is smaller than sd/√groups: the errors are then conservative (calibrated, ~95% ±2 SE
 * coverage, when the groups use a small fraction of it; see test/gradient-noise.test.ts).
 *   minibatch variance at B   V = tr Σ·(1/B − 1/N)   (= E‖g_B − G‖²)
 *   SNR at B                  ‖G‖² / V
 * Gradients of the data term in inference mode; a weight penalty adds no noise and is left out.
 */
import { analysisMeta, type AnalysisMeta } from '../analysis-meta.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { optionError } from '../errors.js';
import { flatBatchGradient } from './flat-batch-gradient.js';
import type { GradientModel } from './layer-gradients.js';
import { weightLayers, type AnalysedLayer } from './layers.js';
import { minibatchIndices } from './minibatches.js';
import { noiseStats, type NoiseStats } from './noise-statistics.js';

export { noiseStats, type NoiseStats, type Estimate } from './noise-statistics.js';

/** How the gradient noise scale is estimated: the batch size B, and the groups and group size of per-example gradients. */
export interface GradientNoiseOptions {
  /** B: samples per minibatch. */
  batchSize: number;
  /** Independent groups (estimates); default 32. */
  groups: number;
  /** k: minibatches per group (the large batch is k·B); default 4. */
  groupSize: number;
  seed: number;
}

/** The defaults of {@link GradientNoiseOptions}: 32 groups of 4 samples. */
export const NOISE_DEFAULTS = { groups: 32, groupSize: 4 };

/** The gradient noise statistics of one layer's weights, with its name and parameter count. */
export interface LayerNoise extends NoiseStats {
  name: string;
  params: number;
}

/** The gradient noise scale B_simple = tr Σ / ‖G‖², overall and per layer, with its definition and estimation method. */
export interface GradientNoise {
  definition: string;
  method: string;
  batchSize: number;
  groupSize: number;
  groups: number;
  /** Minibatch gradients computed (groups × groupSize). */
  minibatches: number;
  /** N, the dataset the batches are drawn from. */
  samples: number;
  overall: NoiseStats;
  layers: LayerNoise[];
  meta: AnalysisMeta;
}

export function resolveNoiseOptions(o: Partial<GradientNoiseOptions> & { batchSize: number }, n: number): GradientNoiseOptions {
  const r: GradientNoiseOptions = {
    seed: 0,
    ...NOISE_DEFAULTS,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as GradientNoiseOptions;
  const int = (f: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw optionError(f, `must be an integer ≥ ${min}, got ${v}`);
  };
  int('batchSize', r.batchSize, 1);
  int('noiseGroups', r.groups, 2);
  int('noiseGroupSize', r.groupSize, 2);
  int('seed', r.seed, 0);
  if (r.groupSize * r.batchSize > n) {
    throw optionError(
      'noiseGroupSize',
      `a group of ${r.groupSize} minibatches of ${r.batchSize} needs ${r.groupSize * r.batchSize} distinct samples; the data has ${n} (lower {batchSize} or {noiseGroupSize})`,
    );
  }
  return r;
}

/** One group's squared norms per layer: the mean over its k minibatch gradients (|g_B|²) and of their mean (|g_kB|²). */
async function groupNorms(m: GradientModel, data: PreparedData, group: Uint32Array, wl: AnalysedLayer[], B: number, k: number, onBatch?: () => void) {
  const params = wl.flatMap((l) => l.trainable);
  const small = new Float64Array(wl.length),
    big = new Float64Array(wl.length);
  const sums = params.map((i) => new Float64Array(m.weights[i].size));
  for (let j = 0; j < k; j++) {
    const { grads } = await flatBatchGradient(m, data, group.subarray(j * B, (j + 1) * B), params);
    let p = 0;
    wl.forEach((l, li) => {
      for (let t = 0; t < l.trainable.length; t++, p++) {
        const g = grads[p],
          s = sums[p];
        for (let i = 0; i < g.length; i++) {
          small[li] += g[i] * g[i];
          s[i] += g[i];
        }
      }
    });
    onBatch?.();
  }
  let p = 0;
  wl.forEach((l, li) => {
    for (let t = 0; t < l.trainable.length; t++, p++) for (const x of sums[p]) big[li] += (x / k) ** 2;
    small[li] /= k;
  });
  return { small, big };
}

export async function gradientNoise(
  m: GradientModel,
  layers: AnalysedLayer[],
  data: PreparedData,
  options: Partial<GradientNoiseOptions> & { batchSize: number },
  onBatch?: () => void,
): Promise<GradientNoise> {
  const started = Date.now();
  const o = resolveNoiseOptions(options, data.n);
  const wl = weightLayers(layers);
  const B = o.batchSize,
    k = o.groupSize,
    N = data.n;
  const S: number[][] = wl.map(() => []),
    G2: number[][] = wl.map(() => []);
  for (const group of minibatchIndices(N, k * B, o.groups, o.seed)) {
    const { small, big } = await groupNorms(m, data, group, wl, B, k, onBatch);
    wl.forEach((_, li) => {
      const s = (small[li] - big[li]) / (1 / B - 1 / (k * B));
      S[li].push(s);
      G2[li].push((k * B * big[li] - B * small[li]) / (k * B - B) + s / N);
    });
  }
  const total = (xs: number[][]) => xs[0].map((_, g) => xs.reduce((a, x) => a + x[g], 0));
  return {
    definition:
      'tr Σ: trace of the per-example gradient covariance over the dataset; B_simple = tr Σ/‖G‖² (McCandlish et al. 2018); minibatch variance at B = tr Σ·(1/B − 1/N); SNR at B = ‖G‖²/that variance',
    method: `unbiased two-batch-size estimator (McCandlish et al. 2018, appendix A, with the finite-population correction): ${o.groups} groups of ${k} disjoint minibatches of ${B} samples (B = ${B} and ${k * B}); standard errors over the groups`,
    batchSize: B,
    groupSize: k,
    groups: o.groups,
    minibatches: o.groups * k,
    samples: N,
    overall: noiseStats(total(S), total(G2), B, N),
    layers: wl.map((l, li) => ({ name: l.name, params: l.trainable.reduce((a, i) => a + m.weights[i].size, 0), ...noiseStats(S[li], G2[li], B, N) })),
    meta: analysisMeta(started, o, o.seed),
  };
}
