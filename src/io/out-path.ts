/**
 * Checks on an output path before anything is created there, so that a bad --out fails at
 * once with one line (exit 2) instead of hanging or failing after the whole run: not empty,
 * not a symbolic link, not on a system (pseudo) filesystem such as /proc, /sys or /dev (writes
 * there hang or mean something else; tmpfs, /tmp and /dev/shm included, is fine: pseudo-fs.ts),
 * names short enough for the staging siblings, and a nearest existing ancestor that is a folder
 * we may write into.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { optionError, type LosslensError } from '../errors.js';
import { isPseudoFolder } from './pseudo-fs.js';

/** Longest file name component most filesystems allow (bytes). */
const NAME_MAX = 255;
/** Room for the longest sibling we create: `.old-<pid>-<i>` (pid ≤ 2^22, i small). */
const SIBLING_ROOM = 24;
const PATH_MAX = 4000;

const bad = (out: string, problem: string): LosslensError => optionError('out', `${out}: ${problem}`);

/** Throw a one-line `--out` error unless `out` is a usable place for a report or study folder. */
export async function checkOutPath(out: string): Promise<void> {
  if (out.trim() === '') throw optionError('out', 'must not be empty');
  const abs = path.resolve(out);
  if (abs.length > PATH_MAX) throw bad(out, `path is ${abs.length} characters long; the limit is ${PATH_MAX}`);
  const base = path.basename(abs);
  if (Buffer.byteLength(base) + SIBLING_ROOM > NAME_MAX) {
    throw bad(out, `folder name is ${Buffer.byteLength(base)} bytes long; at most ${NAME_MAX - SIBLING_ROOM} are allowed (choose a shorter --out)`);
  }
  for (const part of abs.split(path.sep)) {
    if (Buffer.byteLength(part) > NAME_MAX) throw bad(out, `a path component is longer than ${NAME_MAX} bytes`);
  }
  const own = await fs.lstat(abs).catch(() => undefined);
  if (own?.isSymbolicLink()) throw bad(out, 'is a symbolic link; give the folder it points to, or another --out');
  if (own && !own.isDirectory()) throw bad(out, 'exists and is not a folder; choose another --out');
  const anc = await nearestExisting(path.dirname(abs));
  if (!anc.isDir) throw bad(out, `${anc.path} is not a folder, so nothing can be created under it`);
  const real = await fs.realpath(anc.path).catch(() => anc.path);
  if (await isPseudoFolder(real)) throw bad(out, `${real} is a system (pseudo) filesystem; write reports to an ordinary folder`);
  const writable = await fs.access(anc.path, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  );
  if (!writable) throw bad(out, `cannot create folders in ${anc.path} (permission denied)`);
}

async function nearestExisting(p: string): Promise<{ path: string; isDir: boolean }> {
  for (let cur = p; ; cur = path.dirname(cur)) {
    const st = await fs.stat(cur).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : null));
    if (st === null) return { path: cur, isDir: false }; // ENOTDIR / ELOOP / EACCES: not a usable folder
    if (st) return { path: cur, isDir: st.isDirectory() };
    if (path.dirname(cur) === cur) return { path: cur, isDir: false };
  }
}

/** A one-line `--out` error for a failed mkdir/rename/write under `out` (errno → words). */
export function outFsError(out: string, err: unknown): LosslensError {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'error';
  const words: Record<string, string> = {
    ENOTDIR: 'a parent of it is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the filesystem is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
    EEXIST: 'a file of that name appeared meanwhile',
  };
  return bad(out, `cannot write the output folder: ${words[code] ?? code} (${code})`);
}
