/**
 * Seeded label noise for the training set only: exactly round(fraction·n) samples, chosen by a
 * seeded permutation, get a uniformly random DIFFERENT class (Nakkiran et al. 2019's "p-noise").
 */
import { createRng, permutation } from '../random.js';
import { optionError } from '../errors.js';

export interface NoisyLabels {
  labels: Int32Array;
  /** Indices whose label was changed (sorted). */
  flipped: Uint32Array;
}

export function addLabelNoise(labels: ArrayLike<number>, classes: number, fraction: number, seed: number): NoisyLabels {
  if (!(fraction >= 0 && fraction <= 1)) throw optionError('labelNoise', `must be in [0, 1], got ${fraction}`);
  if (fraction > 0 && classes < 2) throw optionError('labelNoise', 'needs at least 2 classes');
  const out = Int32Array.from(labels);
  const count = Math.round(fraction * out.length);
  const flipped = permutation(out.length, seed).slice(0, count).sort();
  const rng = createRng((seed ^ 0x5bd1e995) >>> 0);
  for (const i of flipped) {
    const shift = 1 + rng.int(classes - 1);
    out[i] = (out[i] + shift) % classes;
  }
  return { labels: out, flipped };
}
