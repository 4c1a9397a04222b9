/**
 * Per-layer gradient norms along a training trajectory: ‖∂L/∂W_k‖ (mean over the same seeded
 * minibatches) at each checkpoint, the total ‖∂L/∂θ‖, the overall attenuation per checkpoint,
 * and spikes (a checkpoint whose total exceeds spikeFactor × the median of the others).
 */
import type { Checkpoint } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { inputError } from '../errors.js';
import { spikes } from './attenuation.js';
import { checkedLayers, withModel } from './analyze-gradients.js';
import { REMEDIES, type Finding } from './findings.js';
import { gradientProfile } from './gradient-profile.js';
import { minibatchIndices } from './minibatches.js';
import { resolveGradientOptions, type GradientOptions } from './options.js';

/** Per-layer gradient norms along a training trajectory (`kernelGrad[layer][checkpoint]`), with the loss, total gradient, attenuation and findings. */
export interface GradientTrajectory {
  checkpoints: string[];
  /** Layers with a kernel, first to last. */
  layers: string[];
  /** kernelGrad[layer][checkpoint]: mean ‖∂L/∂W_k‖ over the batches. */
  kernelGrad: number[][];
  activationGrad: number[][];
  totalGrad: number[];
  loss: number[];
  /** Overall first/last attenuation (options.basis) at each checkpoint. */
  attenuation: number[];
  findings: Finding[];
}

/**
 * Per-layer gradient norms at each checkpoint of a training trajectory (one model, several θ), on the same
 * seeded minibatches, with the loss and the findings along the way.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, readCheckpoint } from 'losslens';
 * import { gradientTrajectory } from 'losslens/gradients';
 *
 * // two minima of the same architecture: the losses are those tfjs recorded for each checkpoint
 * const problem = await loadProblem({ model: 'fixtures/spiral-tanh', train: { data: 'fixtures/spiral-tanh/train.csv' } });
 * try {
 *   const checkpoints = [await readCheckpoint('fixtures/spiral-tanh'), await readCheckpoint('fixtures/spiral-tanh-seed2')];
 *   const t = await gradientTrajectory(problem.model, checkpoints, problem.train!.prepared, { batches: 1, batchSize: 300 });
 *   assert.ok(Math.abs(t.loss[0] - 0.045010749250650406) < 1e-5 && Math.abs(t.loss[1] - 0.05411937087774277) < 1e-5);
 *   assert.deepEqual(
 *     t.kernelGrad.map((row) => row.length),
 *     [2, 2, 2],
 *   ); // kernelGrad[layer][checkpoint]: three Dense layers
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function gradientTrajectory(
  bundle: ModelBundle,
  checkpoints: Checkpoint[],
  data: PreparedData,
  opts: Partial<GradientOptions> & { onProgress?: (done: number, total: number) => void } = {},
): Promise<GradientTrajectory> {
  const { onProgress, ...rest } = opts;
  const o = resolveGradientOptions(rest);
  const layers = checkedLayers(bundle);
  const batches = minibatchIndices(data.n, o.batchSize, o.batches, o.seed);
  const kernelLayers = layers.filter((l) => l.kernel !== null).map((l) => l.name);
  const t: GradientTrajectory = {
    checkpoints: [],
    layers: kernelLayers,
    kernelGrad: kernelLayers.map(() => []),
    activationGrad: kernelLayers.map(() => []),
    totalGrad: [],
    loss: [],
    attenuation: [],
    findings: [],
  };
  for (const [c, ckpt] of checkpoints.entries()) {
    assertSameShapes(bundle.checkpoint, ckpt);
    const p = await withModel(bundle, ckpt, (m) => gradientProfile(m, layers, data, batches, o));
    kernelLayers.forEach((name, k) => {
      const s = p.layers.find((l) => l.name === name)!;
      t.kernelGrad[k].push(s.kernelGrad!.mean);
      t.activationGrad[k].push(s.activationGrad.mean);
    });
    t.checkpoints.push(ckpt.path);
    t.totalGrad.push(p.totalGrad.mean);
    t.loss.push(p.loss.mean);
    t.attenuation.push(p.attenuation[o.basis].overall);
    onProgress?.(c + 1, checkpoints.length);
  }
  const sp = spikes(t.totalGrad, o.spikeFactor);
  if (sp.length) {
    const worst = sp.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    t.findings.push({
      code: 'gradient-spike',
      severity: 'warning',
      layers: [],
      value: worst.ratio,
      threshold: o.spikeFactor,
      figure: 'trajectory.png',
      message: `‖∂L/∂θ‖ at checkpoint ${t.checkpoints[worst.index]} is ${worst.ratio.toPrecision(3)}× the median of the others (${sp.length} spike(s))`,
      remedy: REMEDIES['gradient-spike'],
    });
  }
  return t;
}

function assertSameShapes(ref: Checkpoint, ckpt: Checkpoint): void {
  const shapes = (c: Checkpoint) => c.weights.filter((w) => w.spec.group !== 'optimizer').map((w) => w.spec.shape.join('x'));
  const a = shapes(ref),
    b = shapes(ckpt);
  const i = a.findIndex((s, k) => s !== b[k]);
  if (a.length !== b.length || i >= 0) {
    throw inputError(
      ckpt.path,
      `architecture differs from ${ref.path}: ${a.length !== b.length ? `${b.length} weights vs ${a.length}` : `weight ${i} has shape [${b[i]}] vs [${a[i]}]`}`,
    );
  }
}
