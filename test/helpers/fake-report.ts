/** A hand-made FullReport for the pure findings/renderer tests (no tfjs, numbers chosen to cross thresholds). */
import type { FullReport } from '../../src/pipelines/report-parts.js';
import { attenuationProfile } from '../../src/gradients/attenuation.js';

export interface FakeSpec {
  top?: number[];
  bottom?: number[];
  kappaPositive?: number | null;
  negFraction?: number;
  verdict?: 'near-minimum' | 'near-saddle' | 'not-critical';
  lr?: number | null;
  attenuation?: number;
  testLoss?: number;
  name?: string;
}

export function fakeReport(s: FakeSpec = {}): FullReport {
  const top = s.top ?? [47, 12, 3];
  const bottom = s.bottom ?? [-0.5, -0.2, 1e-4];
  const att = attenuationProfile(['dense_1', 'dense_2', 'output'], [s.attenuation ?? 1e-5, 1e-3, 1]);
  const vanishing = (s.attenuation ?? 1e-5) < 1e-3;
  const finding = vanishing
    ? {
        code: 'vanishing-gradients',
        severity: 'warning',
        layers: ['dense_1', 'output'],
        value: att.overall,
        threshold: 1e-3,
        figure: 'attenuation.png',
        message: 'ratio small',
        remedy: 'use ReLU',
      }
    : {
        code: 'healthy',
        severity: 'info',
        layers: [],
        value: att.overall,
        threshold: 1e-3,
        figure: 'attenuation.png',
        message: 'fine',
        remedy: 'nothing to do',
      };
  const slice = { dims: 1, alphas: [-1, 0, 1], train: { loss: [2, 1, 2] }, baseLoss: 1, points: 3, evaluations: 4 };
  const r = {
    preset: 'quick',
    model: {
      name: s.name ?? 'net',
      file: '/x/model.json',
      inputShape: [2],
      outputDim: 3,
      loss: 'categoricalCrossentropy',
      lossSource: 'checkpoint',
      trainableParams: 100,
      nonTrainableParams: 0,
      layers: [{ name: 'dense_1', type: 'Dense', activation: 'tanh', outputShape: [8], trainableParams: 24, nonTrainableParams: 0 }],
    },
    data: {
      train: { source: 'train.csv', samples: 300, analysisSamples: 256 },
      ...(s.testLoss !== undefined ? { test: { source: 'test.csv', samples: 300, analysisSamples: 256 } } : {}),
    },
    eval: {
      train: { loss: 0.1, accuracy: 0.99, n: 300, gradNorm: 0.01, gradNormPerLayer: {} },
      ...(s.testLoss !== undefined ? { test: { loss: s.testLoss, accuracy: 0.8, n: 300 } } : {}),
    },
    hessian: {
      params: 100,
      samples: 256,
      loss: 0.1,
      gradNorm: 0.01,
      eigenvalues: { top, bottom, method: 'lanczos', converged: { top: true, bottom: true } },
      residuals: { top: [0, 0, 0], bottom: [0, 0, 0], tol: 1e-4, radius: 47 },
      trace: { estimate: 80, stderr: 2, probes: 20, method: 'hutchinson' },
      density: { nodes: [[-0.5, 1, 47]], weights: [[0.02, 0.9, 0.08]], order: 3, probes: 1, sigma: 0.01, grid: { x: [-1, 0, 50], density: [0, 1, 0] } },
      conditionNumbers: {
        kappa: null,
        kappaReason: 'λmin ≤ 0',
        kappaPositive: s.kappaPositive === undefined ? 3.6e4 : s.kappaPositive,
        kappaPositiveSource: 'bottom-ritz',
        negativeToPositiveRatio: 0.01,
        definitions: {},
      },
      saddleIndex: {
        thresholds: [{ tau: 1e-3, threshold: -0.047, fraction: s.negFraction ?? 0.021, stderr: 0.003, estimatedCount: (s.negFraction ?? 0.021) * 100 }],
        negativeSpectralMass: { fraction: 0.03, stderr: null },
        definitions: {},
      },
      criticalPoint: { verdict: s.verdict ?? 'near-saddle', ratio: 1e-4, reason: 'near critical', definition: '' },
      stability: { threshold: 2 / top[0], lr: s.lr ?? null, stable: null, reason: 'lr vs 2/λmax', definition: '' },
      hvps: 10,
      timingsMs: { eigenvalues: 1, trace: 1, density: 1, 'per-layer': 0 },
    },
    slice1d: slice,
    slice2d: {
      ...slice,
      dims: 2,
      betas: [-1, 0, 1],
      train: {
        loss: [
          [2, 1, 2],
          [1, 1, 1],
          [2, 1, 2],
        ],
      },
    },
    directions: [],
    gradients: {
      findings: [finding],
      batches: { count: 4, size: 64, samples: 256 },
      attenuation: { basis: 'weights', weights: att, activations: att },
    },
    lr: s.lr ?? null,
    timingsMs: { eval: 1, hessian: 1, 'slice-1d': 1, 'slice-2d': 1, gradients: 1 },
  };
  return r as unknown as FullReport;
}
