/** The result of analyzeHessian: JSON-ready except `vectors` and `diagonalValues` (files). */
import type { AnalysisMeta } from '../analysis-meta.js';
import type { conditionNumbers, saddleIndex, criticalPointVerdict, stabilityVerdict } from './spectrum-diagnostics.js';
import type { LayerCurvature } from './per-layer-curvature.js';
import type { FrobeniusResult, LayerDiagonal, DiagonalMethod } from './diagonal-estimate.js';
import type { SlqSummary } from './slq-summary.js';
import type { TraceMethod } from './hutchinson-trace.js';
import type { CurvatureKind } from './curvature-kind.js';

import type { SaddleCountsResult } from './saddle-counts.js';
import type { CountedThreshold } from './saddle-stage.js';

/** A stage of {@link analyzeHessian}, as reported to its progress callback. */
export type Stage = 'eigenvalues' | 'trace' | 'density' | 'diagonal' | 'per-layer' | 'saddles';

/** The saddle-count run behind saddleIndex (dense: its spectrum goes to `spectrum`, not here). */
export type SaddleCountsSummary = Omit<SaddleCountsResult, 'eigenvalues' | 'thresholds'> & { eigenvalues?: number[] };

/** What {@link analyzeHessian} returns: the extreme eigenvalues (and vectors), trace, SLQ density, condition numbers, saddle index and the options used. */
export interface HessianResult {
  meta: AnalysisMeta;
  /** Which curvature matrix: the Hessian, the Gauss–Newton matrix or the empirical Fisher. */
  curvature: CurvatureKind;
  params: number;
  samples: number;
  loss: number;
  gradNorm: number;
  eigenvalues: {
    top: number[];
    bottom: number[];
    method: string;
    /** Every wanted value at that end converged. */
    converged: { top: boolean; bottom: boolean };
    /** Per value: meets the convergence rule (residuals.rule); an unconverged value is a Ritz value, not an eigenvalue. */
    convergedEach: { top: boolean[]; bottom: boolean[] };
    matvecs: number;
    restarts: number;
    budgetExhausted: boolean;
    maxMatvecs: number;
  };
  residuals: { top: number[]; bottom: number[]; errorBounds: { top: number[]; bottom: number[] }; tol: number; floor: number; radius: number; rule: string };
  trace: { estimate: number; stderr: number | null; probes: number; method: TraceMethod; slq?: SlqSummary['trace'] };
  /** ‖H‖_F from the trace's Rademacher products. */
  frobenius: FrobeniusResult;
  /** null with density: false. */
  density:
    ({ nodes: number[][]; weights: number[][]; order: number; probes: number; sigma: number; grid: { x: number[]; density: number[] } } & SlqSummary) | null;
  diagonal?: { method: DiagonalMethod; samples: number; matvecs: number; sharedWithTrace: boolean; perLayer: LayerDiagonal[]; definition: string };
  conditionNumbers: ReturnType<typeof conditionNumbers>;
  saddleIndex: Omit<ReturnType<typeof saddleIndex>, 'thresholds'> & { thresholds: CountedThreshold[] };
  /** Present unless saddleMethod is 'lanczos'. */
  saddleCounts?: SaddleCountsSummary;
  criticalPoint: ReturnType<typeof criticalPointVerdict>;
  stability: ReturnType<typeof stabilityVerdict>;
  perLayer?: LayerCurvature[];
  hvps: number;
  timingsMs: Record<Stage, number>;
  /** Unit eigenvectors (top then bottom) when asked; not JSON: the caller writes them as files. */
  vectors?: { top: Float64Array[]; bottom: Float64Array[] };
  /** The full spectrum, ascending, when the dense saddle method ran; written as spectrum.json. */
  spectrum?: number[];
  /** The per-parameter diagonal and its stderr (θ layout); not JSON: written as files. */
  diagonalValues?: { mean: Float64Array; stderr: Float64Array | null };
}
