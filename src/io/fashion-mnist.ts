/**
 * Where the `--preset fashion-mnist` data lives: Debian's `dataset-fashion-mnist` package puts the
 * IDX files (train-images-idx3-ubyte.gz, train-labels-…, t10k-images-…, t10k-labels-…) in
 * /usr/share/datasets/fashion-mnist/. The environment variable LOSSLENS_FASHION_MNIST_DIR points
 * elsewhere (another copy, or a test of the refusal). Absent files → one BAD_INPUT error naming the
 * folder and the install line (exit 2 at the CLI).
 */
import { hostEnv, readConfig, type Env } from '../config.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_ENV = 'LOSSLENS_FASHION_MNIST_DIR';
export const FASHION_MNIST_INSTALL = 'apt-get install dataset-fashion-mnist';
export const FASHION_MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The Fashion-MNIST folder (env override, else Debian's), checked to hold all four IDX files. */
export function fashionMnistDir(env: Env = hostEnv()): string {
  const override = readConfig(env).fashionMnistDir;
  const dir = override ?? FASHION_MNIST_DIR;
  const missing = FASHION_MNIST_FILES.filter((f) => !existsSync(path.join(dir, f)) && !existsSync(path.join(dir, `${f}.gz`)));
  if (missing.length) {
    const where = override ? ` (from ${FASHION_MNIST_ENV})` : '';
    throw inputError(dir, `Fashion-MNIST not found${where}: missing ${missing.join(', ')}[.gz]; install it with: ${FASHION_MNIST_INSTALL}`);
  }
  return dir;
}
