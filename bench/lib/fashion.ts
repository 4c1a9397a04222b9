/**
 * The first n Fashion-MNIST test images (/usr/share/datasets/fashion-mnist, Debian's IDX files)
 * as PreparedData for a 28×28×1 → 10 model: pixels / 255, one-hot labels. Undefined when the
 * files are missing (callers print a skip message).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PreparedData } from '../../src/objective/prepare-data.js';

export const FASHION_DIR = process.env.LOSSLENS_FASHION_DIR ?? '/usr/share/datasets/fashion-mnist';

export function fashionTest(n: number, dir = FASHION_DIR): PreparedData | undefined {
  const img = path.join(dir, 't10k-images-idx3-ubyte.gz'),
    lab = path.join(dir, 't10k-labels-idx1-ubyte.gz');
  if (!existsSync(img) || !existsSync(lab)) return undefined;
  const xs = gunzipSync(readFileSync(img)),
    ys = gunzipSync(readFileSync(lab));
  n = Math.min(n, 10000);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = xs[16 + i]! / 255;
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + ys[8 + i]!] = 1;
  return { n, inputShape: [28, 28, 1], x, y, k: 10 };
}
