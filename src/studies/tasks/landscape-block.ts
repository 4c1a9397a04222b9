/**
 * Task kind 'landscape-block' (`losslens slice --redis`): a block of consecutive grid points of a
 * slice (row-major: β index, then α index), each evaluated by the same per-point function as the
 * local run (../../landscape/slice-point.ts) on the problem the coordinator described, so the grid
 * assembled from blocks equals the local grid to the bit. The directions travel as one float64 file
 * (a content-addressed input, like the model and data); the first block also evaluates the centre.
 * Interpolation paths are the other block kind (./landscape-path-block.ts), told apart by `to`.
 */
import { promises as fs } from 'node:fs';
import { inputError } from '../../errors.js';
import { batchNormPlan } from '../../pipelines/batch-norm-plan.js';
import { evaluateSlicePoint, sliceAxes, slicePoint } from '../../landscape/slice-point.js';
import { interrupted, type TaskContext } from '../task-handler.js';
import { blockProblemOf, push, type BlockCommon, type LandscapeBlockResult } from './landscape-block-common.js';
export type { BlockCommon, BlockValues, LandscapeBlockResult } from './landscape-block-common.js';
import { pathBlock, type PathBlockConfig } from './landscape-path-block.js';

/** The slice grid a block belongs to (as the local slice resolves it). */
export interface BlockGrid {
  dims: 1 | 2;
  range: [number, number];
  yRange?: [number, number];
  points: number;
}

/** A block of a slice grid: the grid and the directions (`dims` float64 vectors of θ's length one after the other, little-endian). */
export interface SliceBlockConfig extends BlockCommon {
  grid: BlockGrid;
  directions: { data: string };
}

export type LandscapeBlockConfig = SliceBlockConfig | PathBlockConfig;

/** The directions file: exactly dims × dim finite float64 values. */
export async function readDirections(file: string, dims: number, dim: number): Promise<Float64Array[]> {
  const buf = await fs.readFile(file);
  if (buf.byteLength !== dims * dim * 8)
    throw inputError(file, `holds ${buf.byteLength} bytes; ${dims} direction(s) of ${dim} float64 values take ${dims * dim * 8}`);
  return Array.from({ length: dims }, (_, k) => {
    const d = new Float64Array(dim);
    for (let i = 0; i < dim; i++) d[i] = buf.readDoubleLE((k * dim + i) * 8);
    if (!d.every(Number.isFinite)) throw inputError(file, `direction ${k + 1} has a value that is not finite`);
    return d;
  });
}

/** The float64 bytes {@link readDirections} reads. */
export function directionBytes(dirs: Float64Array[]): Buffer {
  const dim = dirs[0].length;
  const buf = Buffer.alloc(dirs.length * dim * 8);
  dirs.forEach((d, k) => d.forEach((v, i) => buf.writeDoubleLE(v, (k * dim + i) * 8)));
  return buf;
}

/** Evaluate one block: of a slice grid, or of an interpolation path (a config with `to`). */
export async function landscapeBlock(c: LandscapeBlockConfig, ctx: TaskContext = {}): Promise<LandscapeBlockResult> {
  return 'to' in c ? pathBlock(c, ctx) : sliceBlock(c, ctx);
}

async function sliceBlock(c: SliceBlockConfig, ctx: TaskContext): Promise<LandscapeBlockResult> {
  const { alphas, betas } = sliceAxes(c.grid.dims, c.grid.range, c.grid.yRange, c.grid.points);
  const total = alphas.length * betas.length;
  if (!(Number.isInteger(c.start) && Number.isInteger(c.count) && c.start >= 0 && c.count >= 1 && c.start + c.count <= total))
    throw inputError('job', `block ${c.start}+${c.count} lies outside the ${total}-point grid`);
  const problem = await blockProblemOf(c);
  const train = problem.train!.objective;
  const test = problem.test?.objective;
  const theta = problem.model.theta0;
  const [d1, d2] = await readDirections(c.directions.data, c.grid.dims, theta.length);
  const bn = batchNormPlan(problem, { recomputeBn: c.recomputeBn, bnSamples: c.problem.bnSamples });
  const point = new Float32Array(theta.length);
  const out: LandscapeBlockResult = { start: c.start, count: c.count, train: { loss: [] }, ...(test ? { test: { loss: [] } } : {}) };
  for (let k = c.start; k < c.start + c.count; k++) {
    if (ctx.signal?.aborted) throw interrupted();
    const a = alphas[k % alphas.length];
    const b = betas[Math.floor(k / alphas.length)];
    const r = await evaluateSlicePoint(train, test, slicePoint(point, theta, d1, d2, a, b), bn.at);
    push(out.train, r.train);
    if (r.test) push(out.test!, r.test);
  }
  if (c.base) out.baseLoss = (await evaluateSlicePoint(train, undefined, theta, bn.at)).train.loss;
  return out;
}
