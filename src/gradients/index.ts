/** Public API of the gradient diagnostics (re-exported from src/index.ts by the lead). */
export { analyzeGradients, type AnalyzeGradientsOptions, type GradientAnalysis } from './analyze-gradients.js';
export { gradientProfile, type GradientProfile, type LayerGradientStats, type Stat } from './gradient-profile.js';
export { gradientTrajectory, type GradientTrajectory } from './trajectory.js';
export { layerGradients, rawLayerGradients, type BatchGradients, type GradientModel } from './layer-gradients.js';
export { HealthAccumulator, type LayerHealth } from './forward-health.js';
export { attenuationProfile, type AttenuationProfile } from './attenuation.js';
export { diagnose, REMEDIES, type Finding, type FindingCode } from './findings.js';
export { reinitialize, canonicalInitializer, INITIALIZER_NAMES } from './reinitialize.js';
export { resolveGradientOptions, GRADIENT_DEFAULTS, type GradientOptions } from './options.js';
export { analysedLayers, type AnalysedLayer } from './layers.js';
export { minibatchIndices } from './minibatches.js';
export { gradientNoise, noiseStats, resolveNoiseOptions, NOISE_DEFAULTS, type GradientNoise, type GradientNoiseOptions, type NoiseStats, type LayerNoise, type Estimate } from './gradient-noise.js';
export { unitSymmetry, layerSymmetry, symmetryFindings, SYMMETRY_TOL, type UnitSymmetry, type LayerSymmetry, type SymmetryFinding } from './unit-symmetry.js';
export { flatBatchGradient, type FlatBatchGradient } from './flat-batch-gradient.js';
export { trainingBatchSize } from './training-batch-size.js';
export { throughTime, throughTimeFindings, THROUGH_TIME_MEASURE, type ThroughTime, type LayerThroughTime, type StepNorm, type ThroughTimeFinding, type ThroughTimeCode } from './through-time.js';
export { meanSampleNorms, stepSites, type StepSite } from './step-gradients.js';
