/**
 * The options every analysis pipeline shares (model, data, compute, output), their defaults and
 * their validation, naming fields. The CLI's option groups (cli/options.ts) take their defaults
 * from ANALYSIS_DEFAULTS, so a default is written once.
 */
import { optionError } from '../errors.js';
import type { DataSource, ProblemOptions } from '../problem.js';

export interface DataOptions {
  /** A .csv file, or a folder with x.npy + y.npy or an IDX pair. */
  data?: string;
  /** Inputs and targets as two files (instead of data). */
  x?: string;
  y?: string;
  /** Held-out data (same formats as data). */
  testData?: string;
  labelColumn?: string;
  /** A seeded subset of this many samples. */
  samples?: number;
  /** The loss when the checkpoint has no training config. */
  loss?: string;
  /** Analyse one output of a model with several alone (its own loss; θ is still every weight). */
  output?: string;
}

export interface ComputeOptions {
  backend?: string;
  /** The native kernels' CPU form: auto (the best this CPU runs), avx512, avx2 or portable (the engine's cpuForm). */
  cpuForm?: string;
  batchSize?: number;
  workers?: number;
  hvp?: 'exact' | 'fd';
  seed?: number;
  regularizers?: boolean;
  /** BatchNorm re-estimation subset (slice/interpolate recomputeBn). */
  bnSamples?: number;
}

export interface OutputOptions {
  /** The report folder (default reports/<command>-<timestamp>). */
  out?: string;
  /** Replace an existing report folder. */
  force?: boolean;
  /** Figure resolution multiplier (1 = 800×600). */
  scale?: number;
}

/** The options every analysis command shares: the checkpoint, the data, compute settings and the output folder. */
export interface AnalysisOptions extends DataOptions, ComputeOptions, OutputOptions {
  /** model.json of a tfjs LayersModel (or its folder). */
  model: string;
}

/** The defaults every analysis pipeline shares (backend, samples, seed, figure scale, …). */
export const ANALYSIS_DEFAULTS = {
  labelColumn: 'label',
  backend: 'auto',
  hvp: 'exact' as const,
  seed: 0,
  regularizers: true,
  force: false,
  scale: 1,
};

/** Commands that evaluate the loss need a dataset: data, or x with y. */
export function requireData(o: DataOptions): void {
  if (!o.data && !o.x) throw optionError('data', 'a dataset is required ({data} FILE|DIR, or {x} X {y} Y)');
  if (o.x && !o.y) throw optionError('y', '{x} needs {y}');
}

/** Figures are 800×600 times scale, in [0.25, 10]: below 0.25 (200×150) text is under 3 px, and below 1/1200 a figure has no pixels at all. */
export function checkScale(scale: number | undefined): void {
  if (scale !== undefined && !(Number.isFinite(scale) && scale >= 0.25 && scale <= 10))
    throw optionError('scale', `must be a number in [0.25, 10] (figures of 200×150 to 8000×6000 pixels), got ${scale}`);
}

export function dataSources(o: DataOptions & { seed?: number }): { train?: DataSource; test?: DataSource } {
  const common = { labelColumn: o.labelColumn ?? ANALYSIS_DEFAULTS.labelColumn, samples: o.samples, seed: o.seed ?? ANALYSIS_DEFAULTS.seed };
  const train = o.data || o.x ? { data: o.data, x: o.x, y: o.y, ...common } : undefined;
  const test = o.testData ? { data: o.testData, ...common, split: 'test' as const } : undefined;
  return { train, test };
}

export function problemOptions(o: AnalysisOptions): ProblemOptions {
  const { train, test } = dataSources(o);
  return {
    model: o.model,
    train,
    test,
    loss: o.loss,
    output: o.output,
    backend: o.backend ?? ANALYSIS_DEFAULTS.backend,
    cpuForm: o.cpuForm,
    batchSize: o.batchSize,
    hvp: o.hvp ?? ANALYSIS_DEFAULTS.hvp,
    workers: o.workers,
    bnSamples: o.bnSamples,
    regularizers: o.regularizers ?? ANALYSIS_DEFAULTS.regularizers,
  };
}

/** The AnalysisOptions fields, for the CLI's flags → options mapping (cli/run-analysis.ts `fields`). */
export const ANALYSIS_KEYS = [
  'model',
  'data',
  'x',
  'y',
  'testData',
  'labelColumn',
  'samples',
  'loss',
  'output',
  'backend',
  'cpuForm',
  'batchSize',
  'workers',
  'hvp',
  'seed',
  'regularizers',
  'bnSamples',
  'out',
  'force',
  'scale',
] as const;
