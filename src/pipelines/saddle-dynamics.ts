/**
 * saddle-dynamics: from one start, gradient descent, SGD with momentum, Newton and saddle-free Newton
 * on the training loss, each a resumable study run ('saddle-dynamics' tasks), with the loss, ‖g‖ and
 * the saddle index along each path; the summary says which methods plateau, escape, and where Newton ends.
 */
import path from 'node:path';
import { optionError } from '../errors.js';
import { checkScale, type DataOptions } from './common.js';
import type { StudyPipeline } from './run-study.js';
import type { RunRecord } from '../studies/types.js';
import { START_KINDS, type SaddleDynamicsConfig, type SaddleDynamicsResult, type StartKind } from '../studies/tasks/saddle-dynamics.js';
import { resolveDynamicsOptions, type DynamicsMethod, type DynamicsOptions } from '../saddles/dynamics-options.js';
import { resolveSaddleOptions, type SaddleMethod } from '../curvature/saddle-options.js';
import { methodFinding } from '../saddles/dynamics-finding.js';
import { SADDLE_DYNAMICS_DEFAULTS } from '../saddles/dynamics-defaults.js';
import { formatTable, num } from '../report/text-table.js';

export { SADDLE_DYNAMICS_DEFAULTS };

export interface SaddleDynamicsOptions extends DataOptions, Partial<DynamicsOptions> {
  model: string;
  backend?: string;
  scale?: number;
  start: StartKind;
  init: string;
  initScale: number;
  seed: number;
  methods: DynamicsMethod[];
  /** Momentum's minibatch size (SGD with momentum); absent: full batch. */
  batchSize?: number;
  evalBatchSize: number;
  taus: number[];
  saddleMethod: SaddleMethod;
}

function checkOptions(o: SaddleDynamicsOptions): void {
  if (!o.data && !o.x) throw optionError('data', 'saddle-dynamics needs training data ({data}, or {x} with {y})');
  if (o.x && !o.y) throw optionError('y', '{x} needs {y}');
  checkScale(o.scale);
  if (!START_KINDS.includes(o.start)) throw optionError('start', `unknown "${o.start}"; valid: ${START_KINDS.join(', ')}`);
  if (!(o.initScale > 0 && Number.isFinite(o.initScale))) throw optionError('initScale', `must be > 0, got ${o.initScale}`);
  if (o.methods.length === 0) throw optionError('methods', 'name at least one method');
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    throw optionError('batchSize', `must be an integer ≥ 1, got ${o.batchSize}`);
  if (!(Number.isInteger(o.evalBatchSize) && o.evalBatchSize >= 1)) throw optionError('evalBatchSize', `must be an integer ≥ 1, got ${o.evalBatchSize}`);
}

/** The task config every method shares (paths absolute, so workers and resumes agree). */
function baseConfig(o: SaddleDynamicsOptions): Omit<SaddleDynamicsConfig, 'method'> {
  checkOptions(o);
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  const { taus, method: saddleMethod } = resolveSaddleOptions({ taus: o.taus, method: o.saddleMethod });
  return {
    model: path.resolve(o.model),
    data: { data: abs(o.data), x: abs(o.x), y: abs(o.y), labelColumn: o.labelColumn, samples: o.samples, seed: 0 },
    loss: o.loss,
    backend: o.backend ?? 'auto',
    start: o.start,
    init: o.init,
    initScale: o.initScale,
    seed: o.seed,
    dynamics: resolveDynamicsOptions(o),
    batchSize: o.batchSize ?? null,
    evalBatchSize: o.evalBatchSize,
    index: { taus, saddleMethod },
  };
}

