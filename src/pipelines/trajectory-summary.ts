/**
 * The trajectory's summary: one row per checkpoint (step, learning rate and 2/η, loss, accuracy,
 * λmax with its residual, trace with its standard error, the slice's rise), the slices' curves, and
 * the SLQ densities smoothed on one λ grid with one kernel width so that checkpoints compare
 * point by point; plus the plain-text table of the rows.
 */
import type { RunRecord } from '../studies/types.js';
import type { CheckpointAnalysis, CheckpointAnalysisResult } from '../studies/tasks/checkpoint-analysis.js';
import type { TrajectoryCheckpoint } from './trajectory-checkpoints.js';
import { formatTable, num } from '../report/text-table.js';

export type TrajectoryRecord = RunRecord<CheckpointAnalysisResult>;

export interface TrajectoryRow {
  id: string;
  step: number;
  checkpoint: string;
  lr: number | null;
  twoOverLr: number | null;
  loss?: number;
  accuracy?: number;
  lambdaMax?: number;
  residual?: number;
  converged?: boolean;
  trace?: number;
  traceStderr?: number | null;
  /** max over the slice of L(θ + αd) − L(θ). */
  sliceRise?: number;
}

export interface TrajectorySummary {
  checkpoints: string;
  /** What a row's `step` counts: the word the checkpoint names share (epoch-5 → "epoch"), else "step". */
  unit: string;
  analyses: CheckpointAnalysis[];
  params: number;
  samples: number;
  rows: TrajectoryRow[];
  slices?: { alphas: number[]; curves: { step: number; loss: number[] }[] };
  density?: { grid: number[]; sigma: number; steps: number[]; density: number[][]; definition: string };
  finding: string;
}

const GRID_POINTS = 160;

/** Each checkpoint's SLQ density, Σ_p Σ_i w_pi N(x; node_pi, σ²)/P, on one grid with the widest of their σ. */
export function commonDensity(parts: { step: number; density: NonNullable<CheckpointAnalysisResult['density']> }[]): TrajectorySummary['density'] {
  const nodes = parts.flatMap((p) => p.density.nodes.flat());
  const sigma = Math.max(...parts.map((p) => p.density.sigma));
  const lo = Math.min(...nodes) - 5 * sigma;
  const hi = Math.max(...nodes) + 5 * sigma;
  const grid = Array.from({ length: GRID_POINTS }, (_, i) => lo + ((hi - lo) * i) / (GRID_POINTS - 1));
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  const density = parts.map(({ density: d }) =>
    grid.map((x) => {
      let s = 0;
      d.nodes.forEach((ns, p) => ns.forEach((n, i) => (s += d.weights[p][i] * Math.exp(-0.5 * ((x - n) / sigma) ** 2))));
      return (c * s) / d.nodes.length;
    }),
  );
  const definition = 'SLQ nodes and weights of each checkpoint, Gaussian-smoothed with the widest σ of the checkpoints on one grid, averaged over probes';
  return { grid, sigma, steps: parts.map((p) => p.step), density, definition };
}

function rowOf(r: CheckpointAnalysisResult, c: TrajectoryCheckpoint, lr: number | null): TrajectoryRow {
  return {
    id: c.id,
    step: c.step,
    checkpoint: c.name,
    lr,
    twoOverLr: lr === null ? null : 2 / lr,
    ...(r.loss ? { loss: r.loss.loss, ...(r.loss.accuracy !== undefined ? { accuracy: r.loss.accuracy } : {}) } : {}),
    ...(r.lambdaMax ? { lambdaMax: r.lambdaMax.value, residual: r.lambdaMax.residual, converged: r.lambdaMax.converged } : {}),
    ...(r.trace ? { trace: r.trace.estimate, traceStderr: r.trace.stderr } : {}),
    ...(r.slice ? { sliceRise: Math.max(...r.slice.loss) - r.slice.baseLoss } : {}),
  };
}

