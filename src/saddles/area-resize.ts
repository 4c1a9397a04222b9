/**
 * Average-pool single-channel images to any size by area: output pixel (i, j) is the mean of
 * the input over the box [i·h/oh, (i+1)·h/oh) × [j·w/ow, (j+1)·w/ow), input pixels weighted by
 * their overlap with it. 28×28 → 10×10 (Dauphin et al. 2014's downsampled MNIST) has no integer
 * factor, so ../double-descent/downsample.ts cannot make it. Values as the model sees them
 * (x / xDivisor); the result has divisor 1.
 */
import type { Dataset } from '../io/types.js';
import { inputError, optionError } from '../errors.js';

/** weights[o·n + k]: the overlap of input cell k with output cell o's box, divided by the box length. */
function overlaps(n: number, m: number): Float64Array {
  const w = new Float64Array(m * n);
  const len = n / m;
  for (let o = 0; o < m; o++) {
    const a = o * len,
      b = (o + 1) * len;
    for (let k = Math.floor(a); k < Math.min(n, Math.ceil(b)); k++) w[o * n + k] = (Math.min(b, k + 1) - Math.max(a, k)) / len;
  }
  return w;
}

export function areaResize(ds: Dataset, size: number): Dataset {
  const s = ds.xShape;
  if (!(s.length === 2 || (s.length === 3 && s[2] === 1)))
    throw inputError(ds.source, `resizing needs single-channel images (h×w or h×w×1), got samples of shape [${s.join(', ')}]`);
  const [h, w] = s;
  if (!(Number.isInteger(size) && size >= 1 && size <= Math.min(h, w)))
    throw optionError('resize', `must be an integer in [1, ${Math.min(h, w)}], got ${size}`);
  const wr = overlaps(h, size),
    wc = overlaps(w, size);
  const div = ds.xDivisor ?? 1;
  const x = new Float32Array(ds.n * size * size);
  const rows = new Float64Array(size * w);
  for (let n = 0; n < ds.n; n++) {
    const src = n * h * w;
    rows.fill(0);
    for (let i = 0; i < size; i++)
      for (let r = 0; r < h; r++) {
        const a = wr[i * h + r];
        if (a !== 0) for (let c = 0; c < w; c++) rows[i * w + c] += a * ds.x[src + r * w + c];
      }
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        let v = 0;
        for (let c = 0; c < w; c++) v += wc[j * w + c] * rows[i * w + c];
        x[(n * size + i) * size + j] = v / div;
      }
  }
  return { ...ds, source: `${ds.source} (area-averaged to ${size}×${size})`, xShape: [size, size], x, xDivisor: 1 };
}
