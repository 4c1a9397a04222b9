/**
 * saddles: critical points of the training loss from many starts (seeded initialisations and
 * points along SGD trajectories from them), found by Newton-MR, and the loss of each against its
 * index (Dauphin et al. 2014, Fig. 1). One 'critical-point' task per start on the studies engine:
 * seeded, resumable, local workers or the Redis queue.
 */
import path from 'node:path';
import { optionError } from '../errors.js';
import { hostEnv } from '../config.js';
import { fashionMnistDir } from '../io/fashion-mnist.js';
import { resolveFinderOptions, FINDER_DEFAULTS, type FinderOptions } from '../saddles/critical-points.js';
import { resolveSaddleOptions, SADDLE_DEFAULTS, type SaddleMethod } from '../curvature/saddle-options.js';
import { saddlesSummary } from '../saddles/analysis.js';
import { loadProblem } from '../saddles/problem.js';
import { selectBackend } from '../engine/index.js';
import type { CriticalPointConfig, CriticalPointResult } from '../studies/tasks/critical-point.js';
import type { RunRecord, RunTask } from '../studies/types.js';
import type { StudyPipeline } from './run-study.js';
import type { DataOptions } from './common.js';
import { checkScale } from './common.js';
import { formatTable, num } from '../report/text-table.js';

export interface SaddlesOptions extends DataOptions, Partial<FinderOptions> {
  /** A checkpoint whose topology is used; or `preset`. */
  model?: string;
  /** 'fashion-mnist-10': a 100 → 16 (tanh) → 10 softmax MLP (1 786 parameters) on Fashion-MNIST area-averaged to 10×10. */
  preset?: string;
  backend?: string;
  scale?: number;
  starts: number;
  /** Starts per SGD trajectory besides its initialisation (0: initialisations only). */
  trajectoryPoints: number;
  trajectorySteps: number;
  lr: number;
  batchSize: number;
  evalBatchSize: number;
  taus?: number[];
  /** τ of the correlation and the figure (default the first of taus). */
  tau?: number;
  saddleMethod?: SaddleMethod;
  saddleDenseMax?: number;
}

export const SADDLES_DEFAULTS = { starts: 20, trajectoryPoints: 3, trajectorySteps: 300, lr: 0.1, batchSize: 32, evalBatchSize: 1024, ...FINDER_DEFAULTS };

export const SADDLES_PRESETS: Record<string, { samples: number; resize: number; width: number }> = {
  'fashion-mnist-10': { samples: 500, resize: 10, width: 16 },
};

/** Start i: trajectory ⌊i/(P+1)⌋ (its seed), point i mod (P+1) along it (0 = the initialisation). */
export function startOf(i: number, points: number, steps: number): { seed: number; sgdSteps: number } {
  const j = i % (points + 1);
  return { seed: Math.floor(i / (points + 1)), sgdSteps: j === 0 ? 0 : Math.round((j * steps) / points) };
}

function problemOf(o: SaddlesOptions): Pick<CriticalPointConfig, 'model' | 'mlp' | 'data' | 'resize' | 'loss'> {
  if (o.preset !== undefined) {
    const p = SADDLES_PRESETS[o.preset];
    if (!p) throw optionError('preset', `unknown "${o.preset}"; known: ${Object.keys(SADDLES_PRESETS).join(', ')}`);
    if (o.model || o.data || o.x) throw optionError('preset', 'brings its own model and data: drop --model/--data/--x');
    const data = { data: fashionMnistDir(hostEnv()), split: 'train' as const, samples: o.samples ?? p.samples, seed: 0 };
    return { mlp: { inputDim: p.resize * p.resize, width: p.width, classes: 10, loss: 'categoricalCrossentropy', activation: 'tanh' }, data, resize: p.resize };
  }
  if (!o.model) throw optionError('model', 'saddles needs a model (its architecture) or --preset');
  if (!o.data && !o.x) throw optionError('data', 'saddles needs training data ({data}, or {x} with {y})');
  if (o.x && !o.y) throw optionError('y', '{x} needs {y}');
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  const data = { data: abs(o.data), x: abs(o.x), y: abs(o.y), labelColumn: o.labelColumn, samples: o.samples, seed: 0 };
  return { model: path.resolve(o.model), data, resize: null, loss: o.loss };
}

