/**
 * Which file a `/files/…` request may read: only a regular file inside the watched folder, after symlinks are
 * resolved (a link that points out of the folder is refused like `..`). No directory is ever listed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The file to serve, or the HTTP status that refuses the request (400 bad path, 403 outside the folder, 404 none). */
export type Resolved = { file: string; size: number } | { status: 400 | 403 | 404 };

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** `rel` (the URL path after `/files/`, still percent-encoded) resolved under `realRoot` (the folder's realpath). */
export async function resolveInside(realRoot: string, rel: string): Promise<Resolved> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  const wanted = path.resolve(realRoot, decoded);
  if (!inside(realRoot, wanted)) return { status: 403 };
  let real: string;
  try {
    real = await fs.realpath(wanted);
  } catch {
    return { status: 404 };
  }
  if (!inside(realRoot, real)) return { status: 403 };
  const st = await fs.stat(real);
  return st.isFile() ? { file: real, size: st.size } : { status: 404 };
}

/** Hosts a request may name (a DNS-rebinding guard: a page from another origin cannot send these). */
export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/** Whether a Host header names this server on a loopback name (with its port, when it has one). */
export function loopbackHost(header: string | undefined, port: number): boolean {
  if (!header) return false;
  const m = /^(\[::1\]|127\.0\.0\.1|localhost)(?::(\d+))?$/i.exec(header.trim());
  return !!m && (m[2] === undefined ? port === 80 : Number(m[2]) === port);
}
