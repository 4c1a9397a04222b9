/**
 * A report folder that is never half-written: files go into a staging folder
 * `${dir}.partial-<pid>` and `commit()` renames it onto `dir` in one step.
 * An existing non-empty `dir` is replaced only with `force`, and only when it is a losslens
 * report holding nothing else: commit() records every file of the report, at any depth, with its
 * sha256 in MANIFEST (report-manifest.ts), and a folder with a file the manifest does not list (a
 * user's notes, in final/ or anywhere) or a listed file that changed (a hand-edited summary.json)
 * is refused even with `force` — user files are never deleted (replace-report.ts). While staging,
 * each file's hash is journaled before the file is written, so a staging folder left by SIGKILL
 * is swept only when it holds nothing but those files (stale-staging.ts).
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
import { commitPhase } from './commit-phases.js';
import { checkOutPath, outFsError } from './out-path.js';
import { describeTree } from './owned-tree.js';
import { checkReplaceable, moveInto } from './replace-report.js';
import { JOURNAL, MANIFEST, appendJournal, hashBytes, stagingManifest } from './report-manifest.js';
import { clearOwnStagingName, removeOwnFolder, sweepStaleStaging, writerStamp } from './stale-staging.js';

export { MANIFEST };

/** A report folder being written: a staging folder, published atomically by `commit()` or removed by `abort()`. */
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

/** Make the staging folder, marked as losslens' own from the start (a sweep after SIGKILL may remove it). */
async function makeStaging(staging: string, finalPath: string): Promise<void> {
  let made = false;
  try {
    await fs.mkdir(path.dirname(path.resolve(staging)), { recursive: true });
    await fs.mkdir(staging);
    made = true;
    await writeFileAtomic(path.join(staging, MANIFEST), jsonText(stagingManifest(writerStamp())));
  } catch (err) {
    if (made) await removeOwnFolder(staging).catch(() => undefined);
    throw err instanceof LosslensError ? err : outFsError(finalPath, err);
  }
}

/** The manifest of the finished staging folder, then the rename onto finalPath. */
async function commitStaging(staging: string, finalPath: string, force: boolean): Promise<void> {
  await commitPhase('commit');
  const entries = (await fs.readdir(staging)).filter((e) => e !== MANIFEST && e !== JOURNAL).sort();
  const files = await describeTree(staging);
  await writeFileAtomic(path.join(staging, MANIFEST), jsonText({ tool: 'losslens', writer: writerStamp(), entries, files }));
  await fs.rm(path.join(staging, JOURNAL), { force: true });
  await commitPhase('manifest');
  await moveInto(staging, finalPath, force);
}

/** The path of report file `name` in the staging folder; a name that leaves it, or names the manifest or journal, is refused. */
function stagedPath(staging: string, finalPath: string, name: string): string {
  const p = path.resolve(staging, name);
  const rel = path.relative(path.resolve(staging), p);
  if (rel === '' || rel === MANIFEST || rel === JOURNAL || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new LosslensError('INTERNAL', `${finalPath}: output file name ${name} escapes the output folder`);
  }
  return p;
}

/**
 * Prepare a staged output folder for `dir`; fails early if `dir` may not be replaced or written.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { existsSync } from 'node:fs';
 * import { mkdtemp, readFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { prepareOutputDir } from 'losslens/io';
 *
 * // files go to a staging folder; the report appears whole at commit(), or not at all
 * const dir = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'report');
 * const out = await prepareOutputDir(dir, { force: false });
 * await out.writeJson('summary.json', { loss: 0.25 });
 * assert.equal(existsSync(dir), false);
 * await out.commit();
 * assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')), { loss: 0.25 });
 * ```
 */
export async function prepareOutputDir(dir: string, opts: { force: boolean }): Promise<OutputDir> {
  await checkOutPath(dir);
  const finalPath = dir.replace(/[\\/]+$/, '') || dir;
  const staging = `${finalPath}.partial-${process.pid}`;
  await sweepStaleStaging(finalPath);
  await checkReplaceable(finalPath, opts.force);
  await clearOwnStagingName(staging);
  await makeStaging(staging, finalPath);
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  let committing: Promise<void> | undefined;

  const target = async (name: string): Promise<string> => {
    if (state !== 'open')
      throw new LosslensError(state === 'aborted' ? 'INTERRUPTED' : 'INTERNAL', `${finalPath}: output folder already ${state}; cannot write ${name}`);
    const p = stagedPath(staging, finalPath, name);
    await fs.mkdir(path.dirname(p), { recursive: true });
    return p;
  };
  const write = async (name: string, data: Uint8Array | string): Promise<string> => {
    const p = await target(name);
    const rel = path.relative(path.resolve(staging), p).split(path.sep).join('/');
    try {
      await appendJournal(staging, rel, hashBytes(data)); // before the file: see the file comment
      await writeFileAtomic(p, data);
    } catch (err) {
      throw err instanceof LosslensError ? err : outFsError(finalPath, err);
    }
    await commitPhase(`write:${name}`);
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
      committing = commitStaging(staging, finalPath, opts.force);
      try {
        await committing;
        state = 'committed';
      } catch (err) {
        state = 'open'; // abort() may still remove the staging folder
        throw err instanceof LosslensError ? err : outFsError(finalPath, err);
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

/**
 * `reports/<command>-<YYYYMMDD-HHMMSS>` in local time.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { defaultOutDir } from 'losslens/io';
 *
 * assert.equal(defaultOutDir('hessian', 'reports', new Date(2025, 0, 2, 3, 4, 5)), 'reports/hessian-20250102-030405');
 * ```
 */
export function defaultOutDir(command: string, root = 'reports', now: Date = new Date()): string {
  const p = (v: number) => String(v).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return path.join(root, `${command}-${stamp}`);
}
