/**
 * A training trajectory on disk: a folder whose subfolders (or files) are checkpoints, e.g.
 * `epoch-1/model.json … epoch-20/model.json` or `step-100/…`, ordered by the numbers in their names.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';

/**
 * model.json paths of the checkpoints in `dir`, in natural (numeric-aware) name order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { readCheckpoint, writeCheckpoint, listCheckpoints } from 'losslens/io';
 *
 * const dir = await mkdtemp(path.join(tmpdir(), 'losslens-'));
 * const ckpt = await readCheckpoint('fixtures/linreg');
 * for (const step of [10, 2, 100]) await writeCheckpoint(path.join(dir, `step-${step}`), ckpt);
 * const found = await listCheckpoints(dir);
 * assert.deepEqual(
 *   found.map((f) => path.basename(path.dirname(f))),
 *   ['step-2', 'step-10', 'step-100'], // numbers in names sort as numbers
 * );
 * ```
 */
export async function listCheckpoints(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    throw inputError(dir, 'trajectory folder not found');
  }
  const found: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const mj = path.join(p, 'model.json');
      if (await exists(mj)) found.push(mj);
    } else if (e.isFile() && e.name.endsWith('.json') && e.name !== 'summary.json') {
      found.push(p);
    }
  }
  if (found.length === 0) throw inputError(dir, 'no checkpoints found (expected subfolders with model.json)');
  const collator = new Intl.Collator('en', { numeric: true });
  return found.sort((a, b) => collator.compare(a, b));
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
