/**
 * The random-features sweep on a labelled image dataset (`double-descent --mode rf --preset
 * fashion-mnist`): the same seeded label noise as the MLP sweep, random ReLU features through
 * p = n (./random-features-data.ts), and two verdicts — on the test misclassification rate and on
 * the test squared loss (Belkin et al. 2019 Fig. 2 shows both; the squared loss peaks hardest,
 * since Φ is square and worst-conditioned at p = n). Pure: loaded datasets in, summary and
 * figure specs out (no rendering, no file I/O).
 */
import type { Dataset } from '../io/types.js';
import { inputValues } from '../io/sample-rows.js';
import { inputError } from '../errors.js';
import { addLabelNoise } from './label-noise.js';
import { randomFeaturesOnData } from './random-features-data.js';
import { analyzeSweep, type DoubleDescentAnalysis } from './analysis.js';
import { modelwiseSpec } from './figures.js';
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
  figures: { name: string; spec: object }[];
}

const rows = (ds: Dataset, labels: ArrayLike<number>) => ({ x: inputValues(ds), n: ds.n, d: ds.xShape.reduce((a, b) => a * b, 1), labels });

export function rfDataStudy(train: Dataset, test: Dataset, o: RfDataStudyOptions, onProgress?: (done: number, total: number) => void): RfDataStudy {
  const started = Date.now();
  for (const ds of [train, test]) if (ds.labelKind !== 'class-index') throw inputError(ds.source, `random features on data need class-index labels, got ${ds.labelKind}`);
  const noisy = addLabelNoise(train.y, o.classes, o.labelNoise, o.noiseSeed);
  const runs = randomFeaturesOnData(rows(train, noisy.labels), rows(test, test.y), { widths: o.widths, seeds: o.seeds, classes: o.classes, rcond: o.rcond }, onProgress);
  const common = { nTrain: train.n, outputs: 1, margin: o.margin };
  const error = analyzeSweep(runs, { ...common, interpolationTol: o.interpolationTol ?? 0.005 });
  const asLoss = runs.map((r) => ({ ...r, trainError: r.trainLoss, testError: r.testLoss }));
  const squaredLoss = analyzeSweep(asLoss, { ...common, interpolationTol: 1e-6 });
  const noiseLabel = `label noise ${Math.round(o.labelNoise * 100)}%`;
  const verdict = (a: DoubleDescentAnalysis) => ({ threshold: a.threshold, peak: a.peak, firstDescentMin: a.firstDescentMin, secondDescent: a.secondDescent, doubleDescentObserved: a.observed, points: a.points });
  return {
    runs, error, squaredLoss,
    summary: {
      mode: 'random-features-data', family: o.family, nTrain: train.n, nTest: test.n, classes: o.classes, labelNoise: o.labelNoise, flippedLabels: noisy.flipped.length,
      widths: o.widths, seeds: o.seeds, expectedPeak: `p = n = ${train.n}`,
      error: verdict(error), squaredLoss: verdict(squaredLoss), runList: runs, elapsedMs: Date.now() - started,
    },
    figures: [
      { name: 'double-descent', spec: modelwiseSpec(error, { family: o.family, noiseLabel }) },
      { name: 'double-descent-squared-loss', spec: modelwiseSpec(squaredLoss, { family: o.family, noiseLabel, errorName: 'squared loss per output' }) },
    ],
  };
}