function checkOptions(o: SaddlesOptions): void {
  const int = (f: keyof SaddlesOptions, min: number) => {
    const v = o[f] as number;
    if (!(Number.isInteger(v) && v >= min)) throw optionError(f, `must be an integer ≥ ${min}, got ${v}`);
  };
  int('starts', 1);
  int('trajectoryPoints', 0);
  int('trajectorySteps', 1);
  int('batchSize', 1);
  int('evalBatchSize', 1);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) throw optionError('lr', `must be > 0, got ${o.lr}`);
  checkScale(o.scale);
}

/** The saddles study as a pipeline for runStudyPipeline. */
export async function saddlesStudy(o: SaddlesOptions): Promise<StudyPipeline<unknown>> {
  checkOptions(o);
  const finder = resolveFinderOptions(o);
  const counts = resolveSaddleOptions({ taus: o.taus ?? SADDLE_DEFAULTS.taus, method: o.saddleMethod, denseMaxDim: o.saddleDenseMax });
  const tau = o.tau ?? counts.taus[0];
  if (!counts.taus.includes(tau)) throw optionError('tau', `must be one of --taus (${counts.taus.join(', ')}), got ${tau}`);
  const base = { ...problemOf(o), backend: o.backend ?? 'auto', evalBatchSize: o.evalBatchSize, trajectory: { lr: o.lr, batchSize: o.batchSize }, finder };
  // the model and data read once here: a bad file is one error before any study folder exists
  await selectBackend(base.backend);
  await loadProblem(base);
  const index = { taus: counts.taus, method: counts.method, denseMaxDim: counts.denseMaxDim };
  const pad = String(o.starts - 1).length;
  const tasks: RunTask<CriticalPointConfig>[] = Array.from({ length: o.starts }, (_, i) => {
    const start = startOf(i, o.trajectoryPoints, o.trajectorySteps);
    return { id: `start${String(i).padStart(pad, '0')}-seed${start.seed}-sgd${start.sgdSteps}`, kind: 'critical-point', config: { ...base, index, start } };
  });
  const config = { ...base, index, tau, starts: o.starts, trajectoryPoints: o.trajectoryPoints, trajectorySteps: o.trajectorySteps, preset: o.preset ?? null };
  return {
    command: 'saddles',
    config,
    tasks,
    rebuild: async (records, folder) => {
      const recs = records as RunRecord<CriticalPointResult>[];
      const summary = saddlesSummary(recs, { tau, gradTol: finder.gradTol });
      return {
        summary: { ...summary, preset: o.preset ?? null },
        figures: await (await import('../saddles/figures.js')).saddlesFigures(summary, folder, o.scale ?? 1),
      };
    },
    digest: saddlesDigest,
  };
}

function saddlesDigest(s: Record<string, unknown>): string {
  const sum = s as unknown as ReturnType<typeof saddlesSummary>;
  const rows = sum.criticalPoints.map((r) => {
    const i = r.index.find((x) => x.tau === sum.tau)!;
    return [
      r.id,
      num(r.loss),
      r.accuracy !== undefined ? num(r.accuracy) : '',
      r.gradNormRatio.toExponential(1),
      r.converged ? 'yes' : 'no',
      i.count.lo === i.count.hi ? `${i.count.lo}` : `${i.count.lo}–${i.count.hi}`,
      num(i.fraction),
      r.hvps,
    ];
  });
  const table = formatTable(['start', 'loss', 'accuracy', '‖g‖/‖g₀‖', 'converged', `index (τ=${sum.tau})`, 'fraction', 'HVPs'], rows);
  return `${table}\n${sum.finding}`;
}
