/**
 * A report folder that is never half-written: files go into a staging folder
 * `${dir}.partial-<pid>` and `commit()` renames it onto `dir` in one step.
 * An existing non-empty `dir` is replaced only with `force`, and only when it is a losslens
 * report holding nothing else: commit() records the report's entries in MANIFEST, and a folder
 * with an entry the manifest does not list (a user's notes, a figure they edited) is refused
 * even with `force` — user files are never deleted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LosslensError } from '../errors.js';
import { jsonText, writeFileAtomic } from './atomic-write.js';

/** Written into every committed report: the top-level entries losslens put there. */
export const MANIFEST = '.losslens-report.json';

export interface OutputDir {
  /** The staging folder to write into. */
  path: string;
  /** Where the report lands on commit(). */
  finalPath: string;
  /** Write `obj` as pretty JSON (NaN/±Infinity as strings, see jsonText) to `name`; returns its path. */
  writeJson(name: string, obj: unknown): Promise<string>;
  /** Write bytes or text to `name` (sub-folders allowed, e.g. "final/model.json"); returns its path. */
  writeFile(name: string, data: Uint8Array | string): Promise<string>;
  /** Move the staging folder onto finalPath (replacing an old report when forced). */
  commit(): Promise<void>;
  /** Remove the staging folder; a no-op after commit() or a previous abort(). */
  abort(): Promise<void>;
}

/** Prepare a staged output folder for `dir`; fails early if `dir` may not be replaced. */
export async function prepareOutputDir(dir: string, opts: { force: boolean }): Promise<OutputDir> {
  const finalPath = dir.replace(/[\\/]+$/, '') || dir;
  const staging = `${finalPath}.partial-${process.pid}`;
  await checkReplaceable(finalPath, opts.force);
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  let state: 'open' | 'committed' | 'aborted' = 'open';

  const target = async (name: string): Promise<string> => {
    if (state !== 'open') throw new LosslensError('INTERNAL', `${finalPath}: output folder already ${state}; cannot write ${name}`);
    const p = path.resolve(staging, name);
    const rel = path.relative(path.resolve(staging), p);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new LosslensError('INTERNAL', `${finalPath}: output file name ${name} escapes the output folder`);
    }
    await fs.mkdir(path.dirname(p), { recursive: true });
    return p;
  };

  return {
    path: staging,
    finalPath,
    async writeJson(name, obj) {
      const p = await target(name);
      await writeFileAtomic(p, jsonText(obj));
      return p;
    },
    async writeFile(name, data) {
      const p = await target(name);
      await writeFileAtomic(p, data);
      return p;
    },
    async commit() {
      if (state !== 'open') throw new LosslensError('INTERNAL', `${finalPath}: output folder already ${state}`);
      const entries = (await fs.readdir(staging)).filter((e) => e !== MANIFEST).sort();
      await writeFileAtomic(path.join(staging, MANIFEST), jsonText({ tool: 'losslens', entries }));
      await moveInto(staging, finalPath, opts.force);
      state = 'committed';
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      await fs.rm(staging, { recursive: true, force: true });
    },
  };
}

/** Throw unless `dir` is absent, empty, or (with force) an old losslens report. */
async function checkReplaceable(dir: string, force: boolean): Promise<'absent' | 'empty' | 'report'> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st) return 'absent';
  if (!st.isDirectory()) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output path exists and is not a folder; choose another --out`);
  const entries = await fs.readdir(dir);
  if (entries.length === 0) return 'empty';
  if (!force) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output folder exists; pass --force to replace it`);
  const manifest = await fs.readFile(path.join(dir, MANIFEST), 'utf8').then((t) => JSON.parse(t) as { entries?: unknown }, () => undefined);
  if (!manifest || !Array.isArray(manifest.entries)) {
    throw new LosslensError(
      'OUTPUT_EXISTS',
      `${dir}: output folder exists and is not a losslens report (no ${MANIFEST}); refusing to replace it even with --force`,
    );
  }
  const ours = new Set<unknown>([...manifest.entries, MANIFEST]);
  const foreign = entries.filter((e) => !ours.has(e));
  if (foreign.length) {
    throw new LosslensError(
      'OUTPUT_EXISTS',
      `${dir}: the old report also holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}, which losslens did not write; move them or choose another --out (refusing to delete them even with --force)`,
    );
  }
  return 'report';
}

/** Rename staging onto dir; an old report is moved aside first and deleted only after success. */
async function moveInto(staging: string, dir: string, force: boolean): Promise<void> {
  const kind = await checkReplaceable(dir, force);
  if (kind === 'absent') {
    await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
    await fs.rename(staging, dir);
    return;
  }
  if (kind === 'empty') {
    await fs.rmdir(dir);
    await fs.rename(staging, dir);
    return;
  }
  let aside = `${dir}.old-${process.pid}`;
  for (let i = 1; await fs.stat(aside).then(() => true, () => false); i++) aside = `${dir}.old-${process.pid}-${i}`;
  await fs.rename(dir, aside);
  try {
    await fs.rename(staging, dir);
  } catch (err) {
    await fs.rename(aside, dir).catch(() => undefined);
    throw err;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** `reports/<command>-<YYYYMMDD-HHMMSS>` in local time. */
export function defaultOutDir(command: string, root = 'reports', now: Date = new Date()): string {
  const p = (v: number) => String(v).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return path.join(root, `${command}-${stamp}`);
}
