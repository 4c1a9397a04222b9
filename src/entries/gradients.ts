/**
 * `losslens/gradients`: vanishing and exploding gradients, saturated and dead units, unit
 * symmetry and minibatch gradient noise, per layer, with findings in words.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { analyzeGradients } from 'losslens/gradients';
 *
 * const problem = await loadProblem({ model: 'fixtures/deep-sigmoid', train: { data: 'fixtures/deep-data' } });
 * try {
 *   const g = await analyzeGradients(problem.model, problem.train!.prepared, { batches: 1, batchSize: 512 });
 *   // ‖∂L/∂W‖ first/last as tfjs recorded it when the fixture was made (fixtures/deep-sigmoid/meta.json)
 *   assert.ok(Math.abs(g.attenuation.weights.overall / 2.0399117084196384e-11 - 1) < 1e-4);
 *   assert.ok(g.findings.some((f) => f.code === 'vanishing-gradients'));
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 *
 * @module losslens/gradients
 */
export { analyzeGradients, type AnalyzeGradientsOptions, type GradientAnalysis } from '../gradients/analyze-gradients.js';
export { GRADIENT_DEFAULTS, resolveGradientOptions, type GradientOptions } from '../gradients/options.js';
export { gradientTrajectory, type GradientTrajectory } from '../gradients/trajectory.js';
export { attenuationProfile, type AttenuationProfile } from '../gradients/attenuation.js';
export type { GradientProfile, LayerGradientStats, Stat } from '../gradients/gradient-profile.js';
export type { LayerHealth } from '../gradients/forward-health.js';
export { diagnose, REMEDIES, type Finding, type FindingCode } from '../gradients/findings.js';
export { NOISE_DEFAULTS, type GradientNoise, type GradientNoiseOptions, type LayerNoise, type NoiseStats, type Estimate } from '../gradients/gradient-noise.js';
export { SYMMETRY_TOL, type UnitSymmetry, type LayerSymmetry, type SymmetryFinding } from '../gradients/unit-symmetry.js';
export type { FindingInputs } from '../gradients/findings.js';
export type { AnalysisMeta } from '../analysis-meta.js';
export type { ThroughTime, LayerThroughTime, ThroughTimeFinding } from '../gradients/through-time.js';
