/**
 * The files a task reads, found and hashed so that a run can be content-addressed and shipped to
 * a worker that does not share the coordinator's file system.
 *
 * An input is every string under a key named `model`, `data`, `x` or `y` in the task config that is
 * an absolute path (the study commands resolve paths before building tasks). Each becomes a tree:
 *   - a model.json (or a folder holding one): model.json plus the weight shards it lists;
 *   - another folder (x.npy + y.npy, an IDX pair): its regular files, not recursing;
 *   - another file (a CSV, an .npy): itself; an IDX images file with its labels file beside it.
 * A tree's hash covers its files' relative names and sha256 digests, so the same bytes at another
 * path (or on another coordinator) give the same hash, and an edited file gives another.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError } from '../../errors.js';
import { IDX_IMAGES, labelsNamesFor } from '../../io/dataset-idx.js';

export const PATH_KEYS = new Set(['model', 'data', 'x', 'y']);
/** Redis strings stop at 512 MiB; beyond this size a file must reach workers through a shared path. */
export const MAX_FILE_BYTES = 256 * 2 ** 20;

export interface TreeFile {
  rel: string;
  sha256: string;
  bytes: number;
  abs: string;
}
export interface InputTree {
  hash: string;
  /** Path of the entry point inside the tree ('' = the tree's folder itself). */
  entry: string;
  files: TreeFile[];
}

/** Every input path of a config (depth-first, de-duplicated). */
export function inputPaths(config: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && PATH_KEYS.has(k) && path.isAbsolute(x)) out.add(x);
        else walk(x);
      }
    }
  };
  walk(config);
  return [...out];
}

/** A copy of `config` with each input path string replaced by `map(path)`. */
export function mapInputPaths(config: unknown, map: (p: string) => string): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' && PATH_KEYS.has(k) && path.isAbsolute(x) ? map(x) : walk(x)]));
  };
  return walk(config);
}

const sha256File = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')));
  });

async function modelFiles(json: string): Promise<string[] | undefined> {
  let parsed: { weightsManifest?: { paths?: unknown }[] };
  try {
    parsed = JSON.parse(await fs.readFile(json, 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed?.weightsManifest)) return undefined;
  const shards = parsed.weightsManifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : []));
  for (const s of shards)
    if (path.isAbsolute(s) || path.normalize(s).startsWith('..')) throw inputError(json, `weight shard path ${s} leaves the model's folder`);
  return [path.basename(json), ...shards.map((s) => path.normalize(s))];
}

/** Relative file names making up the input at `abs`, and the entry point among them. */
async function layout(abs: string): Promise<{ root: string; entry: string; rels: string[] }> {
  const st = await fs.stat(abs).catch(() => undefined);
  if (!st) throw inputError(abs, 'not found');
  if (st.isDirectory()) {
    const inner = path.join(abs, 'model.json');
    const model = (await fs.stat(inner).catch(() => undefined))?.isFile() ? await modelFiles(inner) : undefined;
    if (model) return { root: abs, entry: '', rels: model };
    const rels = await folderFiles(abs);
    if (rels.length === 0) throw inputError(abs, 'the folder holds no data files to send to the workers');
    return { root: abs, entry: '', rels };
  }
  const root = path.dirname(abs);
  const model = abs.endsWith('.json') ? await modelFiles(abs) : undefined;
  return { root, entry: path.basename(abs), rels: model ?? [path.basename(abs), ...(await idxLabelsBeside(abs))] };
}

/** An IDX images file's labels file, which the loader finds next to it by MNIST's naming (none for other files). */
async function idxLabelsBeside(abs: string): Promise<string[]> {
  const name = path.basename(abs);
  if (!IDX_IMAGES.test(name)) return [];
  for (const rel of labelsNamesFor(name)) if ((await fs.stat(path.join(path.dirname(abs), rel)).catch(() => undefined))?.isFile()) return [rel];
  return [];
}

/** The plain files of a dataset folder (symbolic links followed, as the local loader reads them), hidden ones skipped. */
async function folderFiles(dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  const isFile = await Promise.all(
    names.map((n) =>
      fs.stat(path.join(dir, n)).then(
        (st) => st.isFile(),
        () => false,
      ),
    ),
  );
  return names.filter((_, i) => isFile[i]);
}

const memo = new Map<string, Promise<InputTree>>();

/** The tree of one input path; hashed once per (path, size, mtime) in this process. */
export async function inputTree(abs: string): Promise<InputTree> {
  const st = await fs.stat(abs).catch(() => undefined);
  const key = `${abs}\0${st?.size}\0${st?.mtimeMs}`;
  if (!memo.has(key)) {
    const p = buildTree(abs);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return memo.get(key)!;
}

async function buildTree(abs: string): Promise<InputTree> {
  const { root, entry, rels } = await layout(abs);
  const files: TreeFile[] = [];
  for (const rel of [...new Set(rels)].sort()) {
    const file = path.join(root, rel);
    const st = await fs.stat(file).catch(() => undefined);
    if (!st?.isFile()) throw inputError(file, 'not found (listed by the task input)');
    if (st.size > MAX_FILE_BYTES)
      throw inputError(
        file,
        `${(st.size / 2 ** 20).toFixed(0)} MiB is too large to ship through Redis (at most ${MAX_FILE_BYTES / 2 ** 20} MiB a file); put the data on a path every worker can read and pass --shared-fs`,
      );
    files.push({ rel, sha256: await sha256File(file), bytes: st.size, abs: file });
  }
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.rel}\0${f.sha256}\n`);
  return { hash: h.digest('hex'), entry, files };
}
