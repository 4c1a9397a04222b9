/** The record of a run: one column per quantity, per step and per epoch (JSON-ready). */
import type { SharpnessHistory } from './sharpness-tracker.js';

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
  elapsedMs: number;
}

/** A training run's history: per-step and per-epoch records, and λmax along training when tracked. */
export interface TrainHistory {
  steps: StepHistory;
  epochs: EpochRecord[];
  /** λmax along training (train --track-sharpness), when tracked. */
  sharpness?: SharpnessHistory;
}

export function emptyHistory(classification: boolean): TrainHistory {
  return {
    steps: { step: [], epoch: [], loss: [], ...(classification ? { accuracy: [] } : {}), gradNorm: [], lr: [] },
    epochs: [],
  };
}
