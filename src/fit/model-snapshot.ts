/**
 * What the callback reads from the user's model, without changing it: its weights as a losslens
 * Checkpoint (through model.save with an in-memory handler: no file, no optimizer state), and its
 * optimizer's name, learning rate and stability threshold.
 */
import tf from '../tf.cjs';
import type { Checkpoint } from '../io/types.js';

/** A tfjs LayersModel as the callback sees it (the members it reads). */
export type FitModel = tf.LayersModel;

/** The model's weights, topology and training config now, as a Checkpoint (weights copied). */
export async function snapshotCheckpoint(model: FitModel, path = '/fit/model.json'): Promise<Checkpoint> {
  let out: Checkpoint | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Float32Array(a.weightData as ArrayBuffer);
      let off = 0;
      const weights = (a.weightSpecs ?? []).map((s) => {
        const size = s.shape.reduce((x, y) => x * y, 1);
        const values = data.slice(off, off + size);
        off += size;
        return { spec: { name: s.name, shape: s.shape, dtype: 'float32' as const }, values };
      });
      // model.save writes trainingConfig only with includeOptimizer, which would read the optimizer's state
      const trainingConfig =
        a.trainingConfig ?? (model.optimizer ? (model as unknown as { getTrainingConfig(): Checkpoint['trainingConfig'] }).getTrainingConfig() : undefined);
      out = { path, modelTopology: a.modelTopology as Checkpoint['modelTopology'], trainingConfig, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

/** The optimizer's class, learning rate η and the sharpness threshold its stability is governed by. */
export interface FitOptimizerInfo {
  name: string;
  learningRate: number | null;
  /** Which sharpness the threshold bounds: λmax(H) for SGD/momentum, λmax(P⁻¹H) (preconditioned) for adaptive methods. */
  thresholdKind: 'hessian' | 'preconditioned' | null;
  thresholdFormula: string | null;
  threshold: number | null;
}

/** Read η and the threshold from `model.optimizer.getConfig()` (SGD 2/η; momentum (2 + 2μ)/η; Adam (2 + 2β₁)/((1 − β₁)η) on P⁻¹H). */
export function optimizerInfo(model: FitModel): FitOptimizerInfo {
  const opt = model.optimizer as (tf.Optimizer & { getConfig?(): Record<string, unknown> }) | undefined;
  const none = { thresholdKind: null, thresholdFormula: null, threshold: null };
  if (!opt) return { name: 'none', learningRate: null, ...none };
  const name = opt.getClassName();
  const c = opt.getConfig?.() ?? {};
  const lr = typeof c.learningRate === 'number' && c.learningRate > 0 ? c.learningRate : null;
  if (lr === null) return { name, learningRate: null, ...none };
  const num = (k: string, d: number) => (typeof c[k] === 'number' ? (c[k] as number) : d);
  switch (name) {
    case 'SGD':
      return { name, learningRate: lr, thresholdKind: 'hessian', thresholdFormula: '2/η', threshold: 2 / lr };
    case 'Momentum': {
      const mu = num('momentum', 0);
      return { name, learningRate: lr, thresholdKind: 'hessian', thresholdFormula: `(2 + 2μ)/η, μ = ${mu}`, threshold: (2 + 2 * mu) / lr };
    }
    case 'Adam':
    case 'Adamax': {
      const b1 = num('beta1', 0.9);
      return {
        name,
        learningRate: lr,
        thresholdKind: 'preconditioned',
        thresholdFormula: `(2 + 2β₁)/((1 − β₁)η), β₁ = ${b1}`,
        threshold: (2 + 2 * b1) / ((1 - b1) * lr),
      };
    }
    default:
      return { name, learningRate: lr, thresholdKind: 'preconditioned', thresholdFormula: '2/η', threshold: 2 / lr };
  }
}

/** Trainable parameters and layer names of the model. */
export function modelFacts(model: FitModel): { params: number; layers: string[] } {
  return { params: model.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0), layers: model.layers.map((l) => l.name) };
}
