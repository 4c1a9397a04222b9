/**
 * Leftovers of report commits cut short by SIGKILL (or a power cut), swept by the next run to
 * the same --out: `<out>.partial-<pid>` staging folders and `<out>.old-<pid>[-i]` old reports
 * moved aside during a --force replace, of processes that are no longer alive.
 *
 * - An old report moved aside whose replacement never landed (`<out>` missing) is moved back:
 *   a replace interrupted at any instant keeps the old report or the new one, never neither.
 * - An old report whose replacement did land, and every staging folder, are removed.
 * Only folders that carry losslens' manifest (or are empty) are touched, and one is removed only
 * when it holds nothing but the files its manifest lists, unchanged by content hash, at any depth
 * (owned-tree.ts); a user's file in it, or an edited one, makes the run refuse with that path
 * named (exit 2) and nothing deleted. A live process's folders and anything else of that name
 * are left alone. Process ids mean something only on
 * their own machine (an --out on a shared network folder may be written from several), so a
 * folder is swept only when its manifest's writer is this host: a staging folder's own
 * manifest, and for an old report the manifest of the new one (staging or landed) of that pid.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findForeign, foreignError, removeOwnTree } from './owned-tree.js';
import { MANIFEST, readManifest, type Manifest } from './report-manifest.js';

export { MANIFEST };

/** True while a process with this id exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who wrote a staging folder or report: recorded in its manifest. */
export function writerStamp(): { host: string; pid: number } {
  return { host: os.hostname(), pid: process.pid };
}

/**
 * Remove a folder this process made for itself (its own staging folder, created this run), its
 * manifest last: a removal cut short leaves the manifest, so the next sweep still knows the
 * folder for losslens' own.
 */
export async function removeOwnFolder(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => undefined);
  if (!names) return;
  for (const n of names) if (n !== MANIFEST) await fs.rm(path.join(dir, n), { recursive: true, force: true });
  await fs.rm(path.join(dir, MANIFEST), { force: true });
  await fs.rmdir(dir).catch(() => fs.rm(dir, { recursive: true, force: true }));
}

const isEmptyDir = async (dir: string) => (await fs.readdir(dir).catch(() => ['?'])).length === 0;

/**
 * Remove a dead run's folder only when it holds nothing but what losslens wrote (owned-tree.ts);
 * otherwise refuse the run with one line naming the path, so the user's file is neither deleted
 * nor left silently in a folder losslens would otherwise sweep.
 */
export async function removeIfOwn(dir: string, m: Manifest, what: string): Promise<void> {
  const f = await findForeign(dir, m);
  if (f) throw foreignError(dir, f, what, `move it out of ${dir} and delete that folder, or choose another --out (losslens refuses to delete it)`);
  await removeOwnTree(dir, m);
}

/**
 * Clear the way for this process's staging folder: one of the same name was left by a dead
 * process that had this pid before, so it is removed on the same terms as in the sweep.
 */
export async function clearOwnStagingName(staging: string): Promise<void> {
  const st = await fs.lstat(staging).catch(() => undefined);
  if (!st) return;
  const m = st.isDirectory() ? await readManifest(staging) : undefined;
  if (st.isDirectory() && (await isEmptyDir(staging))) await fs.rmdir(staging);
  else if (m) await removeIfOwn(staging, m, 'this staging folder');
  else throw foreignError(staging, { path: '', problem: 'foreign' }, '', 'move it away or choose another --out');
}

type Swept = { restored: string[]; removed: string[] };
interface Stale {
  name: string;
  kind: 'partial' | 'old';
  full: string;
}

/** Sweep the dead leftovers next to `out` (see the file comment); returns what it did, for tests. */
export async function sweepStaleStaging(out: string): Promise<Swept> {
  const done: Swept = { restored: [], removed: [] };
  const parent = path.dirname(path.resolve(out));
  const base = path.basename(path.resolve(out));
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${esc}\\.(partial|old)-(\\d+)(?:-\\d+)?$`);
  const stale: Stale[] = names
    .map((n) => ({ n, m: re.exec(n) }))
    .filter((e) => e.m && !pidAlive(Number(e.m[2])))
    .map((e) => ({ name: e.n, kind: e.m![1] as 'partial' | 'old', full: path.join(parent, e.n) }));
  // old reports first: one may have to be moved back before staging folders are dropped
  for (const s of stale.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'old' ? -1 : 1))) {
    const st = await fs.lstat(s.full).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    const m = await readManifest(s.full);
    if (s.kind === 'old') {
      if (m && !m.staging) await sweepOldReport(s, m, path.join(parent, base), done);
    } else if (await isEmptyDir(s.full)) {
      await fs.rmdir(s.full).catch(() => undefined);
      done.removed.push(s.name);
    } else if (m && (m.writer === undefined || m.writer.host === os.hostname())) {
      await removeIfOwn(s.full, m, 'this staging folder');
      done.removed.push(s.name);
    }
  }
  return done;
}

/** An old report moved aside by a dead process: back to `target` if its replacement never landed, else removed. */
async function sweepOldReport(s: Stale, m: Manifest, target: string, done: Swept): Promise<void> {
  const host = os.hostname();
  const pid = Number(/\.old-(\d+)(?:-\d+)?$/.exec(s.name)![1]);
  const staged = await readManifest(`${target}.partial-${pid}`);
  const landed = await readManifest(target);
  const mine = staged?.writer?.host === host || (landed?.writer?.host === host && landed.writer.pid === pid);
  if (!mine) return; // moved aside by a process we cannot tell is dead (another machine?)
  const here = await fs.lstat(target).catch(() => undefined);
  if (!here || (here.isDirectory() && (await isEmptyDir(target)))) {
    if (here) await fs.rmdir(target).catch(() => undefined);
    if (
      await fs.rename(s.full, target).then(
        () => true,
        () => false,
      )
    )
      done.restored.push(s.name);
  } else if (here.isDirectory() && landed) {
    await removeIfOwn(s.full, m, 'this old report');
    done.removed.push(s.name);
  }
}
