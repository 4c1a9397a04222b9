/**
 * `losslens/fit`: a tfjs callback for your own `model.fit` / `model.fitDataset` that measures sharpness (λmax
 * against 2/η), the Hessian trace, per-layer gradient norms and gradient noise on a probe batch as training runs,
 * without changing the training (same weights to the bit), and writes them to a run folder (docs/fit.md).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveFitOptions } from 'losslens/fit';
 *
 * const probe = { x: { shape: [64, 784], dataSync: () => new Float32Array(64 * 784) }, y: { shape: [64, 10], dataSync: () => new Float32Array(640) } };
 * assert.equal(resolveFitOptions({ probe }).every, 100);
 * assert.throws(() => resolveFitOptions({ probe, every: 0 }), /option every/);
 * ```
 *
 * @module losslens/fit
 */
export { lossLensCallback, LossLensCallback } from '../fit/callback.js';
export { resolveFitOptions, FIT_DEFAULTS, type FitCallbackOptions, type FitProbe, type ResolvedFitOptions } from '../fit/options.js';
export { FIT_SCHEMA, type FitRecord, type FitRunInfo, type FitSummary, type FitLambdaMax, type FitTrace } from '../fit/record.js';
export type { FitOptimizerInfo } from '../fit/model-snapshot.js';
export { measurementSeed } from '../fit/measure.js';
