/**
 * Average-pool image samples by an integer factor f: an h×w (or h×w×1) image becomes
 * ⌊h/f⌋×⌊w/f⌋, each output pixel the mean of its f×f block (a trailing partial block is dropped).
 * Values are taken as the model sees them (x / xDivisor), so the result is float32 with divisor 1.
 * Factor 1 returns the dataset unchanged. Pure: no file I/O.
 */
import type { Dataset } from '../io/types.js';
import { inputError, optionError } from '../errors.js';

/** The pooled image size, or an error naming the factor or the data. */
function pooledShape(ds: Dataset, factor: number): [number, number, number, number] {
  const s = ds.xShape;
  if (!(s.length === 2 || (s.length === 3 && s[2] === 1)))
    throw inputError(ds.source, `downsampling needs single-channel images (h×w or h×w×1), got samples of shape [${s.join(', ')}]`);
  const [h, w] = s;
  const [oh, ow] = [Math.floor(h / factor), Math.floor(w / factor)];
  if (oh < 1 || ow < 1) throw optionError('downsample', `factor ${factor} is larger than the ${h}×${w} images`);
  return [h, w, oh, ow];
}

export function averagePool(ds: Dataset, factor: number): Dataset {
  if (!(Number.isInteger(factor) && factor >= 1 && factor <= 64)) throw optionError('downsample', `must be an integer in [1, 64], got ${factor}`);
  if (factor === 1) return ds;
  const [h, w, oh, ow] = pooledShape(ds, factor);
  const div = ds.xDivisor ?? 1;
  const scale = 1 / (factor * factor * div);
  const x = new Float32Array(new SharedArrayBuffer(ds.n * oh * ow * 4));
  for (let n = 0; n < ds.n; n++) {
    const src = n * h * w;
    const dst = n * oh * ow;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let sum = 0;
        for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) sum += ds.x[src + (i * factor + a) * w + j * factor + b];
        x[dst + i * ow + j] = sum * scale;
      }
    }
  }
  return { ...ds, source: `${ds.source} (average-pooled ${factor}×${factor})`, xShape: [oh, ow], x, xDivisor: 1 };
}
