/**
 * Weight initializers drawn from our seeded Rng (never tfjs' own random ops, so the same
 * seed gives the same θ on every backend). Keras semantics; fans as in tfjs-layers:
 * a rank-2 kernel [in, out] has fan_in = in, fan_out = out; a conv kernel [..., cin, cout]
 * multiplies both by the receptive-field size.
 *
 * VarianceScaling(scale, mode, distribution), n = fan_in | fan_out | (fan_in+fan_out)/2:
 *   uniform             U(−√(3·scale/n), √(3·scale/n))
 *   truncated_normal    N(0, σ²) cut at ±2σ, σ = √(scale/n)/0.87962566 (Keras: keeps the variance)
 *   normal              N(0, scale/n) cut at ±2σ, uncorrected (what tfjs-layers' 'normal' draws)
 *   untruncated_normal  N(0, scale/n)
 * Glorot = (1, fan_avg), He = (2, fan_in), LeCun = (1, fan_in); *Normal uses truncated_normal.
 */
import { QrDecomposition, Matrix } from 'ml-matrix';
import { createRng, type Rng } from '../random.js';
import { optionError, unsupportedError } from '../errors.js';

/** Names accepted by --init besides 'checkpoint' and 'topology'. */
export const NAMED_INITIALIZERS = ['glorot-uniform', 'glorot-normal', 'he-uniform', 'he-normal', 'lecun-uniform', 'lecun-normal', 'orthogonal'] as const;

type Dist = 'uniform' | 'truncated_normal' | 'normal' | 'untruncated_normal';
type Mode = 'fan_in' | 'fan_out' | 'fan_avg';

export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * rf, fanOut: shape[shape.length - 1] * rf };
}

function truncated(rng: Rng, sd: number, mean = 0): number {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return mean + sd * z;
  }
}

function varianceScaling(shape: number[], rng: Rng, scale: number, mode: Mode, dist: Dist): Float32Array {
  const { fanIn, fanOut } = fans(shape);
  const n = Math.max(1, mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const s = scale / n;
  for (let i = 0; i < out.length; i++) {
    if (dist === 'uniform') out[i] = (2 * rng.next() - 1) * Math.sqrt(3 * s);
    else if (dist === 'truncated_normal') out[i] = truncated(rng, Math.sqrt(s) / 0.87962566103423978);
    else if (dist === 'normal') out[i] = truncated(rng, Math.sqrt(s));
    else out[i] = rng.normal() * Math.sqrt(s);
  }
  return out;
}

function orthogonal(shape: number[], rng: Rng, gain: number): Float32Array {
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = shape.reduce((a, b) => a * b, 1) / cols;
  const [r, c] = rows >= cols ? [rows, cols] : [cols, rows];
  const a = new Matrix(r, c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) a.set(i, j, rng.normal());
  const qr = new QrDecomposition(a);
  const q = qr.orthogonalMatrix.subMatrix(0, r - 1, 0, c - 1);
  const d = qr.upperTriangularMatrix;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const [ii, jj] = rows >= cols ? [i, j] : [j, i];
      out[i * cols + j] = gain * q.get(ii, jj) * Math.sign(d.get(jj, jj) || 1);
    }
  }
  return out;
}

/** A Keras initializer config ({class_name, config} or a plain name) → values of `shape`. */
export function sampleInitializer(spec: any, shape: number[], seed: number, where = 'initializer'): Float32Array {
  const rng = createRng(seed);
  const rawName: string = typeof spec === 'string' ? spec : String(spec?.class_name ?? spec?.className ?? '');
  const c = (typeof spec === 'object' && spec?.config) || {};
  const key = rawName.replace(/[_\-\s]/g, '').toLowerCase();
  const size = shape.reduce((a, b) => a * b, 1);
  const fill = (f: () => number) => Float32Array.from({ length: size }, f);
  switch (key) {
    case 'zeros':
    case 'zero':
      return new Float32Array(size);
    case 'ones':
    case 'one':
      return new Float32Array(size).fill(1);
    case 'constant':
      return new Float32Array(size).fill(Number(c.value ?? 0));
    case 'randomnormal':
      return fill(() => (c.mean ?? 0) + (c.stddev ?? 0.05) * rng.normal());
    case 'randomuniform': {
      const lo = c.minval ?? -0.05,
        hi = c.maxval ?? 0.05;
      return fill(() => lo + (hi - lo) * rng.next());
    }
    case 'truncatednormal':
      return fill(() => truncated(rng, c.stddev ?? 0.05, c.mean ?? 0));
    case 'glorotuniform':
      return varianceScaling(shape, rng, 1, 'fan_avg', 'uniform');
    case 'glorotnormal':
      return varianceScaling(shape, rng, 1, 'fan_avg', 'truncated_normal');
    case 'heuniform':
      return varianceScaling(shape, rng, 2, 'fan_in', 'uniform');
    case 'henormal':
      return varianceScaling(shape, rng, 2, 'fan_in', 'truncated_normal');
    case 'lecununiform':
      return varianceScaling(shape, rng, 1, 'fan_in', 'uniform');
    case 'lecunnormal':
      return varianceScaling(shape, rng, 1, 'fan_in', 'truncated_normal');
    case 'orthogonal':
      return orthogonal(shape, rng, c.gain ?? 1);
    case 'variancescaling': {
      const mode = String(c.mode ?? 'fan_in')
        .replace(/([A-Z])/g, '_$1')
        .toLowerCase() as Mode;
      const dist = String(c.distribution ?? 'truncated_normal')
        .replace(/([A-Z])/g, '_$1')
        .toLowerCase() as Dist;
      if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode)) throw unsupportedError(`${where}: VarianceScaling mode "${c.mode}"`);
      if (!['uniform', 'truncated_normal', 'normal', 'untruncated_normal'].includes(dist))
        throw unsupportedError(`${where}: VarianceScaling distribution "${c.distribution}"`);
      return varianceScaling(shape, rng, c.scale ?? 1, mode, dist);
    }
    default:
      throw unsupportedError(`${where}: initializer "${rawName}" is not supported; use --init with one of ${NAMED_INITIALIZERS.join(', ')}`);
  }
}

/** Validate a --init value. */
export function checkInitName(init: string): void {
  const ok = init === 'checkpoint' || init === 'topology' || (NAMED_INITIALIZERS as readonly string[]).includes(init);
  if (!ok) throw optionError('init', `unknown initialization "${init}"; valid: checkpoint, topology, ${NAMED_INITIALIZERS.join(', ')}`);
}
