/**
 * `report --redis`: the report's 1-D and 2-D slices as 'landscape-block' jobs on a Redis queue (the
 * tasks `slice --redis` sends, the same per-point function as the local loop), on the analysis data
 * the local report uses (the quick preset's seeded subset is the DataSource subset of the same
 * rows and seed), with the local parts' worker count and native threads, so the assembled grids
 * equal the local report's to the bit. Eval, the Hessian, the gradient profile and the noise scale
 * stay in this process. The blocks persist in a study folder beside the report (`<out>.slices`, or
 * reports/studies/report-slices-<config hash> without --out): an interrupted run resumes with them.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LosslensError, optionError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import { poolThreadNativeThreads } from '../studies/native-thread-count.js';
import { sliceAxes } from '../landscape/slice-point.js';
import type { Slice1D, Slice2D } from '../landscape/slice.js';
import type { DataSource } from '../problem.js';
import { configHash, openStudyFolder } from '../studies/study-folder.js';
import { directionBytes, type BlockGrid, type LandscapeBlockConfig, type LandscapeBlockResult } from '../studies/tasks/landscape-block.js';
import type { RunRecord, RunTask } from '../studies/types.js';
import { problemOptions } from './common.js';
import type { RunHooks } from './context.js';
import { reportOptions, reportPipeline, runReport, type ReportPipelineOptions } from './report.js';
import type { PartRecipe, ReportSlicer, ReportSlices } from './report-parts.js';
import { runAnalysis, type AnalysisPipeline, type AnalysisRun } from './run-analysis.js';
import { checkExecutorOptions, runStudyPipeline, type ExecutorOptions } from './run-study.js';
import { defaultBlockPoints, gridBlocks, sliceFromBlocks } from './slice-queue-grid.js';

const abs = (p?: string) => (p === undefined ? undefined : path.resolve(p));

/** The data source of a part's analysis data: the problem's, narrowed to the part's subset when one was taken. */
const partSource = (src: DataSource | undefined, part: PartRecipe | undefined) => (src && part?.subset ? { ...src, ...part.subset } : src);

/** The problem every block loads: the local analysis parts' data and worker count, paths made absolute. */
function blockProblem(o: ReportPipelineOptions, train: PartRecipe, test?: PartRecipe) {
  if (test && test.workers !== train.workers)
    throw optionError(
      'workers',
      `the report's train and test analysis data run on ${train.workers} and ${test.workers} worker threads; a queued block serves both on one count: give {workers}`,
    );
  const base = problemOptions({ ...o, model: abs(o.model)!, data: abs(o.data), x: abs(o.x), y: abs(o.y), testData: abs(o.testData) });
  return { ...base, train: partSource(base.train, train), test: partSource(base.test, test), workers: train.workers };
}

/** The blocks of one grid, named `<prefix>-block-<k>`; the first also evaluates the centre. */
function gridTasks(prefix: string, grid: BlockGrid, common: Omit<LandscapeBlockConfig, 'grid' | 'directions' | 'start' | 'count' | 'base'>, file: string) {
  const blocks = gridBlocks(grid.points ** grid.dims, defaultBlockPoints(grid));
  const pad = String(blocks.length - 1).length;
  return blocks.map(([start, count], k): RunTask<LandscapeBlockConfig> => ({
    id: `${prefix}-block-${String(k).padStart(pad, '0')}`,
    kind: 'landscape-block',
    config: { ...common, grid, directions: { data: file }, start, count, base: k === 0 },
  }));
}

/** One grid's slice from its blocks' records, and their summed compute time; refuses a grid with a block missing. */
function assembled<S extends Slice1D | Slice2D>(prefix: string, grid: BlockGrid, records: RunRecord<LandscapeBlockResult>[], started: number) {
  const own = records.filter((r) => r.id.startsWith(`${prefix}-`));
  const { alphas, betas } = sliceAxes(grid.dims, grid.range, grid.yRange, grid.points);
  const slice = sliceFromBlocks(grid, alphas, betas, own, started);
  if (!slice) throw new LosslensError('INTERRUPTED', `the ${grid.dims}-D slice has ${own.length} block(s) finished; re-run to resume`);
  return { slice: slice as S, ms: own.reduce((s, r) => s + r.elapsedMs, 0) };
}

