/**
 * What travels through the queue for one run, and the run's content address.
 *
 * Job data: the task with each input path replaced by `tree:<hash>/<entry>` and the trees' file
 * lists (blobs in Redis), or with the paths kept as they are under `sharedFs`. Return value: the
 * handler's JSON result plus references to its attachments (blobs in Redis). Both are JSON text in
 * which non-finite numbers survive (a diverged run's NaN loss must not come back as null).
 */
import { configHash } from '../study-folder.js';
import { VERSION } from '../../version.js';
import type { RunTask } from '../types.js';
import { inputPaths, inputTree, mapInputPaths, type InputTree } from './input-trees.js';

export interface WireFile {
  rel: string;
  sha256: string;
  bytes: number;
}
export interface RunJobData {
  /** The task's readable id (the result file name in the study folder). */
  id: string;
  handler: string;
  kind: string;
  config: unknown;
  /** losslens version of the coordinator (part of the run's address; a worker must match it). */
  version: string;
  /** Input trees by hash; absent when workers read the coordinator's paths (shared file system). */
  trees?: Record<string, WireFile[]>;
  /**
   * The coordinator's native kernel threads, applied by the worker before the handler runs (the
   * count picks the convolutions' form, so the bits): part of the run's address. Absent where the
   * coordinator has no native kernels; the worker's thread then keeps its own.
   */
  nativeThreads?: number;
}
export interface RunJobReturn {
  /** The handler returned a plain result, not a TaskOutput (so no attachments). */
  plain: boolean;
  result: unknown;
  attachments: Record<string, { sha256: string; length: number }>;
  elapsedMs: number;
  worker: string;
}

const TREE = 'tree:';
export const treeRef = (t: InputTree) => `${TREE}${t.hash}${t.entry ? `/${t.entry}` : ''}`;
/** `tree:<hash>/<entry>` → [hash, entry]; undefined for any other string. */
export function parseTreeRef(s: string): [string, string] | undefined {
  if (!s.startsWith(TREE)) return undefined;
  const [hash, ...rest] = s.slice(TREE.length).split('/');
  return /^[0-9a-f]{64}$/.test(hash) ? [hash, rest.join('/')] : undefined;
}

export interface PreparedRun {
  jobId: string;
  data: RunJobData;
  trees: InputTree[];
}

/**
 * The content address of a run: sha256 over the handler, kind, config with every input path
 * replaced by its tree hash (seeds and options are in the config), the native thread count and the
 * losslens version. It is the BullMQ job id, so the same run submitted twice (or by two
 * coordinators on the same thread count) is one job; another count is another run.
 */
export async function prepareRun(task: RunTask, handler: string, sharedFs: boolean, nativeThreads?: number): Promise<PreparedRun> {
  const trees = new Map<string, InputTree>();
  for (const p of inputPaths(task.config)) trees.set(p, await inputTree(p));
  const addressed = mapInputPaths(task.config, (p) => treeRef(trees.get(p)!));
  const key = configHash({ losslens: VERSION, handler, kind: task.kind, config: addressed, nativeThreads });
  const data: RunJobData = { id: task.id, handler, kind: task.kind, config: sharedFs ? task.config : addressed, version: VERSION };
  if (nativeThreads !== undefined) data.nativeThreads = nativeThreads;
  if (!sharedFs) data.trees = Object.fromEntries([...trees.values()].map((t) => [t.hash, t.files.map(({ rel, sha256, bytes }) => ({ rel, sha256, bytes }))]));
  return { jobId: `run-${key}`, data, trees: [...trees.values()] };
}

/** JSON text in which NaN and ±Infinity survive (as {"$num": "NaN"} objects). */
export const encodeJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? { $num: String(x) } : x));
export const decodeJson = (s: string): unknown =>
  JSON.parse(s, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.$num === 'string' ? Number(x.$num) : x));
