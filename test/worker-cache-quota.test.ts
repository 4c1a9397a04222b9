/**
 * The worker cache's quota (src/studies/executors/cache-quota.ts): whole trees evicted least
 * recently used first, never one a run is using; a tree larger than the cache refused; a full
 * cache of trees in use makes the download wait (a retryable error), not overflow.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheQuota } from '../src/studies/executors/cache-quota.js';

const hash = (c: string) => c.repeat(64);

async function tree(dir: string, h: string, bytes: number, usedSecondsAgo: number) {
  await fs.mkdir(path.join(dir, h), { recursive: true });
  await fs.writeFile(path.join(dir, h, 'data.bin'), new Uint8Array(bytes));
  const marker = path.join(dir, h, '.complete');
  await fs.writeFile(marker, JSON.stringify({ bytes }));
  const t = new Date(Date.now() - usedSecondsAgo * 1000);
  await fs.utimes(marker, t, t);
}

describe('worker cache quota', () => {
  it('evicts whole trees, least recently used first, skipping pinned ones, until the new tree fits', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-quota-'));
    await tree(dir, hash('a'), 400, 300); // oldest, but in use
    await tree(dir, hash('b'), 300, 200);
    await tree(dir, hash('c'), 200, 100);
    const q = new CacheQuota(dir, 1000);
    q.pin(hash('a'));
    const release = await q.reserve(350); // 900 + 350: b must go (a is pinned); c stays
    expect((await fs.readdir(dir)).sort()).toEqual([hash('a'), hash('c')]);
    await q.touch(hash('c'));
    await expect(q.reserve(500)).rejects.toThrow(/cache is full with inputs of runs in hand/); // 600 + 350 reserved + 500 > 1000 with only c evictable
    expect((await fs.readdir(dir)).sort()).toEqual([hash('a')]);
    release();
    q.unpin(hash('a'));
    (await q.reserve(1000))();
    expect(await fs.readdir(dir)).toEqual([]);
    await expect(q.reserve(1001)).rejects.toThrow(/need 1001 bytes; this worker's cache holds at most 1000/);
  });

  it('a tree whose marker does not record its size is measured on disk', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-quota-'));
    await tree(dir, hash('d'), 700, 10);
    await fs.writeFile(path.join(dir, hash('d'), '.complete'), '');
    expect((await new CacheQuota(dir, 1000).list()).map((e) => e.bytes)).toEqual([700]);
  });
});