/** A ReportSlicer that runs the slices' blocks on the queue `run` names, kept in a study folder. */
export function queueSlicer(o: ReportPipelineOptions, run: ExecutorOptions, hooks: RunHooks = {}): ReportSlicer {
  return async ({ d1, d2, train, test }): Promise<ReportSlices> => {
    const opts = reportOptions(o);
    const g1: BlockGrid = { dims: 1, range: opts.slice.range, points: opts.slice.points1d };
    const g2: BlockGrid = { dims: 2, range: opts.slice.range, points: opts.slice.points2d };
    const blockOf = blockProblem(o, train, test);
    // the blocks run on the native thread count of the local analysis objective (it picks the convolutions' form): this
    // thread's when in process (the executor stamps it on every job), the pool threads' otherwise
    const pooled = train.workers > 1 ? poolThreadNativeThreads() : undefined;
    const nativeThreads = pooled ?? nativeKernelsInfo()?.threads;
    const bytes = [directionBytes([d1]), directionBytes([d1, d2])];
    const sha = bytes.map((b) => createHash('sha256').update(b).digest('hex'));
    const config = { problem: blockOf, grids: [g1, g2], nativeThreads, directions: sha };
    const out = o.out
      ? `${path.resolve(o.out).replace(/[\\/]+$/, '')}.slices`
      : path.join('reports', 'studies', `report-slices-${configHash(config).slice(0, 12)}`);
    await openStudyFolder(out, { command: 'report-slices', config, force: o.force });
    const files = ['direction-1d.f64', 'directions-2d.f64'].map((f) => path.resolve(out, f));
    for (const [k, f] of files.entries()) await writeFileAtomic(f, bytes[k]);
    const common = { problem: blockOf, recomputeBn: false };
    const tasks = [...gridTasks('slice1d', g1, common, files[0]), ...gridTasks('slice2d', g2, common, files[1])];
    const started = Date.now();
    const rebuild = async (records: RunRecord<LandscapeBlockResult>[]) => ({
      summary: { blocks: { total: tasks.length, finished: records.length } },
      figures: [],
    });
    const digest = (s: Record<string, unknown>) => `report slices: ${JSON.stringify(s.blocks)}`;
    const pipeline = { command: 'report-slices', config, tasks, rebuild, digest };
    const done = await runStudyPipeline<LandscapeBlockResult>(
      pipeline,
      { ...run, workers: undefined, out, force: o.force, ...(pooled ? { nativeThreads: pooled } : {}) },
      hooks,
    );
    if (done.failure) throw done.failure;
    const records = done.outcome.records as RunRecord<LandscapeBlockResult>[];
    const one = assembled<Slice1D>('slice1d', g1, records, started);
    const two = assembled<Slice2D>('slice2d', g2, records, started);
    hooks.notify?.(`report slices: ${tasks.length} blocks in ${out} (${done.outcome.executed} run now, ${done.outcome.resumed} kept from before)`);
    return { slice1d: one.slice, slice2d: two.slice, ms: { 'slice-1d': one.ms, 'slice-2d': two.ms } };
  };
}

/**
 * `losslens report` with its slices on a Redis queue (`losslens worker` processes serve them) and
 * every other part in this process; the report folder is written as the local report writes it.
 * The options and the queue (Redis reached) are checked before anything is made.
 */
export async function runReportOnQueue(o: ReportPipelineOptions, run: ExecutorOptions, hooks: RunHooks = {}): Promise<AnalysisRun> {
  reportPipeline.check!(o);
  const q = { ...run, workers: undefined };
  await checkExecutorOptions(q);
  const pipeline: AnalysisPipeline<ReportPipelineOptions> = {
    ...reportPipeline,
    run: (ctx, opts) => runReport(ctx, opts, queueSlicer(opts, q, hooks)),
  };
  return runAnalysis(pipeline, o, hooks);
}
