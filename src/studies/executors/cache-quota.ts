/**
 * The worker cache's size limit. Each complete tree folder `<cache>/<hash>/` records its bytes in
 * its `.complete` marker, whose mtime is the tree's last use. Before a tree is downloaded, whole
 * trees are evicted, least recently used first, until the new one fits; trees that a run in this
 * process is using are never evicted. When the trees in use leave no room the download waits for
 * a later attempt (the run is retried); a tree larger than the whole cache is refused.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LosslensError } from '../../errors.js';
import { SHA256 } from './job-paths.js';

export const DEFAULT_CACHE_MAX_BYTES = 10 * 2 ** 30;
export const COMPLETE = '.complete';

interface Entry {
  hash: string;
  bytes: number;
  usedMs: number;
}

export class CacheQuota {
  private readonly pins = new Map<string, number>();
  private reserved = 0;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly maxBytes = DEFAULT_CACHE_MAX_BYTES,
  ) {}

  /** Keep `hash` from eviction until the matching unpin. */
  pin(hash: string): void {
    this.pins.set(hash, (this.pins.get(hash) ?? 0) + 1);
  }
  unpin(hash: string): void {
    const n = (this.pins.get(hash) ?? 1) - 1;
    if (n > 0) this.pins.set(hash, n);
    else this.pins.delete(hash);
  }

  /** Mark a complete tree as just used. */
  async touch(hash: string): Promise<void> {
    const now = new Date();
    await fs.utimes(path.join(this.dir, hash, COMPLETE), now, now).catch(() => undefined);
  }

  /** Make room for `bytes` more (evicting), reserve them; call the returned release once written. */
  reserve(bytes: number): Promise<() => void> {
    const next = this.lock.then(() => this.makeRoom(bytes));
    this.lock = next.catch(() => undefined);
    return next;
  }

  private async makeRoom(bytes: number): Promise<() => void> {
    if (bytes > this.maxBytes)
      throw new LosslensError(
        'BAD_INPUT',
        `job refused: its inputs need ${bytes} bytes; this worker's cache holds at most ${this.maxBytes} (--cache-max-bytes)`,
      );
    const trees = (await this.list()).sort((a, b) => a.usedMs - b.usedMs);
    let total = this.reserved + trees.reduce((a, t) => a + t.bytes, 0);
    for (const t of trees) {
      if (total + bytes <= this.maxBytes) break;
      if (this.pins.has(t.hash)) continue;
      await this.evict(t.hash);
      total -= t.bytes;
    }
    if (total + bytes > this.maxBytes)
      throw new Error(`the worker cache is full with inputs of runs in hand (--cache-max-bytes ${this.maxBytes}); retried later`);
    this.reserved += bytes;
    let released = false;
    return () => void (!released && ((released = true), (this.reserved -= bytes)));
  }

  /** The complete trees in the cache, with their bytes and last use. */
  async list(): Promise<Entry[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const out: Entry[] = [];
    for (const hash of names.filter((n) => SHA256.test(n))) {
      const marker = path.join(this.dir, hash, COMPLETE);
      const st = await fs.stat(marker).catch(() => undefined);
      if (!st) continue;
      const recorded = await fs
        .readFile(marker, 'utf8')
        .then((t) => Number(JSON.parse(t).bytes))
        .catch(() => NaN);
      const bytes = Number.isInteger(recorded) && recorded >= 0 ? recorded : await dirBytes(path.join(this.dir, hash));
      out.push({ hash, bytes, usedMs: st.mtimeMs });
    }
    return out;
  }

  /** Remove a tree whole: renamed out of its name first, so no reader sees it half deleted. */
  private async evict(hash: string): Promise<void> {
    const gone = path.join(this.dir, `.evict-${hash.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    await fs.rename(path.join(this.dir, hash), gone).catch(() => undefined);
    await fs.rm(gone, { recursive: true, force: true });
  }
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const d of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (d.isFile()) n += (await fs.stat(path.join(d.parentPath ?? d.path, d.name)).catch(() => ({ size: 0 }))).size;
  }
  return n;
}
