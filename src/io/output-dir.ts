/**
 * A report folder that is never half-written: files go into a staging folder
 * `${dir}.partial-<pid>` and `commit()` renames it onto `dir` in one step.
 * An existing non-empty `dir` is replaced only with `force`, and only when it is a losslens
 * report holding nothing else: commit() records the report's entries in MANIFEST, and a folder
 * with an entry the manifest does not list (a user's notes, a figure they edited) is refused
 * even with `force` — user files are never deleted.
 *
 * Interruptions: abort() during a commit waits for the commit to finish (it is a few renames),
 * so Ctrl-C leaves the complete new report or none, never a mix. A --force replace moves the
 * old report aside (`${dir}.old-<pid>`) before the new one is renamed in and deletes it only
 * after; SIGKILL between the two renames leaves both on disk, and the next run to the same
 * --out moves the old one back before it starts (see stale-staging.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LosslensError } from '../errors.js';
import { jsonText, writeFileAtomic } from './atomic-write.js';
import { checkOutPath, outFsError } from './out-path.js';
import { MANIFEST, removeOwnFolder, sweepStaleStaging, writerStamp } from './stale-staging.js';
import { testPause } from './test-pause.js';

export { MANIFEST };

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
  /**
   * Remove the staging folder; a no-op after commit() or a previous abort(). During a commit it
   * waits for the commit and returns 'committed' when the report landed.
   */
  abort(): Promise<'aborted' | 'committed'>;
}

let commitsInFlight = 0;
/** True while some report's commit is between its first and last rename (a signal must wait). */
export function commitInFlight(): boolean {
  return commitsInFlight > 0;
}

/** Prepare a staged output folder for `dir`; fails early if `dir` may not be replaced or written. */
export async function prepareOutputDir(dir: string, opts: { force: boolean }): Promise<OutputDir> {
  await checkOutPath(dir);
  const finalPath = dir.replace(/[\\/]+$/, '') || dir;
  const staging = `${finalPath}.partial-${process.pid}`;
  await sweepStaleStaging(finalPath);
  await checkReplaceable(finalPath, opts.force);
  try {
    await fs.rm(staging, { recursive: true, force: true });
    await fs.mkdir(path.dirname(path.resolve(staging)), { recursive: true });
    await fs.mkdir(staging);
    // marks the folder as losslens' own from the start, so a sweep after SIGKILL may remove it
    await writeFileAtomic(path.join(staging, MANIFEST), jsonText({ tool: 'losslens', staging: true, writer: writerStamp(), entries: [] }));
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err instanceof LosslensError ? err : outFsError(finalPath, err);
  }
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  let committing: Promise<void> | undefined;

  const target = async (name: string): Promise<string> => {
    if (state !== 'open') throw new LosslensError(state === 'aborted' ? 'INTERRUPTED' : 'INTERNAL', `${finalPath}: output folder already ${state}; cannot write ${name}`);
    const p = path.resolve(staging, name);
    const rel = path.relative(path.resolve(staging), p);
    if (rel === '' || rel === MANIFEST || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new LosslensError('INTERNAL', `${finalPath}: output file name ${name} escapes the output folder`);
    }
    await fs.mkdir(path.dirname(p), { recursive: true });
    return p;
  };
  const write = async (name: string, data: Uint8Array | string): Promise<string> => {
    const p = await target(name);
    await writeFileAtomic(p, data).catch((err) => {
      throw err instanceof LosslensError ? err : outFsError(finalPath, err);
    });
    await testPause(`write:${name}`);
    return p;
  };

  return {
    path: staging,
    finalPath,
    writeJson: (name, obj) => write(name, jsonText(obj)),
    writeFile: write,
    async commit() {
      if (state !== 'open') throw new LosslensError(state === 'aborted' ? 'INTERRUPTED' : 'INTERNAL', `${finalPath}: output folder already ${state}`);
      state = 'committing';
      commitsInFlight++;
      committing = (async () => {
        await testPause('commit');
        const entries = (await fs.readdir(staging)).filter((e) => e !== MANIFEST).sort();
        await writeFileAtomic(path.join(staging, MANIFEST), jsonText({ tool: 'losslens', writer: writerStamp(), entries }));
        await testPause('manifest');
        await moveInto(staging, finalPath, opts.force);
      })();
      try {
        await committing;
        state = 'committed';
      } catch (err) {
        state = 'open'; // abort() may still remove the staging folder
        throw err;
      } finally {
        commitsInFlight--;
      }
    },
    async abort() {
      if (state === 'committing') await committing!.catch(() => undefined);
      if (state === 'committed') return 'committed';
      if (state === 'open') {
        state = 'aborted';
        await removeOwnFolder(staging);
      }
      return 'aborted';
    },
  };
}

/** Throw unless `dir` is absent, empty, or (with force) an old losslens report. */
async function checkReplaceable(dir: string, force: boolean): Promise<'absent' | 'empty' | 'report'> {
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st) return 'absent';
  if (st.isSymbolicLink()) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output path is a symbolic link; give the folder it points to, or another --out`);
  if (!st.isDirectory()) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output path exists and is not a folder; choose another --out`);
  const entries = await fs.readdir(dir);
  if (entries.length === 0) return 'empty';
  if (!force) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output folder exists; pass --force to replace it`);
  const manifest = await fs.readFile(path.join(dir, MANIFEST), 'utf8').then((t) => JSON.parse(t) as { entries?: unknown; staging?: unknown }, () => undefined);
  if (!manifest || !Array.isArray(manifest.entries) || manifest.staging) {
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
    await fs.rename(staging, dir);
    return;
  }
  if (kind === 'empty') {
    await fs.rmdir(dir);
    await fs.rename(staging, dir);
    return;
  }
  let aside = `${dir}.old-${process.pid}`;
  for (let i = 1; await fs.lstat(aside).then(() => true, () => false); i++) aside = `${dir}.old-${process.pid}-${i}`;
  await fs.rename(dir, aside);
  await testPause('aside');
  try {
    await fs.rename(staging, dir);
  } catch (err) {
    await fs.rename(aside, dir).catch(() => undefined);
    throw err;
  }
  await testPause('renamed');
  await removeOwnFolder(aside);
}

/** `reports/<command>-<YYYYMMDD-HHMMSS>` in local time. */
export function defaultOutDir(command: string, root = 'reports', now: Date = new Date()): string {
  const p = (v: number) => String(v).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return path.join(root, `${command}-${stamp}`);
}
