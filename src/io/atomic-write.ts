/**
 * Files that are either fully written or not there at all: data goes to a temporary
 * sibling (same folder, so the rename never crosses a filesystem), is fsynced, then
 * renamed over the target. A crash leaves the old file (or none), never half of a new one.
 */
import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';

let counter = 0;
/** Temporary files of writes in flight (removed by removePendingTempFiles on an interrupt). */
const pending = new Set<string>();

/**
 * Remove the temporary files of writes still in flight, synchronously: called while the process
 * exits on SIGINT/SIGTERM, so that an interrupted write leaves neither half a file nor its temp.
 */
export function removePendingTempFiles(): void {
  for (const tmp of pending) rmSync(tmp, { force: true });
  pending.clear();
}

/** A temporary name next to `target`, unique per process and call. */
export function tempSibling(target: string, tag = 'tmp'): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${tag}-${process.pid}-${++counter}`);
}

/**
 * Write `data` to `target` atomically (tmp in the same folder + fsync + rename).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, readFile, readdir } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { writeFileAtomic } from 'losslens/io';
 *
 * const dir = await mkdtemp(path.join(tmpdir(), 'losslens-'));
 * await writeFileAtomic(path.join(dir, 'notes.txt'), 'λmax = 41.1\n');
 * assert.equal(await readFile(path.join(dir, 'notes.txt'), 'utf8'), 'λmax = 41.1\n');
 * assert.deepEqual(await readdir(dir), ['notes.txt']); // no temporary file left beside it
 * ```
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempSibling(target);
  pending.add(tmp);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  } finally {
    pending.delete(tmp);
  }
  await syncDir(path.dirname(target));
}

/**
 * Write several files so that either all of them land or none does: each goes to a fsynced
 * temporary sibling first, and only when every one is written are they renamed into place, in
 * order (put the file that describes the others last). A write that fails (ENOSPC) removes the
 * temporary files and leaves the old files as they were.
 */
export async function writeFilesAtomic(files: { path: string; data: string | Uint8Array }[]): Promise<void> {
  const temps = files.map((f) => tempSibling(f.path));
  for (const t of temps) pending.add(t);
  try {
    for (let i = 0; i < files.length; i++) {
      const h = await fs.open(temps[i], 'w');
      try {
        await h.writeFile(files[i].data);
        await h.sync();
      } finally {
        await h.close();
      }
    }
    for (let i = 0; i < files.length; i++) await fs.rename(temps[i], files[i].path);
  } finally {
    for (const t of temps) {
      pending.delete(t);
      await fs.rm(t, { force: true }).catch(() => undefined);
    }
  }
  for (const dir of new Set(files.map((f) => path.dirname(f.path)))) await syncDir(dir);
}

/** fsync a folder so a rename inside it is durable; best effort (not all platforms allow it). */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* e.g. Windows: folders cannot be opened for fsync */
  }
}

/**
 * JSON text as losslens writes it: 2-space indent and a trailing newline.
 *
 * Plain JSON has no NaN or ±Infinity and `JSON.stringify` silently writes them as `null`,
 * which would make a diverged loss look like a missing one. Here they are written as the
 * strings `"NaN"`, `"Infinity"` and `"-Infinity"` instead; readers of summary.json should
 * treat those strings as the IEEE values. Typed arrays (Float32Array, …) are written as
 * plain JSON arrays rather than `{"0": …}` objects.
 */
export function jsonText(obj: unknown): string {
  return `${JSON.stringify(obj, jsonSafe, 2)}\n`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  }
  return value;
}

/**
 * Write `obj` as pretty JSON (see {@link jsonText} for NaN/Infinity) atomically.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, readFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { writeJsonAtomic } from 'losslens/io';
 *
 * const file = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'summary.json');
 * await writeJsonAtomic(file, { loss: 0.5, kappa: Infinity });
 * assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { loss: 0.5, kappa: 'Infinity' }); // non-finite numbers as strings
 * ```
 */
export async function writeJsonAtomic(target: string, obj: unknown): Promise<void> {
  await writeFileAtomic(target, jsonText(obj));
}
