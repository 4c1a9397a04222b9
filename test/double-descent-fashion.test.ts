/**
 * The Fashion-MNIST preset's parts without the real data: the folder refused (with the install
 * line) when its files are absent, average pooling against hand-computed means, random-features
 * min-norm fits against the SVD pseudo-inverse, interpolation at p ≥ n, and a dd-mlp run on a
 * fake IDX folder laid out like Debian's, downsampled (its parameter count follows d = (28/f)²).
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fashionMnistDir, FASHION_MNIST_ENV, FASHION_MNIST_FILES } from '../src/io/fashion-mnist.js';
import { averagePool } from '../src/double-descent/downsample.js';
import { minNormFit, randomFeaturesOnData } from '../src/double-descent/random-features-data.js';
import { minNormLeastSquares } from '../src/double-descent/random-features.js';
import { PRESETS } from '../src/double-descent/preset.js';
import { trainMember } from '../src/double-descent/train-task.js';
import { createRng } from '../src/random.js';
import type { Dataset } from '../src/io/types.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'losslens-fashion-'));

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** A fake Fashion-MNIST folder: n train / m test 28×28 byte images whose class sets their brightness. */
async function fakeFashion(n: number, m: number): Promise<string> {
  const dir = await tmp();
  const rng = createRng(5);
  const make = (count: number) => {
    const labels = Uint8Array.from({ length: count }, () => rng.int(10));
    const images = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) for (let j = 0; j < 784; j++) images[i * 784 + j] = Math.min(255, labels[i] * 5 + rng.int(200));
    return { labels, images };
  };
  for (const [prefix, count] of [
    ['train', n],
    ['t10k', m],
  ] as const) {
    const s = make(count);
    await fs.writeFile(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idx([count, 28, 28], s.images)));
    await fs.writeFile(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idx([count], s.labels)));
  }
  return dir;
}

describe('Fashion-MNIST folder', () => {
  it.each(['model', 'rf'])(
    'losslens double-descent --preset fashion-mnist --mode %s without the data: the install line, exit 2, nothing written',
    async (mode) => {
      const { runCli } = await import('./helpers/run-cli.js');
      const out = path.join(await tmp(), 'study');
      const saved = process.env[FASHION_MNIST_ENV];
      process.env[FASHION_MNIST_ENV] = path.join(out, 'no-such-folder');
      try {
        const r = await runCli(['double-descent', '--preset', 'fashion-mnist', '--mode', mode, '--out', out, '--quiet']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/Fashion-MNIST not found \(from LOSSLENS_FASHION_MNIST_DIR\).*install it with: apt-get install dataset-fashion-mnist$/m);
        await expect(fs.stat(out)).rejects.toThrow();
      } finally {
        if (saved === undefined) delete process.env[FASHION_MNIST_ENV];
        else process.env[FASHION_MNIST_ENV] = saved;
      }
    },
    30_000,
  );

  it('absent files: one input error naming the folder, the env variable and the install line', async () => {
    const dir = await tmp();
    await fs.writeFile(path.join(dir, 'train-images-idx3-ubyte.gz'), '');
    expect(() => fashionMnistDir({ [FASHION_MNIST_ENV]: dir })).toThrow(
      new RegExp(
        `^${dir}: Fashion-MNIST not found \\(from ${FASHION_MNIST_ENV}\\): missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte\\[\\.gz\\]; install it with: apt-get install dataset-fashion-mnist$`,
      ),
    );
    try {
      fashionMnistDir({ [FASHION_MNIST_ENV]: path.join(dir, 'nowhere') });
    } catch (e) {
      expect((e as { code: string }).code).toBe('BAD_INPUT');
    }
    const fake = await fakeFashion(4, 2);
    expect(fashionMnistDir({ [FASHION_MNIST_ENV]: fake })).toBe(fake);
    expect(FASHION_MNIST_FILES).toHaveLength(4);
  });
});

describe('average pooling', () => {
  it('2×2 blocks of a 4×4 byte image average to the hand-computed means, scaled by 1/255', () => {
    const x = Uint8Array.from({ length: 2 * 16 }, (_, i) => i);
    const ds: Dataset = { source: 'mem', n: 2, xShape: [4, 4], x, xDivisor: 255, yShape: [], y: new Float32Array(2), labelKind: 'class-index' };
    const p = averagePool(ds, 2);
    expect(p.xShape).toEqual([2, 2]);
    expect(p.xDivisor).toBe(1);
    const want = [
      [0, 1, 4, 5],
      [2, 3, 6, 7],
      [8, 9, 12, 13],
      [10, 11, 14, 15],
    ].map((b) => b.reduce((s, v) => s + v, 0) / 4 / 255);
    for (let k = 0; k < 4; k++) expect(p.x[k]).toBeCloseTo(want[k], 6);
    expect(p.x[4]).toBeCloseTo(want[0] + 16 / 255, 6); // second image: every pixel +16
    expect(averagePool(ds, 1)).toBe(ds);
    expect(() => averagePool(ds, 5)).toThrow(/option downsample: factor 5 is larger than the 4×4 images/);
    expect(() => averagePool({ ...ds, xShape: [16] }, 2)).toThrow(/mem: downsampling needs single-channel images/);
  });
});

