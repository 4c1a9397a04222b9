/** What the report pipeline computes (src/pipelines/report-parts.ts), as the report's writers read it. */
import type { EvalResult } from '../objective/types.js';
import type { PointEvaluation } from '../objective/evaluate-point.js';
import type { ModelCard } from '../model/model-card.js';
import type { HessianResult } from '../curvature/analyze-hessian.js';
import type { Slice1D, Slice2D } from '../landscape/slice.js';
import type { DirectionInfo } from '../landscape/directions.js';
import type { GradientAnalysis } from '../gradients/analyze-gradients.js';
import type { ReportOptions } from './report-options.js';
import type { GradientNoise } from '../gradients/gradient-noise.js';

export type ReportStage = 'eval' | 'hessian' | 'slice-1d' | 'slice-2d' | 'gradients';

export interface DataCard {
  source: string;
  samples: number;
  /** Samples the Hessian, slices and gradient profile used (a seeded subset under --quick). */
  analysisSamples: number;
  /** Worker threads that served the analysis objective (1 = in process). */
  analysisWorkers: number;
}

export interface FullReport {
  preset: ReportOptions['preset'];
  model: ModelCard;
  data: { train: DataCard; test?: DataCard };
  eval: { train: PointEvaluation; test?: EvalResult };
  hessian: Omit<HessianResult, 'vectors'>;
  slice1d: Slice1D;
  slice2d: Slice2D;
  directions: DirectionInfo[];
  gradients: GradientAnalysis;
  /** Minibatch gradient noise over all the training data (absent in older summaries; null when the data is too small). */
  noise?: GradientNoise | null;
  /** The batch size the checkpoint was trained with, from its training config (null: unknown). */
  trainingBatchSize?: number | null;
  /** The learning rate held against 2/λmax, when given. */
  lr: number | null;
  timingsMs: Record<ReportStage, number>;
}
