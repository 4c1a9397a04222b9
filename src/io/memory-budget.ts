/**
 * How much memory a dataset may take, checked before any of it is allocated. A file's header
 * declares its size; a declaration the machine cannot hold is refused with the number and the
 * remedy instead of being allocated (and swapped, or killed by the OOM killer, hours later).
 */
import os from 'node:os';
import { inputError } from '../errors.js';

/** Share of the machine's memory (or of the process's cgroup limit) one dataset may take. */
export const DATA_MEMORY_SHARE = 0.5;

/** The byte budget for one dataset: half of the smaller of physical memory and any cgroup limit. */
export function dataMemoryBudget(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const limit = constrained && constrained > 0 && constrained < total ? constrained : total;
  return Math.floor(limit * DATA_MEMORY_SHARE);
}

export const humanBytes = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${b} bytes`);

/**
 * Refuse `bytes` of data held in memory when over `budget`: names the file, both numbers, and
 * the remedy — a subset (--samples) when one would fit next to the subset's row order (4 bytes a
 * declared row), else a smaller file.
 */
export function checkDataBudget(file: string, bytes: number, budget: number, rows: number, rowBytes: number): void {
  if (bytes <= budget) return;
  const fit = rowBytes > 0 ? Math.floor((budget - 4 * rows) / rowBytes) : 0;
  const remedy = fit >= 1 ? `keep a subset with --samples N (N ≤ ${fit} fits) or use a smaller file` : 'use a smaller file';
  throw inputError(
    file,
    `the data declares ${rows} samples needing ${humanBytes(bytes)} in memory, more than the ${humanBytes(budget)} losslens allows one dataset on this machine (half its memory); ${remedy}`,
  );
}
