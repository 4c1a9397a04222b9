/**
 * Leftovers of report commits cut short by SIGKILL (or a power cut), swept by the next run to
 * the same --out: `<out>.partial-<pid>` staging folders and `<out>.old-<pid>[-i]` old reports
 * moved aside during a --force replace, of processes that are no longer alive.
 *
 * - An old report moved aside whose replacement never landed (`<out>` missing) is moved back:
 *   a replace interrupted at any instant keeps the old report or the new one, never neither.
 * - An old report whose replacement did land, and every staging folder, are removed.
 * Only folders that carry losslens' manifest (or are empty) are touched; a live process's
 * folders and anything else of that name are left alone. Process ids mean something only on
 * their own machine (an --out on a shared network folder may be written from several), so a
 * folder is swept only when its manifest's writer is this host: a staging folder's own
 * manifest, and for an old report the manifest of the new one (staging or landed) of that pid.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Written into every report and staging folder: the top-level entries losslens put there. */
export const MANIFEST = '.losslens-report.json';

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

interface Manifest { tool?: unknown; staging?: unknown; entries?: unknown; writer?: { host?: unknown; pid?: unknown } }

async function manifestOf(dir: string): Promise<Manifest | undefined> {
  try {
    const st = await fs.lstat(path.join(dir, MANIFEST));
    if (!st.isFile() || st.size > 1 << 20) return undefined;
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Remove a folder losslens made, its manifest last: a removal cut short leaves the manifest,
 * so the next sweep still knows the folder for losslens' own.
 */
export async function removeOwnFolder(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => undefined);
  if (!names) return;
  for (const n of names) if (n !== MANIFEST) await fs.rm(path.join(dir, n), { recursive: true, force: true });
  await fs.rm(path.join(dir, MANIFEST), { force: true });
  await fs.rmdir(dir).catch(() => fs.rm(dir, { recursive: true, force: true }));
}

const isEmptyDir = async (dir: string) => (await fs.readdir(dir).catch(() => ['?'])).length === 0;

/** Sweep the dead leftovers next to `out` (see the file comment); returns what it did, for tests. */
export async function sweepStaleStaging(out: string): Promise<{ restored: string[]; removed: string[] }> {
  const done = { restored: [] as string[], removed: [] as string[] };
  const parent = path.dirname(path.resolve(out));
  const base = path.basename(path.resolve(out));
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${esc}\\.(partial|old)-(\\d+)(?:-\\d+)?$`);
  const stale = names
    .map((n) => ({ n, m: re.exec(n) }))
    .filter((e) => e.m && !pidAlive(Number(e.m[2])))
    .map((e) => ({ name: e.n, kind: e.m![1] as 'partial' | 'old', full: path.join(parent, e.n) }));
  // old reports first: one may have to be moved back before staging folders are dropped
  for (const s of stale.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'old' ? -1 : 1))) {
    const st = await fs.lstat(s.full).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    const m = await manifestOf(s.full);
    const ours = m?.tool === 'losslens';
    const host = os.hostname();
    if (s.kind === 'old') {
      if (!ours || m?.staging) continue;
      const target = path.join(parent, base);
      const pid = Number(s.name.slice(base.length).match(/^\.old-(\d+)/)![1]);
      const staged = await manifestOf(path.join(parent, `${base}.partial-${pid}`));
      const landed = await manifestOf(target);
      const mine = staged?.writer?.host === host || (landed?.writer?.host === host && landed.writer.pid === pid);
      if (!mine) continue; // moved aside by a process we cannot tell is dead (another machine?)
      const here = await fs.lstat(target).catch(() => undefined);
      if (!here || (here.isDirectory() && (await isEmptyDir(target)))) {
        if (here) await fs.rmdir(target).catch(() => undefined);
        if (await fs.rename(s.full, target).then(() => true, () => false)) done.restored.push(s.name);
      } else if (here.isDirectory() && (await manifestOf(target))?.tool === 'losslens') {
        await removeOwnFolder(s.full);
        done.removed.push(s.name);
      }
    } else if ((ours && (m?.writer === undefined || m.writer.host === host)) || (await isEmptyDir(s.full))) {
      await removeOwnFolder(s.full);
      done.removed.push(s.name);
    }
  }
  return done;
}
