/**
 * Whether a folder holds only what losslens wrote into it, by its manifest (report-manifest.ts),
 * at any depth — and the removal of exactly those files.
 *
 * A folder is losslens' own when every file in it, at any depth, is listed in its manifest with
 * the same size and sha256 (the manifest and the journal aside: names losslens reserves), every sub-folder
 * holds a listed file, and nothing else (a symbolic link, a FIFO) is there. Listed files that are
 * missing are fine: a staging folder cut short holds a subset of its journal, and a report a user
 * removed a figure from loses nothing more when it is replaced. A staging folder may also hold the
 * temporary siblings `.<name>.tmp-<pid>-<n>` of its writer's atomic writes (atomic-write.ts).
 *
 * An old manifest without hashes (entries only) is trusted only for a flat folder of plain files
 * named exactly as listed: its sub-folders' contents were never recorded, so a folder in it (a
 * train report's final/) could hold a user's file and is refused, not deleted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LosslensError } from '../errors.js';
import { JOURNAL, MANIFEST, hashFile, type FileHash, type Manifest } from './report-manifest.js';

/** Why a folder is not (only) losslens' own: the first offending path and what is wrong with it. */
export interface Foreign {
  path: string;
  problem: 'foreign' | 'modified' | 'unrecorded';
}

/** Every entry under `dir` (relative, '/'-separated), sorted, without following links. */
async function walk(dir: string, rel = ''): Promise<{ rel: string; kind: 'file' | 'dir' | 'other' }[]> {
  const out: { rel: string; kind: 'file' | 'dir' | 'other' }[] = [];
  const names = (await fs.readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const d of names) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    const kind = d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other';
    out.push({ rel: r, kind });
    if (kind === 'dir') out.push(...(await walk(dir, r)));
  }
  return out;
}

const TEMP = /^\.(.+)\.tmp-(\d+)-\d+$/;

/** The first path under `dir` that losslens did not write, or undefined when the folder is its own. */
export async function findForeign(dir: string, m: Manifest): Promise<Foreign | undefined> {
  const listed = m.files ?? new Map(m.entries.map((e) => [e, []]));
  const dirs = new Set<string>();
  for (const p of listed.keys()) for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  for (const e of await walk(dir)) {
    if (e.rel === MANIFEST || e.rel === JOURNAL) continue;
    if (e.kind === 'dir') {
      if (!dirs.has(e.rel)) return { path: e.rel, problem: m.files ? 'foreign' : 'unrecorded' };
    } else {
      const problem = await fileProblem(dir, e.rel, e.kind, m, listed);
      if (problem) return { path: e.rel, problem };
    }
  }
  return undefined;
}

/** A file (or other non-folder) is losslens' own when listed with its size and hash, or a temp of its writer. */
async function fileProblem(
  dir: string,
  rel: string,
  kind: 'file' | 'other',
  m: Manifest,
  listed: Map<string, FileHash[]>,
): Promise<Foreign['problem'] | undefined> {
  const want = listed.get(rel);
  if (kind === 'file' && want) {
    if (!m.files) return undefined; // an old manifest: the name is all it recorded
    const st = await fs.lstat(path.join(dir, rel));
    if (!want.some((w) => w.bytes === st.size)) return 'modified';
    const h = await hashFile(path.join(dir, rel));
    return want.some((w) => w.bytes === h.bytes && w.sha256 === h.sha256) ? undefined : 'modified';
  }
  const t = TEMP.exec(path.posix.basename(rel));
  if (!t || kind !== 'file' || !m.staging || t[2] !== String(m.writer?.pid)) return 'foreign';
  const of = path.posix.join(path.posix.dirname(rel), t[1]);
  return listed.has(of) || of === MANIFEST ? undefined : 'foreign';
}

/** One line for a refusal: `<dir>/<path>: <what is wrong>; <what to do>`. */
export function foreignError(dir: string, f: Foreign, what: string, todo: string): LosslensError {
  const words = {
    foreign: 'losslens did not write this',
    modified: 'changed since losslens wrote it',
    unrecorded: `${what} was written by an older losslens that recorded no content hashes, so this sub-folder cannot be told from your own files`,
  }[f.problem];
  return new LosslensError('OUTPUT_EXISTS', `${path.join(dir, f.path)}: ${words}; ${todo}`);
}

/**
 * Remove the files the manifest lists (and, in a staging folder, its writer's temporary files),
 * then the sub-folders left empty, the manifest last and the folder. Call findForeign first: a
 * file that appeared meanwhile is left where it is, with the manifest beside it.
 */
export async function removeOwnTree(dir: string, m: Manifest): Promise<void> {
  const entries = await walk(dir).catch(() => undefined);
  if (!entries) return;
  const listed = m.files ?? new Map(m.entries.map((e) => [e, []]));
  const writerPid = String(m.writer?.pid);
  for (const e of entries) {
    if (e.kind !== 'file' || e.rel === MANIFEST) continue;
    const t = TEMP.exec(path.posix.basename(e.rel));
    if (listed.has(e.rel) || e.rel === JOURNAL || (m.staging && t?.[2] === writerPid)) await fs.rm(path.join(dir, e.rel), { force: true });
  }
  for (const e of entries.filter((x) => x.kind === 'dir').reverse()) await fs.rmdir(path.join(dir, e.rel)).catch(() => undefined);
  const rest = await fs.readdir(dir).catch(() => [MANIFEST, '?']);
  if (rest.length === 1 && rest[0] === MANIFEST) await fs.rm(path.join(dir, MANIFEST), { force: true });
  await fs.rmdir(dir).catch(() => undefined);
}

/** Every file under a staging folder with its hash, for the manifest a commit writes. */
export async function describeTree(dir: string): Promise<{ path: string; bytes: number; sha256: string }[]> {
  const out: { path: string; bytes: number; sha256: string }[] = [];
  for (const e of await walk(dir)) {
    if (e.kind !== 'file' || e.rel === MANIFEST || e.rel === JOURNAL) continue;
    out.push({ path: e.rel, ...(await hashFile(path.join(dir, e.rel))) });
  }
  return out;
}
