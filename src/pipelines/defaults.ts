/**
 * The pipelines' option defaults, on their own so the CLI can declare them (yargs defaults, `--help`)
 * without loading the pipelines: cli/main.ts loads every command module at start, and a pipeline
 * loads the figure renderer (vega, resvg: ~150 ms) — for every command, `--version` included. Each
 * pipeline re-exports its own.
 */
import { BATCH_SLICE_DEFAULTS, type LrScaling } from '../studies/batch-size-study.js';
/** double-descent (src/pipelines/double-descent.ts). */
export const DOUBLE_DESCENT_DEFAULTS = {
  mode: 'model' as const,
  labelColumn: 'label',
  seeds: 3,
  labelNoise: 0.2,
  noiseSeed: 0,
  loss: 'categoricalCrossentropy',
  optimizer: 'adam',
  lr: 0.003,
  epochs: 300,
  batchSize: 32,
  stopAtInterpolation: false,
  margin: 0.1,
  nTrain: 100,
  noise: 0.5,
  inputDim: 20,
  backend: 'auto',
  scale: 1,
  widths: [2, 4, 8, 16, 32, 64, 128, 256, 512],
};

/** slice (src/pipelines/slice.ts). */
export const SLICE_DEFAULTS = {
  dims: 1 as const,
  range: [-1, 1] as [number, number],
  points: 51,
  norm: 'filter' as const,
  includeBias: false,
  orthogonalize: false,
};

/** interpolate (src/pipelines/interpolate.ts). */
export const INTERPOLATE_DEFAULTS = { range: [-0.5, 1.5] as [number, number], points: 41 };

/** seeds (src/pipelines/seeds.ts). */
export const SEEDS_DEFAULTS = { seeds: 20, optimizer: 'adam', barrierPoints: 11 };

/** optimizers (src/pipelines/optimizers.ts). */
export const OPTIMIZERS_DEFAULTS = {
  optimizers: 'sgd,momentum,adam',
  lrs: '0.1,0.03,0.01',
  momentums: '0.9',
  beta1s: '0.9',
  seeds: 3,
  snapshots: 20,
  planePoints: 25,
  valSplit: 0.2,
};

/** batch-size (src/pipelines/batch-size.ts). */
export const BATCH_SIZE_DEFAULTS = {
  batchSizes: [16, 64, 256, 1024],
  seeds: 3,
  optimizer: 'adam',
  lrScaling: 'none' as LrScaling,
  sliceRange: BATCH_SLICE_DEFAULTS.range,
  slicePoints: BATCH_SLICE_DEFAULTS.points,
  sliceDirections: BATCH_SLICE_DEFAULTS.directions,
  sliceDirectionRange: BATCH_SLICE_DEFAULTS.directionRange,
  sliceDirectionPoints: BATCH_SLICE_DEFAULTS.directionPoints,
};
