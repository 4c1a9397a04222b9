/**
 * Datasets streamed into memory once, in their stored dtype (src/io/array-stream.ts, array-sink.ts):
 * data longer or shorter than its header declares refused, a declaration the machine cannot hold
 * refused before allocating, a subset read without storing the other rows, and values float32
 * cannot hold (int64 beyond ±(2^53 − 1), float64 beyond ±3.4e38, NaN) refused with file and sample.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset, takeRows } from '../src/io/dataset.js';
import { subsetRows } from '../src/io/dataset-build.js';
import { ArraySink } from '../src/io/array-sink.js';
import { idxHeader } from '../src/io/dataset-idx.js';
import { LosslensError } from '../src/errors.js';
import { readVector } from '../src/io/vector-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-stream-'));
const put = (name: string, data: Uint8Array) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
};

/** An IDX header (ubyte unless `type` says otherwise) for `shape`. */
function idxHead(shape: number[], type = 0x08): Buffer {
  const b = Buffer.alloc(4 + 4 * shape.length);
  b[2] = type;
  b[3] = shape.length;
  shape.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

/** A .npy v1 file of `descr` whose values are written by `write` (8 bytes each unless `size`). */
function npy(descr: string, shape: number[], values: bigint[] | number[], size = 8): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const header = dict.padEnd(64 - 11, ' ') + '\n';
  const b = Buffer.alloc(10 + header.length + values.length * size);
  b.write('\x93NUMPY', 0, 'latin1');
  b[6] = 1;
  b.writeUInt16LE(header.length, 8);
  b.write(header, 10, 'latin1');
  values.forEach((v, i) => {
    const o = 10 + header.length + i * size;
    if (descr === '<i8') b.writeBigInt64LE(BigInt(v), o);
    else if (descr === '<u8') b.writeBigUInt64LE(BigInt(v), o);
    else if (descr === '<f8') b.writeDoubleLE(Number(v), o);
    else b.writeFloatLE(Number(v), o);
  });
  return b;
}

async function refused(p: Promise<unknown>, ...res: RegExp[]): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LosslensError);
  expect((err as LosslensError).code).toBe('BAD_INPUT');
  for (const re of res) expect((err as Error).message).toMatch(re);
  return (err as Error).message;
}

