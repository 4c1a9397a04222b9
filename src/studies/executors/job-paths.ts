/**
 * Every path a queue job names, confined. A job ships its inputs as trees: a tree key must be the
 * sha256 of its listing (so it names content, never a folder), every file name in it a short
 * normalised relative path, and the config may point only at those trees. A job that ships no
 * trees reads local paths, which the worker allows only under its `--shared-fs` root (resolved
 * with realpath, so no symbolic link leads out). Anything else is refused before any file is touched.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LosslensError } from '../../errors.js';
import { MAX_FILE_BYTES, PATH_KEYS } from './input-trees.js';
import { parseTreeRef, type WireFile } from './run-job.js';

export const SHA256 = /^[0-9a-f]{64}$/;
const MAX_REL = 256;
const MAX_DEPTH = 8;

const refuse = (problem: string) => new LosslensError('BAD_INPUT', `job refused: ${problem}`);

/** A file name inside a tree: relative, normalised, no '..' or hidden segment, bounded. */
export function checkRel(rel: unknown): string {
  if (typeof rel !== 'string' || rel === '' || rel.length > MAX_REL) throw refuse(`a file name must be a string of 1 to ${MAX_REL} characters`);
  const segs = rel.split('/');
  // oxlint-disable-next-line no-control-regex -- control characters are what is refused
  const control = /[\\\u0000-\u001f\u007f]/.test(rel);
  const bad =
    control || path.posix.isAbsolute(rel) || path.posix.normalize(rel) !== rel || segs.length > MAX_DEPTH || segs.some((s) => s === '' || s.startsWith('.'));
  if (bad) throw refuse(`file name ${JSON.stringify(rel.slice(0, 80))} is not a plain relative path inside its tree`);
  return rel;
}

export interface TreeLimits {
  maxFiles: number;
  maxBytes: number;
}

/** Check a job's trees: keys are the hashes of their listings; returns the files and declared bytes in all. */
export function checkTrees(trees: unknown, limits: TreeLimits): { files: number; bytes: number } {
  if (!trees || typeof trees !== 'object' || Array.isArray(trees)) throw refuse('trees must be an object of file lists');
  let files = 0;
  let bytes = 0;
  for (const [hash, list] of Object.entries(trees)) {
    if (!SHA256.test(hash)) throw refuse(`tree key ${JSON.stringify(hash.slice(0, 80))} is not a sha256 digest`);
    if (!Array.isArray(list) || list.length === 0) throw refuse(`tree ${hash.slice(0, 12)}… lists no files`);
    files += list.length;
    if (files > limits.maxFiles) throw refuse(`more than ${limits.maxFiles} input files`);
    bytes += checkListing(hash, list);
  }
  if (bytes > limits.maxBytes) throw refuse(`its inputs declare ${bytes} bytes; this worker's cache holds at most ${limits.maxBytes} (--cache-max-bytes)`);
  return { files, bytes };
}

/** One tree's files: names, digests and sizes well formed, no name twice, `hash` their digest. */
function checkListing(hash: string, list: Partial<WireFile>[]): number {
  const rels = new Set<string>();
  const h = createHash('sha256');
  let bytes = 0;
  for (const f of list) {
    const rel = checkRel(f?.rel);
    if (rels.has(rel)) throw refuse(`tree ${hash.slice(0, 12)}… lists ${rel} twice`);
    rels.add(rel);
    if (typeof f.sha256 !== 'string' || !SHA256.test(f.sha256)) throw refuse(`blob name of ${rel} is not a sha256 digest`);
    if (!(Number.isInteger(f.bytes) && f.bytes! >= 0 && f.bytes! <= MAX_FILE_BYTES)) throw refuse(`${rel}: size must be an integer in [0, ${MAX_FILE_BYTES}]`);
    bytes += f.bytes!;
    h.update(`${rel}\0${f.sha256}\n`);
  }
  for (const r of rels) if (segmentsAbove(r).some((d) => rels.has(d))) throw refuse(`tree ${hash.slice(0, 12)}… uses ${r} both as a file and a folder`);
  if (h.digest('hex') !== hash) throw refuse(`tree key ${hash.slice(0, 12)}… is not the hash of its file list`);
  return bytes;
}

const segmentsAbove = (rel: string) =>
  rel
    .split('/')
    .slice(0, -1)
    .map((_, i, a) => a.slice(0, i + 1).join('/'));

/** Map every path string of `config` (under a model/data/x/y key) with `map`; other strings stay. */
async function mapPaths(config: unknown, map: (p: string, key: string) => Promise<string>): Promise<unknown> {
  const walk = async (v: unknown, key?: string): Promise<unknown> => {
    if (typeof v === 'string') return key !== undefined && PATH_KEYS.has(key) ? map(v, key) : v;
    if (Array.isArray(v)) return Promise.all(v.map((x) => walk(x, key)));
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await walk(x, k);
    return out;
  };
  return walk(config);
}

/** Trees mode: every path is `tree:<hash>/<entry>` of a tree this job lists; → its local path. */
export function treePaths(config: unknown, trees: Record<string, WireFile[]>, dirs: Map<string, string>): Promise<unknown> {
  return mapPaths(config, async (s, key) => {
    const ref = parseTreeRef(s);
    if (!ref || !Object.hasOwn(trees, ref[0])) throw refuse(`config.${key} is not one of the job's input trees`);
    const [hash, entry] = ref;
    if (entry !== '' && !trees[hash].some((f) => f.rel === checkRel(entry))) throw refuse(`config.${key} names a file its tree does not list`);
    return entry ? path.join(dirs.get(hash)!, entry) : dirs.get(hash)!;
  });
}

/** Shared file system mode: every path, resolved with realpath, must lie under `root` (a realpath). */
export function sharedPaths(config: unknown, root: string | undefined): Promise<unknown> {
  return mapPaths(config, async (s, key) => {
    if (!root) throw refuse('it ships no input trees and this worker reads no local paths (start it with --shared-fs ROOT to allow that)');
    if (!path.isAbsolute(s)) throw refuse(`config.${key} is not an absolute path`);
    const real = await fs.realpath(s).catch(() => undefined);
    const inside = real !== undefined && (real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
    if (!inside) throw refuse(`config.${key} is not a readable path under this worker's --shared-fs root`);
    return real;
  });
}
