/**
 * Shared shapes of a double-descent sweep: one {@link SweepRun} per (width, seed), whatever
 * produced it (a trained MLP, or random-features regression). "Error" is the misclassification
 * rate for classifiers and the mean squared error for regression; "loss" is the training loss.
 */

/** Test/train numbers at one epoch of a run (the epoch axis of Nakkiran et al. 2019). */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainError: number;
  testLoss: number;
  testError: number;
}

/** One model of the family, trained (or fitted) once with one seed. */
export interface SweepRun {
  /** Hidden width w (MLP) or number of random features p. */
  width: number;
  seed: number;
  /** Trainable parameters. */
  params: number;
  trainLoss: number;
  trainError: number;
  testLoss: number;
  testError: number;
  /** Epochs trained (absent for closed-form fits). */
  epochsRun?: number;
  /** Per-epoch test/train numbers (absent for closed-form fits). */
  epochs?: EpochPoint[];
}

/** Median and min–max band of one quantity over the seeds of a width. */
export interface Spread {
  median: number;
  lo: number;
  hi: number;
}

/** All seeds of one width, aggregated. */
export interface WidthPoint {
  width: number;
  params: number;
  seeds: number;
  testError: Spread;
  trainError: Spread;
  testLoss: Spread;
  trainLoss: Spread;
}