describe('random features on data', () => {
  const rng = createRng(3);
  const mat = (n: number, p: number) => Float64Array.from({ length: n * p }, () => rng.normal());
  it.each([
    [12, 5],
    [12, 12],
    [8, 20],
  ])('n=%i, p=%i: the Gram-eigen fit equals the SVD pseudo-inverse (min-norm least squares)', (n, p) => {
    const phi = mat(n, p);
    const y = mat(n, 2);
    const a = minNormFit(phi, n, p, y, 2, 1e-7);
    const rows = Array.from({ length: n }, (_, i) => phi.subarray(i * p, (i + 1) * p));
    for (let c = 0; c < 2; c++) {
      const ref = minNormLeastSquares(
        rows,
        Float64Array.from({ length: n }, (_, i) => y[i * 2 + c]),
        1e-12,
      );
      for (let q = 0; q < p; q++) expect(a[q * 2 + c]).toBeCloseTo(ref[q], 6);
    }
  });

  it('fits the training labels exactly once p ≥ n, and is seeded', () => {
    const n = 30;
    const d = 6;
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const rows = { x, n, d, labels };
    const runs = randomFeaturesOnData(rows, rows, { widths: [10, 30, 90], seeds: 2, classes: 3 });
    expect(runs.map((r) => [r.width, r.seed])).toEqual([
      [10, 0],
      [10, 1],
      [30, 0],
      [30, 1],
      [90, 0],
      [90, 1],
    ]);
    for (const r of runs.filter((q) => q.width >= n)) {
      expect(r.trainError).toBe(0);
      expect(r.trainLoss).toBeLessThan(1e-12);
    }
    expect(runs[0].trainLoss).toBeGreaterThan(1e-3);
    expect(randomFeaturesOnData(rows, rows, { widths: [10], seeds: 1, classes: 3 })[0]).toEqual(runs[0]);
  });
});

describe('fashion-mnist preset', () => {
  it('random features on the same (fake) images: both verdicts, the threshold at p = n for the squared loss, figure specs', async () => {
    const { loadDataset } = await import('../src/io/dataset.js');
    const { rfDataStudy } = await import('../src/double-descent/rf-data-study.js');
    const dir = await fakeFashion(60, 30);
    const [tr, te] = [
      averagePool(await loadDataset({ data: dir, split: 'train', samples: 40, seed: 0 }), 4),
      averagePool(await loadDataset({ data: dir, split: 'test' }), 4),
    ];
    const { inputValues } = await import('../src/io/sample-rows.js');
    const rows = (ds: Dataset) => ({ x: inputValues(ds), n: ds.n, d: 49, labels: ds.y });
    const s = rfDataStudy(rows(tr), rows(te), { classes: 10, labelNoise: 0.2, noiseSeed: 0, widths: [10, 20, 40, 80, 160], seeds: 2, family: 'fake' });
    expect(s.runs).toHaveLength(10);
    expect(s.squaredLoss.threshold.params).toBe(40);
    expect(s.squaredLoss.threshold.expectedParams).toBe(40);
    expect(s.summary.flippedLabels).toBe(8);
  });

  it("trains one downsampled member on an IDX folder laid out like Debian's (d = 7·7 with factor 4)", async () => {
    const dir = await fakeFashion(60, 30);
    const p = PRESETS['fashion-mnist'];
    expect(p.source).toBe('fashion-mnist');
    const r = await trainMember({
      train: { data: dir, split: 'train', samples: 40, seed: 0 },
      test: { data: dir, split: 'test' },
      classes: 10,
      width: 8,
      seed: 0,
      labelNoise: 0.2,
      noiseSeed: 0,
      loss: 'meanSquaredError',
      run: { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 16, epochs: 2 },
      evalEvery: 1,
      stopAtZeroTrainError: false,
      backend: 'cpu',
      downsample: 4,
    });
    expect(r.params).toBe(8 * (49 + 1) + 10 * (8 + 1));
    expect(r.flippedLabels).toBe(8);
    expect(r.epochs!.map((e) => e.epoch)).toEqual([0, 1, 2]);
  }, 30_000);

  it('the preset end to end on a fake folder (env override): MLP study config, and the rf report peaking at p = n', async () => {
    const dir = await fakeFashion(500, 2000);
    const saved = process.env[FASHION_MNIST_ENV];
    process.env[FASHION_MNIST_ENV] = dir;
    try {
      const { doubleDescentStudy, randomFeaturesReport } = await import('../src/pipelines/double-descent.js');
      const study = await doubleDescentStudy({ preset: 'fashion-mnist' });
      const c = study.config as { base: { downsample: number; classes: number; train: { samples: number } }; nTrain: number; family: string };
      expect([c.nTrain, c.base.downsample, c.base.classes, c.base.train.samples]).toEqual([500, 4, 10, 500]);
      expect(c.family).toBe('MLP 49→w→10, Fashion-MNIST 7×7, n = 500');
      expect(study.tasks).toHaveLength(13 * 3);
      const out = path.join(await tmp(), 'rf');
      const r = await randomFeaturesReport({ preset: 'fashion-mnist', widths: [100, 500, 2000], seeds: 1, out });
      const sq = r.summary.squaredLoss as { peak: { width: number }; threshold: { expectedParams: number } };
      expect(sq.threshold.expectedParams).toBe(500);
      expect(sq.peak.width).toBe(500);
      for (const f of ['double-descent.png', 'double-descent-squared-loss.png', 'summary.json']) await fs.stat(path.join(out, f));
      expect(r.digest).toMatch(/squared loss: peak at p = 500/);
    } finally {
      if (saved === undefined) delete process.env[FASHION_MNIST_ENV];
      else process.env[FASHION_MNIST_ENV] = saved;
    }
  }, 60_000);
});