/** The saddle-dynamics study: one run per method from the same start. */
export async function saddleDynamicsStudy(o: SaddleDynamicsOptions): Promise<StudyPipeline<SaddleDynamicsResult>> {
  const base = baseConfig(o);
  const { checkStudyInputs } = await import('./study-inputs.js');
  await checkStudyInputs({ model: base.model, data: base.data, loss: base.loss, backend: base.backend } as never);
  const config = { base, methods: o.methods };
  return {
    command: 'saddle-dynamics',
    config,
    tasks: o.methods.map((method) => ({ id: method, kind: 'saddle-dynamics', config: { ...base, method } })),
    rebuild: async (records) => {
      const summary = saddleDynamicsSummary(base, o.methods, records);
      const { saddleDynamicsFigure } = await import('../figures/saddle-dynamics.js');
      return { summary, figures: records.length ? [await saddleDynamicsFigure(summary, o.scale ?? 1)] : [] };
    },
    digest: saddleDynamicsDigest,
  };
}

/** One method's path in the summary: the records column-wise, the index points, costs and finding. */
function methodSummary(r: SaddleDynamicsResult, tau: number) {
  const finding = methodFinding(r, tau);
  return {
    method: r.method,
    steps: r.records.map((q) => q.step),
    loss: r.records.map((q) => q.loss),
    gradNorm: r.records.map((q) => q.gradNorm),
    index: r.records.filter((q) => q.index).map((q) => ({ step: q.step, ...q.index! })),
    final: r.final,
    hvps: r.hvps,
    lossEvals: r.lossEvals,
    ...(r.diverged !== undefined ? { diverged: r.diverged } : {}),
    finding,
  };
}

export type SaddleDynamicsSummary = ReturnType<typeof saddleDynamicsSummary>;

export function saddleDynamicsSummary(base: Omit<SaddleDynamicsConfig, 'method'>, methods: DynamicsMethod[], records: RunRecord<SaddleDynamicsResult>[]) {
  const tau = base.index.taus[0];
  const byMethod = methods.flatMap((m) => records.filter((r) => r.result.method === m).map((r) => methodSummary(r.result, tau)));
  const first = records[0]?.result;
  return {
    study: 'saddle-dynamics',
    paramCount: first?.paramCount ?? null,
    start: {
      kind: base.start,
      init: base.init,
      initScale: base.start === 'small-init' ? base.initScale : null,
      seed: base.seed,
      thetaNorm: first?.start.thetaNorm ?? null,
    },
    options: { ...base.dynamics, batchSize: base.batchSize, taus: base.index.taus, saddleMethod: base.index.saddleMethod },
    tau,
    methods: byMethod,
    finding: byMethod.map((m) => m.finding.words).join(' '),
    definitions: {
      index:
        '#{λ < −τ·λmax} of the Hessian of the training loss (saddle counts: dense Sylvester inertia or iterative locking, named per point); fraction = count / d',
      escape: 'the loss fell by more than 10 % of |loss at the start|; plateau = steps before it first fell by 1 % of |loss at the start|',
      sfn: 'saddle-free Newton (Dauphin et al. 2014): s = −V Q (|Λ| + δ)⁻¹ Qᵀ Vᵀ g in the Krylov space V of H started at g, δ the damping of least loss among the candidates × max|Λ|',
      newton: 'Newton in the same Krylov space: s = −V Q (Λ + δ)⁻¹ Qᵀ Vᵀ g, no sign fix; newton and sfn steps are scaled to at most maxStep',
    },
  };
}

function saddleDynamicsDigest(s: Record<string, unknown>): string {
  const m = (s as unknown as SaddleDynamicsSummary).methods;
  const rows = m.map((x) => [
    x.method,
    num(x.finding.startLoss),
    num(x.finding.finalLoss),
    x.finding.escaped ? 'yes' : 'no',
    x.finding.plateauSteps ?? '',
    num(x.finding.finalGradNorm),
    x.finding.endIndex ? `${x.finding.endIndex.estimate} (${(100 * x.finding.endIndex.fraction).toFixed(2)} %)` : '',
  ]);
  return formatTable(['method', 'start loss', 'final loss', 'escaped', 'plateau', 'final ‖g‖', `end index (τ = ${(s as any).tau})`], rows);
}