describe('IDX data streamed against its header', () => {
  const labels = put('ok-labels-idx1-ubyte.gz', gzipSync(Buffer.concat([idxHead([4]), Buffer.from([0, 1, 2, 3])])));
  it('a gzip stream inflating past the declared size is refused at the first chunk past it', async () => {
    const x = put('past-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxHead([4, 2, 2]), Buffer.alloc(4 * 2 ** 20)])));
    await refused(loadDataset({ x, y: labels }), /past-images.*runs past the 16 bytes its header declares/);
  });
  it('a stream shorter than declared (a bomb with a tiny payload) is refused with both numbers', async () => {
    const x = put('short-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxHead([4, 2, 2]), Buffer.alloc(10)])));
    await refused(loadDataset({ x, y: labels }), /short-images.*holds 10 data bytes but its header declares 16/);
  });
  it('--samples keeps only the subset: the same rows as the whole file, subset after loading', async () => {
    const n = 50;
    const imgs = Buffer.from(Array.from({ length: n * 6 }, (_, i) => (i * 7) % 256));
    const lab = Buffer.from(Array.from({ length: n }, (_, i) => i % 10));
    const x = put('sub-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxHead([n, 2, 3]), imgs])));
    const y = put('sub-labels-idx1-ubyte', Buffer.concat([idxHead([n]), lab]));
    const whole = await loadDataset({ x, y });
    const sub = await loadDataset({ x, y, samples: 17, seed: 3 });
    const want = takeRows(whole, subsetRows(n, 17, 3, 'x'));
    expect(sub.x).toBeInstanceOf(Uint8Array);
    expect([...sub.x]).toEqual([...want.x]);
    expect([...sub.y]).toEqual([...want.y]);
    expect(sub.n).toBe(17);
    expect(sub.xDivisor).toBe(255);
  });
});

describe('memory budget: refused before allocating, with the remedy', () => {
  const labels = put('budget-labels-idx1-ubyte.gz', gzipSync(Buffer.concat([idxHead([4]), Buffer.from([0, 1, 2, 3])])));
  it('a declaration the machine cannot hold is refused before allocating, with the number and the remedy', async () => {
    for (const shape of [
      [4, 2 ** 15, 2 ** 20],
      [4, 2 ** 31, 2 ** 31],
    ]) {
      const x = put('huge-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxHead(shape), Buffer.alloc(100)])));
      const msg = await refused(
        loadDataset({ x, y: labels }),
        /huge-images/,
        /declares 4 samples needing \d+\.\d GiB in memory, more than the \d+\.\d GiB/,
        /use a smaller file/,
      );
      expect(msg).not.toMatch(/RangeError|Array buffer/);
    }
  });
  it('over the budget with small rows: the message says how many samples would fit, and that many load', async () => {
    const n = 2 ** 26;
    const x = put('wide-images-idx3-ubyte.gz', gzipSync(idxHead([n, 784, 784])));
    const y = put('wide-labels-idx1-ubyte.gz', gzipSync(idxHead([n])));
    const msg = await refused(
      loadDataset({ x, y }),
      /wide-images.*declares 67108864 samples needing \d+\.\d GiB/,
      /keep a subset with --samples N \(N ≤ \d+ fits\)/,
    );
    const fit = Number(/N ≤ (\d+) fits/.exec(msg)![1]);
    expect(fit).toBeGreaterThan(0);
    // that many rows pass the budget: the refusal that follows is the empty payload, not memory
    await refused(loadDataset({ x, y, samples: Math.min(fit, 100) }), /wide-labels.*holds 0 data bytes but its header declares 67108864/);
  });
});

describe('the sink: chunks of any size, values float32 can hold', () => {
  it('float64 rows split at every byte boundary and a subset of rows give the same values', () => {
    const values = Array.from({ length: 5 * 3 }, (_, i) => i * 1.5 - 4);
    const data = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => data.writeDoubleBE(v, i * 8));
    const h = idxHeader(idxHead([5, 3], 0x0e), 'f')!;
    for (const step of [1, 3, 7, 8, 13, 1000]) {
      const sink = new ArraySink(h, 'f', { keepBytes: false, role: 'value', rows: Uint32Array.from([1, 4]) });
      for (let o = 0; o < data.length; o += step) sink.write(data.subarray(o, o + step));
      expect([...sink.finish().data]).toEqual([...values.slice(3, 6), ...values.slice(12, 15)]);
    }
  });
  const x2 = () => put('x2.npy', npy('<f4', [2], [0.5, 1.5], 4));
  it('int64 labels beyond ±(2^53 − 1) are refused with file, sample and reason (<i8 and <u8); within it they load exactly', async () => {
    await refused(
      loadDataset({ x: x2(), y: put('big.npy', npy('<i8', [2], [1n, 2n ** 53n + 1n])) }),
      /big\.npy: sample 1: <i8 label 9007199254740993 is beyond ±\(2\^53 − 1\)/,
    );
    await refused(loadDataset({ x: x2(), y: put('neg.npy', npy('<i8', [2], [-(2n ** 60n), 0n])) }), /neg\.npy: sample 0: <i8 label -1152921504606846976/);
    await refused(
      loadDataset({ x: x2(), y: put('u.npy', npy('<u8', [2], [2n ** 64n - 1n, 0n])) }),
      /u\.npy: sample 0: <u8 label 18446744073709551615 is beyond/,
    );
    const ok = await loadDataset({ x: x2(), y: put('ok.npy', npy('<u8', [2], [3n, 2n ** 20n])) });
    expect([...ok.y]).toEqual([3, 2 ** 20]);
    expect(ok.labelKind).toBe('class-index');
  });
  it('float64 beyond float32 range is refused (file, sample, column), not made Infinity; NaN refused as in float32 data', async () => {
    const y = put('y2.npy', npy('<f4', [2], [0, 1], 4));
    const big = Buffer.concat([idxHead([2, 2], 0x0e), Buffer.alloc(32)]);
    big.writeDoubleBE(1e39, 12 + 3 * 8);
    await refused(
      loadDataset({ x: put('big-images-idx3-ubyte', big), y }),
      /big-images-idx3-ubyte: sample 1, column 1: double value 1e\+39 is beyond float32's range/,
    );
    await refused(loadDataset({ x: put('o.npy', npy('<f8', [2], [-1e39, 0])), y }), /o\.npy: sample 0: <f8 value -1e\+39 is beyond float32's range/);
    await refused(loadDataset({ x: put('nan.npy', npy('<f8', [2], [0, NaN])), y }), /nan\.npy: sample 1 has a NaN value/);
    await refused(loadDataset({ x: put('nan4.npy', npy('<f4', [2], [NaN, 0], 4)), y }), /nan4\.npy: sample 0 has a NaN value/);
    // the largest float32 itself is held
    expect([...(await loadDataset({ x: put('max.npy', npy('<f8', [2], [3.4028234663852886e38, 0])), y })).x]).toEqual([3.4028234663852886e38, 0]);
  });
  it('a float64 direction file beyond float32 range is refused with its index, not read as Infinity', async () => {
    await refused(readVector(put('dir.npy', npy('<f8', [3], [1, 2e39, 3])), 3), /dir\.npy: value 1 \(2e\+39\) is beyond float32's range/);
    expect([...(await readVector(put('ok-dir.npy', npy('<f8', [3], [1, 2, 3])), 3))]).toEqual([1, 2, 3]);
  });
});
