/**
 * One measurement on the probe batch at the model's current weights: probe loss and per-layer
 * gradient norms (one gradient pass), the attenuation finding, λmax by Lanczos warm-started from
 * the last measurement's Ritz vector (with its residual), Hutchinson's tr(H) and the gradient
 * noise (SNR, B_simple). All randomness from src/random.ts seeded per step: tf.random and
 * Math.random are never drawn from, so the user's dropout and shuffling streams stay as they were.
 * Inference mode, as every losslens objective: dropout off, BatchNorm on its moving statistics.
 */
import tf from '../tf.cjs';
import type { Checkpoint } from '../io/types.js';
import { createObjective } from '../objective/create-objective.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import type { Objective, ParamLayout } from '../objective/types.js';
import { lanczos } from '../curvature/lanczos.js';
import { hutchinsonTrace } from '../curvature/hutchinson-trace.js';
import { attenuationProfile } from '../gradients/attenuation.js';
import { diagnose } from '../gradients/findings.js';
import { resolveGradientOptions } from '../gradients/options.js';
import { gradientNoise } from '../gradients/gradient-noise.js';
import { analysedLayers } from '../gradients/layers.js';
import { withModel } from '../gradients/analyze-gradients.js';
import { mixSeed } from '../random.js';
import type { ResolvedFitOptions } from './options.js';
import type { FitRecord } from './record.js';

/** What one measurement finds (the record less its step, time and cost fields). */
export type Measured = Pick<FitRecord, 'loss' | 'lambdaMax' | 'trace' | 'gradNorms' | 'attenuation' | 'noise'>;

/** The Ritz vector carried from one measurement to the next (the warm start). */
export interface WarmStart {
  vector: Float64Array | null;
}

/**
 * The seed of the measurement at `step`: the Lanczos start (without a warm start) and the noise minibatches use it, the
 * trace probes it + 1, as `losslens hessian --seed` and `losslens gradients --noise --seed` do: given it, the CLI
 * redraws the same probes and minibatches on the step's checkpoint.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { measurementSeed } from 'losslens/fit';
 *
 * const s = measurementSeed(0, 300); // pass it as --seed to losslens hessian on checkpoints/step-300
 * assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 31);
 * assert.equal(measurementSeed(0, 300), s); // a function of (seed, step) alone
 * assert.notEqual(measurementSeed(0, 400), s);
 * ```
 */
export function measurementSeed(seed: number, step: number): number {
  return mixSeed(seed, step) >>> 1;
}

/** Relative residual ‖Hv − λv‖ ≤ tol·|λ| at which Lanczos stops early. */
export const LANCZOS_TOL = 1e-3;

/** ‖∂L/∂θ‖ per layer (all its trainable weights), in layout order, and ‖∂L/∂W‖ of each layer's kernel. */
export function layerNorms(layout: ParamLayout, grad: Float32Array): { all: { layer: string; norm: number }[]; kernels: { layer: string; norm: number }[] } {
  const all = new Map<string, number>(),
    kernels = new Map<string, number>();
  for (const b of layout.blocks) {
    let s = 0;
    for (let i = b.offset; i < b.offset + b.size; i++) s += grad[i]! * grad[i]!;
    all.set(b.layer, (all.get(b.layer) ?? 0) + s);
    if (b.role === 'kernel') kernels.set(b.layer, (kernels.get(b.layer) ?? 0) + s);
  }
  const list = (m: Map<string, number>) => [...m].map(([layer, s]) => ({ layer, norm: Math.sqrt(s) }));
  return { all: list(all), kernels: list(kernels) };
}

/** ‖∂L/∂W‖ first kernel layer / last kernel layer and the finding it supports (vanishing-gradients, exploding-gradients or healthy). */
export function attenuationFinding(kernels: { layer: string; norm: number }[], total: number): FitRecord['attenuation'] {
  if (kernels.length < 2) return null;
  const att = attenuationProfile(
    kernels.map((k) => k.layer),
    kernels.map((k) => k.norm),
  );
  const findings = diagnose(
    { attenuation: att, basis: 'weights', batchNorms: [total], health: [], outputLayer: kernels.at(-1)!.layer },
    resolveGradientOptions({}),
  );
  return { ratio: att.overall, finding: findings.find((f) => f.code === 'vanishing-gradients' || f.code === 'exploding-gradients')?.code ?? 'healthy' };
}

async function curvature(objective: Objective, theta: Float32Array, o: ResolvedFitOptions, step: number, warm: WarmStart) {
  const dim = objective.layout.dim;
  const matvec = async (v: Float64Array) => Float64Array.from(await objective.hvp(theta, Float32Array.from(v)));
  const lz = await lanczos(matvec, dim, {
    maxIter: Math.min(o.lanczosIter, dim),
    tol: LANCZOS_TOL,
    seed: measurementSeed(o.seed, step),
    ...(warm.vector ? { start: warm.vector } : {}),
    keepBasis: true,
  });
  const top = lz.wanted[0]!;
  warm.vector = lz.ritzVectors![0]!;
  const lambdaMax = { value: lz.ritzValues[top]!, residual: lz.residuals[top]!, matvecs: lz.matvecs };
  if (o.traceProbes === 0) return { lambdaMax, trace: null };
  const t = await hutchinsonTrace(matvec, dim, { probes: o.traceProbes, seed: measurementSeed(o.seed, step) + 1 });
  return { lambdaMax, trace: { value: t.estimate, stderr: t.stderr ?? NaN, probes: t.probes } };
}

async function noiseOf(bundle: ModelBundle, ckpt: Checkpoint, data: PreparedData, o: ResolvedFitOptions, step: number): Promise<FitRecord['noise']> {
  if (o.noiseGroups === 0) return null;
  const layers = analysedLayers(bundle.arch);
  const seed = measurementSeed(o.seed, step);
  const r = await withModel(bundle, ckpt, (m) => gradientNoise(m, layers, data, { batchSize: o.noiseBatch, groups: o.noiseGroups, groupSize: 4, seed }));
  return { snr: r.overall.snr.value, bSimple: r.overall.bSimple.value };
}

/** Measure the checkpoint on the probe (call inside withMeasurementEngine). `warm` carries the Ritz vector to the next call. */
export async function measure(
  bundle: ModelBundle,
  ckpt: Checkpoint,
  data: PreparedData,
  o: ResolvedFitOptions,
  step: number,
  warm: WarmStart,
): Promise<Measured> {
  const objective = await createObjective(ckpt, data, { backend: tf.getBackend() });
  try {
    const theta = objective.theta0;
    const g = await objective.grad(theta);
    const norms = layerNorms(objective.layout, g.grad);
    const total = Math.sqrt(norms.all.reduce((a, l) => a + l.norm ** 2, 0));
    const { lambdaMax, trace } = await curvature(objective, theta, o, step, warm);
    const noise = await noiseOf(bundle, ckpt, data, o, step);
    return { loss: g.loss, lambdaMax, trace, gradNorms: norms.all, attenuation: attenuationFinding(norms.kernels, total), noise };
  } finally {
    objective.dispose();
  }
}
