import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { loadDataset, splitDisjoint, takeRows } from '../src/io/dataset.js';
import { inputValues } from '../src/io/sample-rows.js';
import { LosslensError } from '../src/errors.js';
import type { Dataset } from '../src/io/types.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-ds-'));

function put(dir: string, name: string, data: string | Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}

const WRITE: Record<string, [number, (dv: DataView, o: number, v: number) => void]> = {
  '<f4': [4, (dv, o, v) => dv.setFloat32(o, v, true)],
  '<f8': [8, (dv, o, v) => dv.setFloat64(o, v, true)],
  '|u1': [1, (dv, o, v) => dv.setUint8(o, v)],
  '|i1': [1, (dv, o, v) => dv.setInt8(o, v)],
  '|b1': [1, (dv, o, v) => dv.setUint8(o, v)],
  '<i2': [2, (dv, o, v) => dv.setInt16(o, v, true)],
  '<u2': [2, (dv, o, v) => dv.setUint16(o, v, true)],
  '<i4': [4, (dv, o, v) => dv.setInt32(o, v, true)],
  '<u4': [4, (dv, o, v) => dv.setUint32(o, v, true)],
  '<i8': [8, (dv, o, v) => dv.setBigInt64(o, BigInt(v), true)],
};

/** A .npy file as numpy writes it (header padded to 64 bytes, ending in a newline). */
function npy(descr: string, shape: number[], values: number[], version = 1, fortran = false): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  const pad = 64 - ((pre + dict.length + 1) % 64);
  const header = dict + ' '.repeat(pad % 64) + '\n';
  const [size, write] = WRITE[descr];
  const buf = new Uint8Array(pre + header.length + values.length * size);
  const dv = new DataView(buf.buffer);
  buf.set([0x93, ...Buffer.from('NUMPY'), version, 0]);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  buf.set(Buffer.from(header, 'latin1'), pre);
  values.forEach((v, i) => write(dv, pre + header.length + i * size, v));
  return buf;
}

/** A big-endian IDX file. */
function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const head = 4 + 4 * shape.length;
  const buf = new Uint8Array(head + values.length * size);
  const dv = new DataView(buf.buffer);
  buf.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  values.forEach((v, i) => {
    const o = head + i * size;
    if (type === 0x08) dv.setUint8(o, v);
    else if (type === 0x09) dv.setInt8(o, v);
    else if (type === 0x0b) dv.setInt16(o, v, false);
    else if (type === 0x0c) dv.setInt32(o, v, false);
    else if (type === 0x0d) dv.setFloat32(o, v, false);
    else dv.setFloat64(o, v, false);
  });
  return buf;
}

async function inputError(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LosslensError);
  expect((err as LosslensError).message).not.toContain('\n');
  for (const part of parts) expect((err as LosslensError).message).toMatch(part);
}

describe('CSV datasets', () => {
  it('single integer label column → class-index with yShape [], features in header order, CRLF and spaces', async () => {
    const f = put(tmp(), 'd.csv', 'b, label ,a\r\n 1.5,2, 3\r\n4,0,-6e-1\r\n\r\n');
    const ds = await loadDataset({ data: f });
    expect(ds).toMatchObject({ source: f, n: 2, xShape: [2], yShape: [], labelKind: 'class-index' });
    expect(Array.from(ds.x)).toEqual([1.5, 3, 4, Math.fround(-0.6)]);
    expect(Array.from(ds.y)).toEqual([2, 0]);
  });

  it('one float label column → float with yShape [1]; custom labelColumn', async () => {
    const ds = await loadDataset({ data: put(tmp(), 'r.csv', 'x,target\n1,0.5\n2,1\n'), labelColumn: 'target' });
    expect(ds).toMatchObject({ yShape: [1], labelKind: 'float' });
  });

  it('label_0.. and label0.. prefixes → one-hot when rows are one-hot, else float [k]', async () => {
    const dir = tmp();
    const oh = await loadDataset({ data: put(dir, 'oh.csv', 'f,label_1,label_0,label_2\n1,1,0,0\n2,0,0,1\n') });
    expect(oh).toMatchObject({ xShape: [1], yShape: [3], labelKind: 'one-hot' });
    expect(Array.from(oh.y)).toEqual([0, 1, 0, 0, 0, 1]); // ordered label_0, label_1, label_2
    const fl = await loadDataset({ data: put(dir, 'fl.csv', 'f,label0,label1\n1,0.2,0.8\n2,1,0\n') });
    expect(fl).toMatchObject({ yShape: [2], labelKind: 'float' });
    const two = await loadDataset({ data: put(dir, 'two.csv', 'f,label0,label1\n1,1,1\n2,1,0\n') });
    expect(two.labelKind).toBe('float');
  });

  it('errors name the line (header = line 1) and the column', async () => {
    const dir = tmp();
    await inputError(loadDataset({ data: put(dir, 'e.csv', 'a,label\n1,0\n,1\n') }), 'e.csv', /line 3/, /"a"/, /empty/);
    await inputError(loadDataset({ data: put(dir, 'n.csv', 'a,label\n1,0\n2,NaN\n') }), 'n.csv', /line 3/, /"label"/, /NaN/);
    await inputError(loadDataset({ data: put(dir, 't.csv', 'a,label\nx1,0\n') }), 't.csv', /line 2/, /"a"/, /not a number/);
    await inputError(loadDataset({ data: put(dir, 'r.csv', 'a,b,label\n1,2,0\n1,2\n') }), 'r.csv', /line 3/, /ragged/);
    await inputError(loadDataset({ data: put(dir, 'm.csv', 'a,b,y\n1,2,0\n') }), 'm.csv', /missing label column "label"/, /a, b, y/);
    await inputError(loadDataset({ data: put(dir, 'h.csv', 'a,label\n') }), 'h.csv', /empty data/);
    await inputError(loadDataset({ data: put(dir, 'z.csv', '') }), 'z.csv', /empty/);
    await inputError(loadDataset({ data: path.join(dir, 'missing.csv') }), 'missing.csv', /not found/);
  });
});

