/** The record of a run: one column per quantity, per step and per epoch (JSON-ready). */
import type { SharpnessHistory } from './sharpness-tracker.js';
import { hasAccuracy, type LossName } from '../model/loss.js';

/** Per-step training history: the loss, accuracy, ‖∇L‖ and rate of each update, one array per quantity. */
export interface StepHistory {
  /** 1-based: the update this row describes. */
  step: number[];
  /** 1-based epoch the step belongs to. */
  epoch: number[];
  /** Minibatch training-mode loss at θ before the update. */
  loss: number[];
  /** Minibatch accuracy (classification), else absent. */
  accuracy?: number[];
  /** ‖∇L_batch‖₂ before clipping and weight decay. */
  gradNorm: number[];
  /** The learning rate used for the update. */
  lr: number[];
  /** A model with several outputs: each output's minibatch loss (unweighted) and accuracy, step by step. */
  outputs?: StepOutputHistory[];
}

/** One output's per-step record: its loss function and weight in the total, its minibatch loss and accuracy per step. */
export interface StepOutputHistory {
  name: string;
  lossName: string;
  /** Its weight wₖ in the total Σₖ wₖ · lossₖ that the steps minimise. */
  weight: number;
  loss: number[];
  /** Where the loss has an accuracy (the crossentropies). */
  accuracy?: number[];
}

/** One output's losses at the end of an epoch (unweighted; the epoch's trainLoss is Σₖ wₖ · trainLossₖ). */
export interface EpochOutputRecord {
  name: string;
  trainLoss: number;
  trainAccuracy?: number;
  /** Mean of the epoch's minibatch losses of this output, as Keras' history reports `<output>_loss`. */
  runningLoss?: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** One epoch of a training history: the rate, the train and validation losses and accuracies at its end, the steps so far and the time. */
export interface EpochRecord {
  /** 0 = before training. */
  epoch: number;
  /** Steps taken so far. */
  step: number;
  /** Learning rate used during this epoch (the first epoch's for epoch 0). */
  lr: number;
  /** Inference-mode loss over the training split at the end of the epoch. */
  trainLoss: number;
  trainAccuracy?: number;
  /** Mean of the epoch's minibatch losses (training mode, moving θ), as Keras reports. */
  runningLoss?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** A model with several outputs: each output's own losses and accuracies. */
  outputs?: EpochOutputRecord[];
  elapsedMs: number;
}

/** A training run's history: per-step and per-epoch records, and λmax along training when tracked. */
export interface TrainHistory {
  steps: StepHistory;
  epochs: EpochRecord[];
  /** λmax along training (train --track-sharpness), when tracked. */
  sharpness?: SharpnessHistory;
}

/** An empty history; `heads` (a model with several outputs) adds one per-step record per output. */
export function emptyHistory(classification: boolean, heads?: { name: string; loss: LossName; weight: number }[]): TrainHistory {
  const outputs = heads?.map((h) => ({ name: h.name, lossName: h.loss, weight: h.weight, loss: [], ...(hasAccuracy(h.loss) ? { accuracy: [] } : {}) }));
  return {
    steps: { step: [], epoch: [], loss: [], ...(classification ? { accuracy: [] } : {}), gradNorm: [], lr: [], ...(outputs ? { outputs } : {}) },
    epochs: [],
  };
}
