/**
 * The manifest losslens writes into every report and staging folder, so that it deletes or
 * replaces only what it wrote itself: every file, at any depth, by its path and content hash.
 *
 *   report:  .losslens-report.json  {tool, writer, entries, files: [{path, bytes, sha256}]}
 *   staging: .losslens-report.json  {tool, staging: true, writer, entries: [], journal}
 *            .losslens-journal.jsonl one {path, bytes, sha256} line per file, appended and fsynced
 *                                    BEFORE the file is written (a write-ahead log: a staging
 *                                    folder cut short holds a subset of what its journal lists)
 *
 * `entries` (the top-level names) is kept for readers of older versions. A manifest written
 * before hashes were recorded has `entries` only: `files` is then undefined and owned-tree.ts
 * accepts such a folder only when it holds plain files of exactly those names (see there).
 * Manifests are read as untrusted input: bounded in size, every path relative and normalised.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';

export const MANIFEST = '.losslens-report.json';
export const JOURNAL = '.losslens-journal.jsonl';
/** Large enough for tens of thousands of files; a bigger "manifest" is not one of ours. */
const MAX_MANIFEST_BYTES = 16 << 20;

export interface FileHash {
  bytes: number;
  sha256: string;
}
export interface Manifest {
  staging: boolean;
  writer?: { host?: unknown; pid?: unknown };
  entries: string[];
  /** Path ('/'-separated, relative) → the contents losslens wrote there; undefined: an old manifest. */
  files?: Map<string, FileHash[]>;
}

export const hashBytes = (data: Uint8Array | string): FileHash => ({
  bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
  sha256: createHash('sha256').update(data).digest('hex'),
});

export async function hashFile(file: string): Promise<FileHash> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { bytes, sha256: h.digest('hex') };
}

/** A safe relative path: '/'-separated, no empty, '.' or '..' part, not absolute, not the manifest. */
export function safeRel(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.length > 4096 || p.includes('\0') || p.includes('\\')) return false;
  const parts = p.split('/');
  return parts.every((s) => s !== '' && s !== '.' && s !== '..') && p !== MANIFEST && p !== JOURNAL;
}

const fileHash = (e: unknown): (FileHash & { path: string }) | undefined => {
  const o = e as { path?: unknown; bytes?: unknown; sha256?: unknown } | null;
  if (!o || typeof o !== 'object' || !safeRel(o.path)) return undefined;
  if (!Number.isSafeInteger(o.bytes) || (o.bytes as number) < 0 || typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) return undefined;
  return { path: o.path, bytes: o.bytes as number, sha256: o.sha256 };
};

async function readBounded(file: string): Promise<string | undefined> {
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > MAX_MANIFEST_BYTES) return undefined;
  return fs.readFile(file, 'utf8').catch(() => undefined);
}

/** The manifest of `dir`, validated; undefined when there is none or it is not a losslens one. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  const text = await readBounded(path.join(dir, MANIFEST));
  let m: { tool?: unknown; staging?: unknown; writer?: unknown; entries?: unknown; files?: unknown; journal?: unknown };
  try {
    m = JSON.parse(text ?? 'null');
  } catch {
    return undefined;
  }
  if (!m || typeof m !== 'object' || m.tool !== 'losslens' || !Array.isArray(m.entries)) return undefined;
  if (!m.entries.every((e) => typeof e === 'string' && safeRel(e) && !e.includes('/'))) return undefined;
  const writer = m.writer && typeof m.writer === 'object' ? (m.writer as Manifest['writer']) : undefined;
  const out: Manifest = { staging: m.staging === true, writer, entries: m.entries as string[] };
  let list: unknown[] | undefined;
  if (Array.isArray(m.files)) list = m.files;
  else if (m.journal === JOURNAL) list = journalLines((await readBounded(path.join(dir, JOURNAL))) ?? '');
  if (list === undefined) return out;
  out.files = filesOf(list);
  return out.files ? out : undefined; // a manifest with one bad entry is not trusted at all
}

function filesOf(list: unknown[]): Map<string, FileHash[]> | undefined {
  const files = new Map<string, FileHash[]>();
  for (const e of list) {
    const f = fileHash(e);
    if (!f) return undefined;
    files.set(f.path, [...(files.get(f.path) ?? []), { bytes: f.bytes, sha256: f.sha256 }]);
  }
  return files;
}

/** The journal's complete lines; a last line torn by a crash mid-append is dropped. */
function journalLines(text: string): unknown[] {
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': empty, or a torn line
  const out: unknown[] = [];
  for (const l of lines) {
    try {
      out.push(JSON.parse(l));
    } catch {
      out.push(undefined); // a bad complete line: the journal is not ours
    }
  }
  return out;
}

/** Append one file's path and hash to a staging folder's journal and fsync it (before writing the file). */
export async function appendJournal(staging: string, rel: string, hash: FileHash): Promise<void> {
  const h = await fs.open(path.join(staging, JOURNAL), 'a');
  try {
    await h.writeFile(`${JSON.stringify({ path: rel, ...hash })}\n`);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** The body of a staging folder's manifest (its files are in the journal). */
export const stagingManifest = (writer: { host: string; pid: number }) => ({ tool: 'losslens', staging: true, writer, entries: [], journal: JOURNAL });