function findingOf(rows: TrajectoryRow[], unit: string): string {
  const held = rows.filter((r) => r.lambdaMax !== undefined && r.twoOverLr !== null);
  if (held.length === 0) return rows.some((r) => r.lambdaMax !== undefined) ? 'no learning rate known: 2/η not drawn (give --lr)' : '';
  const worst = held.reduce((a, b) => (b.lambdaMax! / b.twoOverLr! > a.lambdaMax! / a.twoOverLr! ? b : a));
  const ratio = worst.lambdaMax! / worst.twoOverLr!;
  const first = held.find((r) => r.lambdaMax! > r.twoOverLr!);
  return first
    ? `λmax exceeds 2/η from ${unit} ${first.step} (λmax = ${num(first.lambdaMax!)}, 2/η = ${num(first.twoOverLr!)}): beyond the stability threshold of gradient descent`
    : `λmax stays below 2/η: at most ${(100 * ratio).toFixed(0)}% of it (${unit} ${worst.step})`;
}

export function trajectorySummary(
  items: { record: TrajectoryRecord; checkpoint: TrajectoryCheckpoint }[],
  o: { analyses: CheckpointAnalysis[]; lr: number | null; checkpoints: string; unit: string },
): TrajectorySummary {
  const sorted = [...items].sort((a, b) => a.checkpoint.step - b.checkpoint.step);
  const rows = sorted.map(({ record, checkpoint }) => rowOf(record.result, checkpoint, checkpoint.lr ?? o.lr));
  const first = sorted[0]?.record.result;
  const withSlice = sorted.filter((s) => s.record.result.slice);
  const withDensity = sorted.filter((s) => s.record.result.density);
  return {
    checkpoints: o.checkpoints,
    unit: o.unit,
    analyses: o.analyses,
    params: first?.params ?? 0,
    samples: first?.samples ?? 0,
    rows,
    ...(withSlice.length
      ? {
          slices: {
            alphas: withSlice[0].record.result.slice!.alphas,
            curves: withSlice.map((s) => ({ step: s.checkpoint.step, loss: s.record.result.slice!.loss })),
          },
        }
      : {}),
    ...(withDensity.length ? { density: commonDensity(withDensity.map((s) => ({ step: s.checkpoint.step, density: s.record.result.density! }))) } : {}),
    finding: findingOf(rows, o.unit),
  };
}

export function trajectoryDigest(s: TrajectorySummary): string {
  const has = (k: keyof TrajectoryRow) => s.rows.some((r) => r[k] !== undefined);
  const cols: [string, keyof TrajectoryRow, (r: TrajectoryRow) => string][] = [
    [s.unit, 'step', (r) => String(r.step)],
    ['loss', 'loss', (r) => (r.loss === undefined ? '' : num(r.loss))],
    ['accuracy', 'accuracy', (r) => (r.accuracy === undefined ? '' : num(r.accuracy))],
    ['λmax', 'lambdaMax', (r) => (r.lambdaMax === undefined ? '' : `${num(r.lambdaMax)}${r.converged ? '' : ' (not converged)'}`)],
    ['residual', 'residual', (r) => (r.residual === undefined ? '' : r.residual.toExponential(1))],
    ['2/η', 'twoOverLr', (r) => (r.twoOverLr === null ? '' : num(r.twoOverLr))],
    ['trace', 'trace', (r) => (r.trace === undefined ? '' : `${num(r.trace)} ± ${num(r.traceStderr ?? NaN)}`)],
    ['slice rise', 'sliceRise', (r) => (r.sliceRise === undefined ? '' : num(r.sliceRise))],
  ];
  const shown = cols.filter(([, k]) => k === 'step' || (k === 'twoOverLr' ? s.rows.some((r) => r.twoOverLr !== null) : has(k)));
  const table = formatTable(
    shown.map(([h]) => h),
    s.rows.map((r) => shown.map(([, , f]) => f(r))),
  );
  return `${table}\n${s.params} parameters, ${s.samples} samples per checkpoint${s.finding ? `\n${s.finding}` : ''}`;
}
