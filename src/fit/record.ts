/**
 * The run folder written by `lossLensCallback({ out })` (schema `losslens-fit/1`): the types of `run.json`, of one
 * line of `measurements.jsonl` and of `summary.json`. Readers (the watch page) import these types read-only.
 */

/** Schema tag written in `run.json`. */
export const FIT_SCHEMA = 'losslens-fit/1';

/** `run.json`: written atomically at train begin (`finished: false`) and rewritten at train end (`finished: true`). */
export interface FitRunInfo {
  schema: typeof FIT_SCHEMA;
  /** ISO 8601 time the training began. */
  startedAt: string;
  finished: boolean;
  model: { params: number; layers: string[] };
  /** The model's optimizer class name and its learning rate (null when the optimizer has none we can read). */
  optimizer: {
    name: string;
    learningRate: number | null;
    /** The stability threshold that applies to this optimizer (src/fit/model-snapshot.ts); twoOverEta in the records is 2/η itself. */
    threshold?: { kind: 'hessian' | 'preconditioned' | null; formula: string | null; value: number | null };
  };
  /** The callback's resolved options (the probe batch's shapes in place of its tensors). */
  options: Record<string, unknown>;
  /** tfjs backend name the training ran on. */
  backend: string;
}

/** λmax of the probe loss's Hessian by (warm-started) Lanczos. */
export interface FitLambdaMax {
  value: number;
  /** ‖Hv − λv‖ of the returned Ritz pair. */
  residual: number;
  /** Hessian-vector products spent. */
  matvecs: number;
}

/** Hutchinson estimate of tr(H) on the probe batch. */
export interface FitTrace {
  value: number;
  /** Standard error of the mean over the Rademacher probes. */
  stderr: number;
  probes: number;
}

/** One line of `measurements.jsonl`. A field a measurement skipped is `null`, never absent. */
export interface FitRecord {
  /** Global batch index (0-based count of batches trained before this measurement). */
  step: number;
  epoch: number;
  /** Milliseconds since train begin. */
  timeMs: number;
  /** Loss on the probe batch at the measured weights. */
  loss: number;
  lambdaMax: FitLambdaMax | null;
  /** 2/η from the model's optimizer's learning rate; null when it cannot be read. */
  twoOverEta: number | null;
  trace: FitTrace | null;
  gradNorms: { layer: string; norm: number }[] | null;
  /** ‖∂L/∂W‖ first trainable layer / last trainable layer, and the finding in words. */
  attenuation: { ratio: number; finding: string } | null;
  /** Gradient noise over microbatches of the probe: signal-to-noise ratio and the simple noise scale B_simple. */
  noise: { snr: number; bSimple: number } | null;
  /** Wall milliseconds this measurement took. */
  costMs: number;
}

/** `summary.json`, written at train end. */
export interface FitSummary {
  schema: typeof FIT_SCHEMA;
  measurements: number;
  /** Batches trained in all. */
  steps: number;
  /** Wall milliseconds of the whole fit and of the measurements within it. */
  trainMs: number;
  measureMs: number;
  /** measureMs / trainMs × 100. */
  overheadPercent: number;
  /** Measurements skipped to keep within the budget. */
  skipped: number;
  lambdaMaxLast: number | null;
  twoOverEta: number | null;
  /** Last λmax ÷ (2/η): above 1 the step size exceeds the stability threshold of gradient descent. */
  sharpnessRatio: number | null;
  figures: string[];
}
