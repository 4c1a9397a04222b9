/**
 * The random-features sweep on a labelled image dataset (`double-descent --mode rf --preset
 * fashion-mnist`): the same seeded label noise as the MLP sweep, random ReLU features through
 * p = n (./random-features-data.ts), and two verdicts — on the test misclassification rate and on
 * the test squared loss (Belkin et al. 2019 Fig. 2 shows both; the squared loss peaks hardest,
 * since Φ is square and worst-conditioned at p = n). Pure: labelled rows in (clean training
 * labels; the noise is added here), both analyses and a JSON summary out.
 */
import { addLabelNoise } from './label-noise.js';
import { randomFeaturesOnData, type LabelledRows } from './random-features-data.js';
import { analyzeSweep, type DoubleDescentAnalysis } from './analysis.js';
import type { SweepRun } from './types.js';

export interface RfDataStudyOptions {
  classes: number;
  labelNoise: number;
  noiseSeed: number;
  widths: number[];
  seeds: number;
  rcond?: number;
  /** e.g. "random ReLU features on Fashion-MNIST 7×7, n = 500". */
  family: string;
  margin?: number;
  interpolationTol?: number;
}

export interface RfDataStudy {
  runs: SweepRun[];
  error: DoubleDescentAnalysis;
  squaredLoss: DoubleDescentAnalysis;
  summary: Record<string, unknown>;
}

export function rfDataStudy(train: LabelledRows, test: LabelledRows, o: RfDataStudyOptions, onProgress?: (done: number, total: number) => void): RfDataStudy {
  const started = Date.now();
  const noisy = addLabelNoise(train.labels, o.classes, o.labelNoise, o.noiseSeed);
  const runs = randomFeaturesOnData(
    { ...train, labels: noisy.labels },
    test,
    { widths: o.widths, seeds: o.seeds, classes: o.classes, rcond: o.rcond },
    onProgress,
  );
  const common = { nTrain: train.n, outputs: 1, margin: o.margin };
  const error = analyzeSweep(runs, { ...common, interpolationTol: o.interpolationTol ?? 0.005 });
  const asLoss = runs.map((r) => ({ ...r, trainError: r.trainLoss, testError: r.testLoss }));
  const squaredLoss = analyzeSweep(asLoss, { ...common, interpolationTol: 1e-6 });
  const verdict = (a: DoubleDescentAnalysis) => ({
    threshold: a.threshold,
    peak: a.peak,
    firstDescentMin: a.firstDescentMin,
    secondDescent: a.secondDescent,
    doubleDescentObserved: a.observed,
    points: a.points,
  });
  return {
    runs,
    error,
    squaredLoss,
    summary: {
      mode: 'random-features-data',
      family: o.family,
      nTrain: train.n,
      nTest: test.n,
      classes: o.classes,
      labelNoise: o.labelNoise,
      flippedLabels: noisy.flipped.length,
      widths: o.widths,
      seeds: o.seeds,
      expectedPeak: `p = n = ${train.n}`,
      error: verdict(error),
      squaredLoss: verdict(squaredLoss),
      runList: runs,
      elapsedMs: Date.now() - started,
    },
  };
}
