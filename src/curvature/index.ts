/** Curvature analyses: pure routines over a Hessian-vector-product callback. */
export { dot, norm, axpy, scale, scaled, normalize, orthogonalize, combine, applyMatVec } from './vector-ops.js';
export type { MatVec, OnProgress } from './vector-ops.js';
export { tridiagonalEigen } from './tridiagonal-eigen.js';
export type { TridiagonalEigen } from './tridiagonal-eigen.js';
export { lanczos } from './lanczos.js';
export type { LanczosOptions, LanczosResult, LanczosWhich } from './lanczos.js';
export { extremeEigenpairs } from './extreme-eigenvalues.js';
export type { ExtremeEigenOptions, ExtremeEigenResult, EigenEnd } from './extreme-eigenvalues.js';
export { hutchinsonTrace, meanAndStderr } from './hutchinson-trace.js';
export type { TraceOptions, TraceResult, TraceMethod } from './hutchinson-trace.js';
export { slqDensity, spectralFraction, negativeSpectralMass } from './slq-density.js';
export type { SlqOptions, SlqResult } from './slq-density.js';
export { conditionNumbers, saddleIndex, criticalPointVerdict, stabilityVerdict } from './spectrum-diagnostics.js';
export type { ConditionNumbers, SaddleIndex, CriticalVerdict, CriticalPointArgs } from './spectrum-diagnostics.js';
export { rotatedSpectrumOperator, diagonalOperator, randomOrthogonal, eigenResidual } from './known-spectrum.js';
export type { KnownSpectrumOperator } from './known-spectrum.js';
