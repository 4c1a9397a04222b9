/**
 * The slice grid (and interpolation path) assembled from the queue's blocks (task kind 'landscape-block'): the blocks of a
 * grid, and the grid back from their records in grid order. A grid with a block missing (a failed
 * run) is not assembled: the study reports what is missing and a re-run retries it.
 */
import { assembleSlice, type SliceResult } from '../landscape/slice.js';
import type { BlockGrid, LandscapeBlockResult } from '../studies/tasks/landscape-block.js';
import type { RunRecord } from '../studies/types.js';

/** Consecutive blocks of `size` grid points covering `total` points: [start, count] each. */
export function gridBlocks(total: number, size: number): [start: number, count: number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < total; start += size) out.push([start, Math.min(size, total - start)]);
  return out;
}

/** Points per block when not given: one row of a 2-D grid; an eighth of a 1-D curve (at least one point). */
export function defaultBlockPoints(grid: BlockGrid): number {
  return grid.dims === 2 ? grid.points : Math.max(1, Math.ceil(grid.points / 8));
}

type Values = { loss: number; accuracy?: number }[];

/** Every point of `total` from the blocks' records in order, and the extra points the first block evaluated; undefined while a block is missing. */
export function pointsFromBlocks(
  records: RunRecord<LandscapeBlockResult>[],
  total: number,
): { train: Values; test?: Values; first: LandscapeBlockResult } | undefined {
  const blocks = records.map((r) => r.result).sort((a, b) => a.start - b.start);
  const train: Values = [];
  const test: Values = [];
  const values = (v: { loss: number[]; accuracy?: number[] }, to: Values) =>
    v.loss.forEach((loss, i) => to.push({ loss, ...(v.accuracy ? { accuracy: v.accuracy[i] } : {}) }));
  for (const b of blocks) {
    if (b.start !== train.length) return undefined; // a gap: that block has not finished
    values(b.train, train);
    if (b.test) values(b.test, test);
  }
  if (train.length !== total || blocks.length === 0) return undefined;
  return { train, ...(test.length ? { test } : {}), first: blocks[0] };
}

/** The slice from its blocks' records, or undefined while any point of the grid is missing. */
export function sliceFromBlocks(
  grid: BlockGrid,
  alphas: number[],
  betas: number[],
  records: RunRecord<LandscapeBlockResult>[],
  started: number,
): SliceResult | undefined {
  const got = pointsFromBlocks(records, alphas.length * betas.length);
  if (!got || got.first.baseLoss === undefined) return undefined;
  const rows = (v: Values) => betas.map((_, j) => v.slice(j * alphas.length, (j + 1) * alphas.length));
  return assembleSlice(grid, { alphas, betas, train: rows(got.train), test: got.test ? rows(got.test) : undefined, baseLoss: got.first.baseLoss }, started);
}
