/**
 * Finding thresholds as options, shared by `losslens gradients` and `losslens report` (the report
 * adds its curvature and generalisation thresholds). Defaults live in the library
 * (GRADIENT_DEFAULTS, FINDING_THRESHOLDS) so that the summary can print what was used.
 */
import type { Argv } from 'yargs';
import { GRADIENT_DEFAULTS, type GradientThresholds } from '../src/gradients/options.js';
import { FINDING_THRESHOLDS, type FindingThresholds } from '../src/report/report-options.js';

export const gradientThresholdOptions = <T>(y: Argv<T>) =>
  y
    .group(['help'], 'Options:') // the general options' group first, the thresholds after it
    .option('vanishing-below', { type: 'number', default: GRADIENT_DEFAULTS.vanishingBelow, describe: 'overall first/last attenuation below this: vanishing' })
    .option('exploding-above', { type: 'number', default: GRADIENT_DEFAULTS.explodingAbove, describe: 'overall first/last attenuation above this: exploding' })
    .option('spike-factor', {
      type: 'number',
      default: GRADIENT_DEFAULTS.spikeFactor,
      describe: 'a batch/checkpoint ‖∂L/∂θ‖ above this × the median of the others: spike',
    })
    .option('saturation', { type: 'number', default: GRADIENT_DEFAULTS.saturation, describe: 'saturated: |tanh| > s, sigmoid < 1−s or > s' })
    .option('saturated-fraction', {
      type: 'number',
      default: GRADIENT_DEFAULTS.saturatedFraction,
      describe: 'report a hidden layer with more saturated outputs than this',
    })
    .option('dead-fraction', {
      type: 'number',
      default: GRADIENT_DEFAULTS.deadFraction,
      describe: 'report a ReLU layer with more dead units (0 on every sample seen) than this',
    })
    .group(['vanishing-below', 'exploding-above', 'spike-factor', 'saturation', 'saturated-fraction', 'dead-fraction'], THRESHOLDS_GROUP);

const THRESHOLDS_GROUP = 'Finding thresholds:';

export const gradientThresholds = (a: GradientThresholds): GradientThresholds => ({
  vanishingBelow: a.vanishingBelow,
  explodingAbove: a.explodingAbove,
  spikeFactor: a.spikeFactor,
  saturation: a.saturation,
  saturatedFraction: a.saturatedFraction,
  deadFraction: a.deadFraction,
});

export const reportThresholdOptions = <T>(y: Argv<T>) =>
  gradientThresholdOptions(y)
    .option('ill-conditioned-above', { type: 'number', default: FINDING_THRESHOLDS.illConditionedAbove, describe: 'κ₊ above this: ill-conditioned' })
    .option('negative-tau', {
      type: 'number',
      default: FINDING_THRESHOLDS.negativeTau,
      describe: 'τ of the saddle index the findings read: 1e-3, 1e-4 or 1e-5 (fraction of λ < −τ·λmax)',
    })
    .option('negative-fraction', {
      type: 'number',
      default: FINDING_THRESHOLDS.negativeFraction,
      describe: 'more than this fraction of eigenvalues below −τ·λmax: negative curvature',
    })
    .option('gap-ratio', {
      type: 'number',
      default: FINDING_THRESHOLDS.gapRatio,
      describe: 'test loss above this × train loss (and above it by --min-gap): generalisation gap',
    })
    .option('min-gap', {
      type: 'number',
      default: FINDING_THRESHOLDS.minGap,
      describe: 'smallest test − train loss difference the generalisation-gap finding reports',
    })
    .group(['ill-conditioned-above', 'negative-tau', 'negative-fraction', 'gap-ratio', 'min-gap'], THRESHOLDS_GROUP);

export const reportThresholds = (a: FindingThresholds): FindingThresholds => ({
  illConditionedAbove: a.illConditionedAbove,
  negativeTau: a.negativeTau,
  negativeFraction: a.negativeFraction,
  gapRatio: a.gapRatio,
  minGap: a.minGap,
});
