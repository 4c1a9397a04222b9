/**
 * What a coordinator ships to queue workers for a dataset folder: the files a local run reads, with
 * symbolic links followed (a folder of links to /usr/share/datasets is how users point at a system
 * copy), and a folder with nothing to send refused before any job is queued.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { inputTree } from '../src/studies/executors/input-trees.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'losslens-trees-'));

describe('input trees of dataset folders', () => {
  it('follows symbolic links to files, as the local loader does, and hashes the bytes they point at', async () => {
    const dir = await tmp();
    await fs.mkdir(path.join(dir, 'store'));
    await fs.mkdir(path.join(dir, 'data'));
    await fs.writeFile(path.join(dir, 'store', 'x.npy'), 'x-bytes');
    await fs.writeFile(path.join(dir, 'data', 'y.npy'), 'y-bytes');
    await fs.symlink(path.join(dir, 'store', 'x.npy'), path.join(dir, 'data', 'x.npy'));
    await fs.mkdir(path.join(dir, 'data', 'sub')); // folders are not data files
    await fs.writeFile(path.join(dir, 'data', '.hidden'), 'skip');
    const tree = await inputTree(path.join(dir, 'data'));
    expect(tree.files.map((f) => f.rel)).toEqual(['x.npy', 'y.npy']);
    expect(tree.files[0]!.sha256).toBe(createHash('sha256').update('x-bytes').digest('hex'));
    expect(tree.files[0]!.bytes).toBe(7);
  });

  it('refuses a folder with no data files, naming it, instead of queueing an empty tree', async () => {
    const dir = await tmp();
    await fs.symlink(path.join(dir, 'missing'), path.join(dir, 'dangling'));
    await expect(inputTree(dir)).rejects.toThrow(`${dir}: the folder holds no data files`);
  });
});
