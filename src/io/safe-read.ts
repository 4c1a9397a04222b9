/**
 * Bounded, type-checked reads of files an untrusted model or dataset names. A file is read only
 * when it is a regular file (no FIFO, device, socket or folder: reading those blocks forever or
 * never ends), its size is known and within a limit before a byte is read, and — for files a
 * model.json names — it does not leave the model's folder through a symbolic link. Messages
 * name the file as given and never disclose the target of a link. Arrays (.npy, IDX, gzipped
 * or not) are not read whole here but streamed by array-stream.ts.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';

/** Node cannot hold one file of more than 2 GiB in a Buffer read; losslens' default limit. */
export const MAX_READ_BYTES = 2 ** 31 - 1;

export interface SafeReadOptions {
  /** Refuse a file larger than this many bytes (default MAX_READ_BYTES). */
  maxBytes?: number;
  /** The real path must lie inside this folder (symbolic links out of it are refused). */
  within?: string;
  /** How to call the file in messages, e.g. "weight shard" (default "file"). */
  what?: string;
  /** Name used in messages instead of the path itself (e.g. the model.json that names it). */
  label?: string;
  /** Advice added to the size-limit message. */
  remedy?: string;
}

const human = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${b} bytes`);

/** Describe a non-regular file's kind in a word. */
function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Check `file` as {@link safeReadFile} would, without reading it; returns its size in bytes. */
export async function checkReadable(file: string, opts: SafeReadOptions = {}): Promise<number> {
  const label = opts.label ?? file;
  const what = opts.what ?? 'file';
  const lst = await fs.lstat(file).catch((err: NodeJS.ErrnoException) => {
    throw inputError(label, `${what} ${err.code === 'ENOENT' ? 'not found' : `cannot be read (${err.code ?? 'error'})`}`, err);
  });
  let real = file;
  if (lst.isSymbolicLink()) {
    real = await fs.realpath(file).catch((err) => {
      throw inputError(label, `${what} is a broken symbolic link`, err);
    });
  }
  if (opts.within !== undefined) {
    const root = await fs.realpath(opts.within).catch(() => path.resolve(opts.within!));
    const target = lst.isSymbolicLink() ? real : await fs.realpath(file).catch(() => path.resolve(file));
    const rel = path.relative(root, target);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw inputError(label, `${what} is a symbolic link that leaves the model's folder; copy the file into the folder instead`);
    }
  }
  const st = await fs.stat(real).catch((err: NodeJS.ErrnoException) => {
    throw inputError(label, `${what} cannot be read (${err.code ?? 'error'})`, err);
  });
  if (!st.isFile()) throw inputError(label, `${what} is ${kindOf(st)}, not a regular file`);
  const max = opts.maxBytes ?? MAX_READ_BYTES;
  if (st.size > max) {
    throw inputError(label, `${what} is ${human(st.size)}; losslens reads at most ${human(max)} per file${opts.remedy ? ` (${opts.remedy})` : ''}`);
  }
  return st.size;
}

/** Read a whole regular file within the limits of `opts` (see the file comment). */
export async function safeReadFile(file: string, opts: SafeReadOptions = {}): Promise<Buffer> {
  const label = opts.label ?? file;
  const what = opts.what ?? 'file';
  const size = await checkReadable(file, opts);
  // O_NONBLOCK: should a FIFO be swapped in after the check, open() does not hang on it
  const h = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw inputError(label, `${what} cannot be opened (${err.code ?? 'error'})`, err);
  });
  try {
    const st = await h.stat();
    if (!st.isFile() || st.size !== size) throw inputError(label, `${what} changed while it was being read`);
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await h.read(buf, off, size - off, off);
      if (bytesRead === 0) throw inputError(label, `${what} is shorter than its size said (changed while being read)`);
      off += bytesRead;
    }
    return buf;
  } finally {
    await h.close();
  }
}

/** True when the bytes start with the gzip magic number. */
export const isGzip = (b: Uint8Array) => b.byteLength >= 2 && b[0] === 0x1f && b[1] === 0x8b;
