/**
 * Content-addressed blobs in Redis: `<prefix>:blob:<sha256>` holds input files (checkpoints,
 * datasets; uploaded once, kept until removed by hand), `<prefix>:out:<sha256>` run attachments
 * (kept `OUTPUT_TTL_S`, long enough for a coordinator to come back and collect them).
 *
 * A worker materialises an input tree under its cache folder once: files are fetched, checked
 * against their digest, written into a private temporary folder and renamed into place whole, so
 * a concurrent or killed download never leaves a half tree that looks complete.
 * Nothing is ever written outside the cache folder, whatever a job names.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { LosslensError } from '../../errors.js';
import type { InputTree } from './input-trees.js';
import { COMPLETE, type CacheQuota } from './cache-quota.js';
import { checkRel, SHA256 } from './job-paths.js';
import type { WireFile } from './run-job.js';

export const OUTPUT_TTL_S = 7 * 24 * 3600;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Upload the files of `trees` that Redis does not hold yet; returns the bytes sent. */
export async function uploadTrees(redis: Redis, prefix: string, trees: InputTree[]): Promise<number> {
  const files = new Map<string, string>();
  for (const t of trees) for (const f of t.files) files.set(f.sha256, f.abs);
  let sent = 0;
  for (const [digest, abs] of files) {
    const key = `${prefix}:blob:${digest}`;
    if (await redis.exists(key)) continue;
    const buf = await fs.readFile(abs);
    if (sha(buf) !== digest) throw new LosslensError('BAD_INPUT', `${abs}: changed while the study was being submitted; re-run`);
    await redis.set(key, buf, 'NX');
    sent += buf.byteLength;
  }
  return sent;
}

/** Store attachments as output blobs; returns their references. */
export async function putAttachments(
  redis: Redis,
  prefix: string,
  atts: Record<string, Float32Array>,
): Promise<Record<string, { sha256: string; length: number }>> {
  const refs: Record<string, { sha256: string; length: number }> = {};
  for (const [name, a] of Object.entries(atts)) {
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const digest = sha(bytes);
    await redis.set(`${prefix}:out:${digest}`, bytes, 'EX', OUTPUT_TTL_S);
    refs[name] = { sha256: digest, length: a.length };
  }
  return refs;
}

/** Fetch attachments; undefined when one has expired or was evicted (the run must be redone). */
export async function getAttachments(
  redis: Redis,
  prefix: string,
  refs: Record<string, { sha256: string; length: number }>,
): Promise<Record<string, Float32Array> | undefined> {
  const out: Record<string, Float32Array> = {};
  for (const [name, r] of Object.entries(refs)) {
    const buf = await redis.getBuffer(`${prefix}:out:${r.sha256}`);
    if (!buf || buf.byteLength !== r.length * 4 || sha(buf) !== r.sha256) return undefined;
    const a = new Float32Array(r.length);
    new Uint8Array(a.buffer).set(buf);
    out[name] = a;
  }
  return out;
}

const inFlight = new Map<string, Promise<string>>();

/**
 * The local folder holding tree `hash` (downloaded on first use). The caller has checked the
 * tree (job-paths.ts: `hash` is the digest of `files`, names are plain relative paths); here every
 * final path is verified to lie inside the cache, each blob's size is read before the blob, and
 * the cache quota makes room first.
 */
export function materialiseTree(redis: Redis, prefix: string, quota: CacheQuota, hash: string, files: WireFile[]): Promise<string> {
  if (!SHA256.test(hash)) throw new LosslensError('BAD_INPUT', 'job refused: a tree key is not a sha256 digest');
  const dest = path.join(quota.dir, hash);
  if (!inFlight.has(dest)) {
    const p = download(redis, prefix, quota, hash, files);
    inFlight.set(dest, p);
    void p.then(
      () => inFlight.delete(dest),
      () => inFlight.delete(dest),
    );
  }
  return inFlight.get(dest)!;
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

async function download(redis: Redis, prefix: string, quota: CacheQuota, hash: string, files: WireFile[]): Promise<string> {
  const cacheDir = path.resolve(quota.dir);
  const dest = path.join(cacheDir, hash);
  if (await exists(path.join(dest, COMPLETE))) {
    await quota.touch(hash);
    return dest;
  }
  const bytes = files.reduce((a, f) => a + f.bytes, 0);
  const release = await quota.reserve(bytes);
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.tmp-${hash.slice(0, 16)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    for (const f of files) {
      const file = path.resolve(tmp, checkRel(f.rel));
      if (!file.startsWith(tmp + path.sep)) throw new LosslensError('BAD_INPUT', `job refused: input file name ${f.rel} leaves its folder`);
      const key = `${prefix}:blob:${f.sha256}`;
      const size = await redis.strlen(key);
      if (size === 0 && !(await redis.exists(key)))
        throw new LosslensError('BAD_INPUT', `input ${f.rel} (sha256 ${f.sha256.slice(0, 12)}…) is not in Redis; re-run the study command to upload it again`);
      if (size !== f.bytes) throw new LosslensError('BAD_INPUT', `input ${f.rel} in Redis holds ${size} bytes, not the ${f.bytes} its job declares`);
      const buf = await redis.getBuffer(key);
      if (!buf || sha(buf) !== f.sha256) throw new LosslensError('BAD_INPUT', `input ${f.rel} in Redis does not match its sha256`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, buf, { flag: 'wx' });
    }
    await fs.writeFile(path.join(tmp, COMPLETE), JSON.stringify({ bytes }));
    await fs.rename(tmp, dest).catch(async (err) => {
      if (!(await exists(path.join(dest, COMPLETE)))) throw err;
    });
    return dest;
  } finally {
    release();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