describe('.npy datasets', () => {
  it.each(Object.keys(WRITE))('reads x as %s', async (descr) => {
    const dir = tmp();
    const vals = descr === '|b1' ? [1, 0, 0, 1] : descr.includes('u') ? [0, 7, 200, 3] : [-1, 7, 100, -3];
    const x = put(dir, 'x.npy', npy(descr, [2, 2], vals));
    const y = put(dir, 'y.npy', npy('<i4', [2], [1, 0]));
    const ds = await loadDataset({ x, y });
    const expected = descr === '|u1' ? vals.map((v) => Math.fround(v / 255)) : vals;
    expect(Array.from(inputValues(ds))).toEqual(expected);
    expect(ds).toMatchObject({ n: 2, xShape: [2], yShape: [], labelKind: 'class-index', source: `${x} + ${y}` });
    // bytes stay bytes in memory (divided per batch); every other dtype becomes float32
    expect(ds.x).toBeInstanceOf(descr === '|u1' ? Uint8Array : Float32Array);
    expect(ds.x.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('reads format versions 2 and 3, gzip, folders with x.npy + y.npy, and scaleUint8: false', async () => {
    const dir = tmp();
    put(dir, 'x.npy', gzipSync(npy('|u1', [2, 1, 3], [0, 51, 255, 1, 2, 3], 2)));
    put(dir, 'y.npy', npy('<f4', [2, 3], [0, 1, 0, 1, 0, 0], 3));
    const ds = await loadDataset({ data: dir });
    expect(ds).toMatchObject({ n: 2, xShape: [1, 3], yShape: [3], labelKind: 'one-hot' });
    expect(inputValues(ds)[1]).toBeCloseTo(0.2, 6);
    const raw = await loadDataset({ data: dir, scaleUint8: false });
    expect(Array.from(inputValues(raw))).toEqual([0, 51, 255, 1, 2, 3]);
  });

  it('y kinds: (n,) floats → float [1]; (n,k) not one-hot → float [k]', async () => {
    const dir = tmp();
    const x = put(dir, 'x.npy', npy('<f4', [2, 1], [1, 2]));
    const y1 = put(dir, 'y1.npy', npy('<f8', [2], [0.5, 1]));
    expect(await loadDataset({ x, y: y1 })).toMatchObject({ yShape: [1], labelKind: 'float' });
    const y2 = put(dir, 'y2.npy', npy('<f4', [2, 2], [0.5, 0.5, 1, 0]));
    expect(await loadDataset({ x, y: y2 })).toMatchObject({ yShape: [2], labelKind: 'float' });
  });

  it('errors: fortran order, unsupported dtype, n mismatch (both files), NaN in x (file + sample), truncated data', async () => {
    const dir = tmp();
    const y = put(dir, 'y.npy', npy('<i4', [2], [0, 1]));
    await inputError(loadDataset({ x: put(dir, 'f.npy', npy('<f4', [2, 1], [1, 2], 1, true)), y }), 'f.npy', /fortran/);
    const be = npy('<f4', [2, 1], [1, 2]);
    be.set(Buffer.from('>f4'), Buffer.from(be).indexOf('<f4'));
    await inputError(loadDataset({ x: put(dir, 'be.npy', be), y }), 'be.npy', />f4/, /big-endian/);
    const x3 = put(dir, 'x3.npy', npy('<f4', [3, 1], [1, 2, 3]));
    await inputError(loadDataset({ x: x3, y }), 'x3.npy', 'y.npy', /3 samples/, /has 2/);
    await inputError(loadDataset({ x: put(dir, 'nan.npy', npy('<f4', [2, 2], [1, 2, 3, NaN])), y }), 'nan.npy', /sample 1/, /NaN/);
    const short = npy('<f4', [2, 2], [1, 2, 3, 4]).subarray(0, -4);
    await inputError(loadDataset({ x: put(dir, 's.npy', short), y }), 's.npy', /bytes/);
    await inputError(loadDataset({ x: put(dir, 'junk.npy', 'hello'), y }), 'junk.npy', /not a \.npy or IDX/);
  });
});

describe('IDX datasets', () => {
  const pixels = [0, 255, 51, 102, 0, 0, 10, 20, 30, 40, 50, 60];

  it('reads a gzipped MNIST-style pair from a folder: xShape [rows, cols], ubyte scaled by 1/255', async () => {
    const dir = tmp();
    put(dir, 'train-images-idx3-ubyte.gz', gzipSync(idx(0x08, [3, 2, 2], pixels)));
    put(dir, 'train-labels-idx1-ubyte', idx(0x08, [3], [7, 0, 9]));
    const ds = await loadDataset({ data: dir });
    expect(ds).toMatchObject({ n: 3, xShape: [2, 2], yShape: [], labelKind: 'class-index' });
    expect(Array.from(inputValues(ds))).toEqual(pixels.map((v) => Math.fround(v / 255)));
    expect(ds.x).toBeInstanceOf(Uint8Array);
    expect(ds.xDivisor).toBe(255);
    expect(Array.from(ds.y)).toEqual([7, 0, 9]);
  });

  it("MNIST's folder layout: train-… for the training set, t10k-… for split 'test'; an images file finds its labels file next to it", async () => {
    const dir = tmp();
    put(dir, 'train-images-idx3-ubyte.gz', gzipSync(idx(0x08, [3, 2, 2], pixels)));
    put(dir, 'train-labels-idx1-ubyte.gz', gzipSync(idx(0x08, [3], [1, 2, 3])));
    const testImages = put(dir, 't10k-images-idx3-ubyte', idx(0x08, [1, 2, 2], [1, 2, 3, 4]));
    put(dir, 't10k-labels-idx1-ubyte.gz', gzipSync(idx(0x08, [1], [5])));
    expect(Array.from((await loadDataset({ data: dir })).y)).toEqual([1, 2, 3]);
    expect(Array.from((await loadDataset({ data: dir, split: 'test' })).y)).toEqual([5]);
    put(dir, 'test-images-idx3-ubyte', idx(0x08, [1, 2, 2], [1, 2, 3, 4])); // two test sets: no guess
    put(dir, 'test-labels-idx1-ubyte', idx(0x08, [1], [6]));
    await inputError(loadDataset({ data: dir, split: 'test' }), dir, /several IDX files/, /images file/);
    const train = await loadDataset({ data: path.join(dir, 'train-images-idx3-ubyte.gz') });
    expect(train).toMatchObject({ n: 3, xShape: [2, 2], labelKind: 'class-index' });
    expect(Array.from(train.y)).toEqual([1, 2, 3]);
    const test = await loadDataset({ data: testImages });
    expect(Array.from(test.y)).toEqual([5]);
    const lone = tmp();
    await inputError(
      loadDataset({ data: put(lone, 'a-images-idx3-ubyte', idx(0x08, [1, 1, 1], [0])) }),
      'a-images-idx3-ubyte',
      /no labels file/,
      /a-labels-idx1-ubyte/,
    );
  });

  it.each([
    [0x09, [-3, 4, 5, -6]],
    [0x0b, [-300, 4, 5, 1000]],
    [0x0c, [-70000, 4, 5, 1 << 20]],
    [0x0d, [0.5, -1.25, 3, 4]],
    [0x0e, [0.125, -2, 1e10, 4]],
  ])('reads big-endian IDX dtype byte %i unscaled', async (type, vals) => {
    const dir = tmp();
    const x = put(dir, 'x.idx', idx(type, [2, 1, 2], vals));
    const y = put(dir, 'y.idx', idx(0x0d, [2], [0.5, 1.5]));
    const ds = await loadDataset({ x, y });
    expect(Array.from(ds.x)).toEqual(vals.map(Math.fround));
    expect(ds).toMatchObject({ xShape: [1, 2], yShape: [1], labelKind: 'float' });
  });

  it('errors: truncated file, unknown dtype byte, ambiguous folder', async () => {
    const dir = tmp();
    const y = put(dir, 'labels-idx1-ubyte', idx(0x08, [3], [1, 2, 3]));
    await inputError(loadDataset({ x: put(dir, 'images-idx3-ubyte', idx(0x08, [3, 2, 2], pixels).subarray(0, 20)), y }), 'images-idx3-ubyte', /bytes/);
    const bad = idx(0x08, [3, 2, 2], pixels);
    bad[2] = 0x0a;
    await inputError(loadDataset({ x: put(dir, 'b-images-idx3-ubyte', bad), y }), 'b-images-idx3-ubyte', /dtype byte 0x0a/);
    put(dir, 'images-idx3-ubyte', idx(0x08, [3, 2, 2], pixels));
    await inputError(loadDataset({ data: dir }), dir, /several IDX files/);
    await inputError(loadDataset({ data: tmp() }), /neither x\.npy/);
  });
});

describe('subsets', () => {
  async function rows(n: number): Promise<Dataset> {
    const text = ['a,b,label', ...Array.from({ length: n }, (_, i) => `${i},${-i},${i % 3}`)].join('\n');
    return loadDataset({ data: put(tmp(), 'rows.csv', text) });
  }

  it('samples: same seed → same rows (sorted, x and y aligned); different seed → different rows', async () => {
    const f = put(tmp(), 'rows.csv', ['a,b,label', ...Array.from({ length: 50 }, (_, i) => `${i},${-i},${i % 3}`)].join('\n'));
    const a = await loadDataset({ data: f, samples: 10, seed: 3 });
    const b = await loadDataset({ data: f, samples: 10, seed: 3 });
    const c = await loadDataset({ data: f, samples: 10, seed: 4 });
    const ids = (d: Dataset) => Array.from({ length: d.n }, (_, r) => d.x[2 * r]);
    expect(a.n).toBe(10);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
    expect(ids(a)).toEqual([...ids(a)].sort((p, q) => p - q));
    for (let r = 0; r < a.n; r++) {
      expect(a.x[2 * r + 1]).toBe(-a.x[2 * r]);
      expect(a.y[r]).toBe(a.x[2 * r] % 3);
    }
    expect(ids(await loadDataset({ data: f, samples: 10 }))).toEqual(ids(await loadDataset({ data: f, samples: 10, seed: 0 })));
  });

  it('samples > n is an input error saying how many rows exist; samples ≤ 0 is refused', async () => {
    const f = put(tmp(), 'few.csv', 'a,label\n1,0\n2,1\n');
    await inputError(loadDataset({ data: f, samples: 3 }), 'few.csv', /only 2 rows/);
    await expect(loadDataset({ data: f, samples: 0 })).rejects.toThrow(/samples/);
    await expect(loadDataset({ data: f, samples: -1 })).rejects.toThrow(/samples/);
  });

  it('takeRows copies the given rows in order', async () => {
    const ds = await rows(5);
    const t = takeRows(ds, [4, 0, 4]);
    expect(t.n).toBe(3);
    expect(Array.from(t.x)).toEqual([4, -4, 0, 0, 4, -4]);
    expect(Array.from(t.y)).toEqual([1, 0, 1]);
    expect(() => takeRows(ds, [5])).toThrow(RangeError);
  });

  it('splitDisjoint: parts of `size` rows, pairwise disjoint, seeded (property)', async () => {
    const ds = await rows(40);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 10 }), fc.integer(), (parts, size, seed) => {
        fc.pre(parts * size <= 40);
        const split = splitDisjoint(ds, parts, size, seed);
        const ids = split.flatMap((d) => Array.from({ length: d.n }, (_, r) => d.x[2 * r]));
        expect(split.map((d) => d.n)).toEqual(Array(parts).fill(size));
        expect(new Set(ids).size).toBe(parts * size);
        expect(splitDisjoint(ds, parts, size, seed).flatMap((d) => Array.from(d.x))).toEqual(split.flatMap((d) => Array.from(d.x)));
      }),
      { numRuns: 60 },
    );
    await inputError(
      Promise.resolve().then(() => splitDisjoint(ds, 5, 9, 0)),
      'rows.csv',
      /only 40 rows/,
    );
  });
});
