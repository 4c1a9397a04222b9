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
import { loadDataset } from '../src/io/dataset.js';

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

  it('ships an IDX images file given alone with its labels file, so a worker loads what the coordinator loads', async () => {
    const dir = await tmp();
    // 2 images of 1×2 pixels and their labels, big-endian IDX (uint8): the labels file is found by MNIST's naming
    await fs.writeFile(path.join(dir, 't10k-images-idx3-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 10, 20, 30, 40]));
    await fs.writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]));
    await fs.writeFile(path.join(dir, 'train-images-idx3-ubyte'), 'not shipped: another split');
    const tree = await inputTree(path.join(dir, 't10k-images-idx3-ubyte'));
    expect(tree.entry).toBe('t10k-images-idx3-ubyte');
    expect(tree.files.map((f) => f.rel)).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    const cache = await tmp(); // what a worker's cache holds: the tree's files under their relative names
    for (const f of tree.files) await fs.copyFile(f.abs, path.join(cache, f.rel));
    const ds = await loadDataset({ data: path.join(cache, tree.entry) });
    expect(ds.n).toBe(2);
  });
});
