/**
 * Putting a committed staging folder in place at `--out`, replacing an old report only when that
 * is safe: `dir` absent or empty, or (with force) a losslens report that still holds exactly what
 * losslens wrote there — every file at any depth unchanged by content hash (owned-tree.ts). A note
 * a user put in `final/`, or a hand-edited summary.json, makes --force refuse with the path named.
 *
 * The old report is moved aside (`${dir}.old-<pid>`) before the new one is renamed in, and only
 * its listed files are deleted after that (stale-staging.ts sweeps what SIGKILL leaves between).
 */
import { promises as fs } from 'node:fs';
import { LosslensError } from '../errors.js';
import { findForeign, foreignError, removeOwnTree } from './owned-tree.js';
import { MANIFEST, readManifest, type Manifest } from './report-manifest.js';
import { commitPhase } from './commit-phases.js';

export type Replaceable = { kind: 'absent' } | { kind: 'empty' } | { kind: 'report'; manifest: Manifest };

/** Throw unless `dir` is absent, empty, or (with force) an old losslens report holding only its own files. */
export async function checkReplaceable(dir: string, force: boolean): Promise<Replaceable> {
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st) return { kind: 'absent' };
  if (st.isSymbolicLink()) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output path is a symbolic link; give the folder it points to, or another --out`);
  if (!st.isDirectory()) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output path exists and is not a folder; choose another --out`);
  const entries = await fs.readdir(dir);
  if (entries.length === 0) return { kind: 'empty' };
  if (!force) throw new LosslensError('OUTPUT_EXISTS', `${dir}: output folder exists; pass --force to replace it`);
  const manifest = await readManifest(dir);
  if (!manifest || manifest.staging) {
    throw new LosslensError(
      'OUTPUT_EXISTS',
      `${dir}: output folder exists and is not a losslens report (no ${MANIFEST}); refusing to replace it even with --force`,
    );
  }
  const foreign = await findForeign(dir, manifest);
  if (foreign) {
    throw foreignError(dir, foreign, 'this report', `move it out of ${dir} or choose another --out (refusing to delete or replace it even with --force)`);
  }
  return { kind: 'report', manifest };
}

/** Rename staging onto dir; an old report is moved aside first and its files deleted only after success. */
export async function moveInto(staging: string, dir: string, force: boolean): Promise<void> {
  const old = await checkReplaceable(dir, force);
  if (old.kind === 'absent') {
    await fs.rename(staging, dir);
    return;
  }
  if (old.kind === 'empty') {
    await fs.rmdir(dir);
    await fs.rename(staging, dir);
    return;
  }
  let aside = `${dir}.old-${process.pid}`;
  for (
    let i = 1;
    await fs.lstat(aside).then(
      () => true,
      () => false,
    );
    i++
  )
    aside = `${dir}.old-${process.pid}-${i}`;
  await fs.rename(dir, aside);
  await commitPhase('aside');
  try {
    await fs.rename(staging, dir);
  } catch (err) {
    await fs.rename(aside, dir).catch(() => undefined);
    throw err;
  }
  await commitPhase('renamed');
  await removeOwnTree(aside, old.manifest);
}
