/**
 * The real-data inputs of docs/commands/saddle-dynamics.md: Fashion-MNIST (Debian's
 * dataset-fashion-mnist) training images, a seeded subset of N, zero-padded to 30×30 and
 * average-pooled 3×3 to 10×10 = 100 inputs (as Dauphin et al. downsampled MNIST), written as
 * x.npy (float32, [N, 100]) and y.npy (int32 class indices); and an MLP 100 → 16 (tanh) → 10
 * (softmax, categorical cross-entropy; 1 786 parameters) whose weights the study re-initialises.
 *
 *   npx tsx scripts/saddle-dynamics-fashion.ts OUT_DIR [N=1000]
 */
import path from 'node:path';
import { loadDataset } from '../src/io/dataset.js';
import { writeCheckpoint } from '../src/io/checkpoint-write.js';
import { fashionMnistDir } from '../src/io/fashion-mnist.js';
import { mlpCheckpoint } from '../src/double-descent/mlp-family.js';
import { writeNpy } from './fixtures/writers.js';

const [out, nArg] = process.argv.slice(2);
if (!out) throw new Error('usage: saddle-dynamics-fashion.ts OUT_DIR [N]');
const n = Number(nArg ?? 1000);
const ds = await loadDataset({ data: fashionMnistDir(), split: 'train', samples: n, seed: 0 });
const div = ds.xDivisor ?? 1;
const x = new Float32Array(n * 100);
for (let s = 0; s < n; s++) {
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      let sum = 0;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const [r, c] = [3 * i + a - 1, 3 * j + b - 1]; // one pixel of zero padding on each side
          if (r >= 0 && r < 28 && c >= 0 && c < 28) sum += Number(ds.x[s * 784 + r * 28 + c]);
        }
      }
      x[s * 100 + i * 10 + j] = sum / (9 * div);
    }
  }
}
writeNpy(path.join(out, 'x.npy'), x, [n, 100]);
writeNpy(path.join(out, 'y.npy'), Int32Array.from(ds.y as ArrayLike<number>), [n]);
const ckpt = mlpCheckpoint({ inputDim: 100, width: 16, classes: 10, loss: 'categoricalCrossentropy' });
(ckpt.modelTopology as any).config.layers[0].config.activation = 'tanh';
await writeCheckpoint(out, ckpt);
console.log(`wrote ${out}: ${n} images 10×10, MLP 100→16 tanh→10`);
