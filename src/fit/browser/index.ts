/**
 * The browser build of `losslens/fit` (scripts/build-browser.mjs bundles it as dist-browser/losslens-fit.js):
 * the same callback and measurements as in Node; records reach the page through `onMeasurement` and
 * `callback.records`, the figures through `callback.figureSpecs()` (Vega specs). `out` (a run folder) is Node-only.
 * @tensorflow/tfjs is imported, not bundled: the page provides it (docs/fit.md, "In the browser").
 */
export { lossLensCallback, LossLensCallback } from '../callback.js';
export { resolveFitOptions, FIT_DEFAULTS, type FitCallbackOptions, type FitProbe, type ResolvedFitOptions } from '../options.js';
export { FIT_SCHEMA, type FitRecord, type FitRunInfo, type FitSummary, type FitLambdaMax, type FitTrace } from '../record.js';
export type { FitOptimizerInfo } from '../model-snapshot.js';
export { measurementSeed } from '../measure.js';
export { fitFigureSpecs } from '../figures.js';
