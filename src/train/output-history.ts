/**
 * The per-output part of a training history (a model with several outputs): each step's loss and
 * accuracy of every output, the epoch's running mean of each (Keras' `<output>_loss`), and each
 * output's train and validation losses at the end of an epoch.
 */
import type { BatchGradient, SubsetLoss } from './training-graph.js';
import { emptyHistory, type EpochOutputRecord, type StepHistory, type TrainHistory } from './history.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import { isMultiIO } from '../model/architecture.js';
import { isClassification } from '../model/loss.js';

/** A run's empty history: one accuracy column for a one-output classifier; per-output records for several outputs. */
export function modelHistory(model: ModelBundle): TrainHistory {
  const multi = model.heads.length > 1 || isMultiIO(model.arch);
  return emptyHistory(!multi && isClassification(model.loss), multi ? model.heads : undefined);
}

/** Append a step's per-output losses and accuracies (`n` samples in its batch). */
export function recordStepOutputs(h: StepHistory, g: BatchGradient, n: number): void {
  if (!h.outputs || !g.outputs) return;
  h.outputs.forEach((o, k) => {
    o.loss.push(g.outputs![k]!.loss);
    o.accuracy?.push(g.outputs![k]!.correct / n);
  });
}

/** An epoch's minibatch losses (the total and each output's), weighted by batch size: their means are the epoch's running losses. */
export class RunningLoss {
  private sum = 0;
  private sums: number[] = [];
  private count = 0;

  add(g: BatchGradient, n: number): void {
    this.sum += g.loss * n;
    g.outputs?.forEach((o, k) => (this.sums[k] = (this.sums[k] ?? 0) + o.loss * n));
    this.count += n;
  }

  /** The means so far (undefined before any step), then a fresh start for the next epoch. */
  take(): { mean?: number; outputs?: number[] } {
    const c = this.count;
    const r = c > 0 ? { mean: this.sum / c, ...(this.sums.length > 0 ? { outputs: this.sums.map((s) => s / c) } : {}) } : {};
    this.sum = 0;
    this.sums = [];
    this.count = 0;
    return r;
  }
}

/** Each output's record at the end of an epoch, or undefined for a one-output model. */
export function epochOutputs(train: SubsetLoss, val: SubsetLoss | undefined, running: number[] | undefined): EpochOutputRecord[] | undefined {
  if (!train.outputs) return undefined;
  return train.outputs.map((o, k) => {
    const v = val?.outputs?.[k];
    return {
      name: o.name,
      trainLoss: o.loss,
      ...(o.accuracy !== undefined ? { trainAccuracy: o.accuracy } : {}),
      ...(running?.[k] !== undefined ? { runningLoss: running[k] } : {}),
      ...(v ? { valLoss: v.loss, ...(v.accuracy !== undefined ? { valAccuracy: v.accuracy } : {}) } : {}),
    };
  });
}
