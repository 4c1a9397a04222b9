/**
 * The full spectrum of a curvature matrix of a small model: the matrix assembled column by
 * column from d exact products (He_j), symmetrised ((H + Hᵀ)/2: float32 products are symmetric
 * only to rounding), and its eigenvalues computed in float64 by Householder tridiagonalisation
 * and QL (symmetric-eigen.ts). O(d) products, d² doubles of memory and O(d³) time.
 *
 * The asymmetry K = (H − Hᵀ)/2 of the assembled matrix measures the products' rounding: its
 * relative Frobenius norm is reported as a check, and ‖K‖₁ (= ‖K‖∞ for an antisymmetric K, so
 * ‖K‖₂ ≤ ‖K‖₁) is the noise radius: an error of that size in the symmetric part would move
 * each eigenvalue by at most as much (Weyl), so eigenvalues within it of a threshold are
 * counted as undecided. It is a proxy (the symmetric part's own error is not observable), of
 * the same order as the rounding of one product.
 */
import { optionError } from '../errors.js';
import { applyMatVec, type MatVec, type OnProgress } from './vector-ops.js';
import { symmetricEigenvalues, type Tridiagonal } from './symmetric-eigen.js';

/** Above this dimension the d² matrix (128 MiB at 4 000) is refused. */
export const DENSE_MAX_DIM = 8000;

export interface DenseSpectrum {
  /** All eigenvalues, ascending. */
  values: Float64Array;
  /** T similar to the symmetrised matrix: exact counts below any shift (sturmCount). */
  tridiagonal: Tridiagonal;
  /** ‖H − Hᵀ‖_F / ‖H‖_F of the assembled matrix. */
  asymmetry: number;
  /** ‖(H − Hᵀ)/2‖₁: a bound on ‖(H − Hᵀ)/2‖₂, the eigenvalue noise radius used for counts. */
  noiseRadius: number;
  matvecs: number;
  timingsMs: { assemble: number; eigen: number };
}

/** Column j of H (= row j of the returned row-major array) for every j. */
async function assemble(matvec: MatVec, d: number, onProgress?: OnProgress): Promise<Float64Array> {
  const a = new Float64Array(d * d);
  const e = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    e.fill(0);
    e[j] = 1;
    a.set(await applyMatVec(matvec, e), j * d);
    onProgress?.(j + 1, d);
  }
  return a;
}

/** Symmetrises the lower triangle in place; returns the asymmetry measures. */
function symmetrise(a: Float64Array, d: number): { asymmetry: number; noiseRadius: number } {
  let total = 0,
    anti = 0;
  const colSum = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    total += a[i * d + i] ** 2;
    for (let j = 0; j < i; j++) {
      const x = a[i * d + j],
        y = a[j * d + i];
      const k = Math.abs(x - y) / 2;
      total += x * x + y * y;
      anti += 2 * k * k;
      colSum[i] += k;
      colSum[j] += k;
      a[i * d + j] = (x + y) / 2;
    }
  }
  let noiseRadius = 0;
  for (let j = 0; j < d; j++) noiseRadius = Math.max(noiseRadius, colSum[j]);
  return { asymmetry: total > 0 ? Math.sqrt((4 * anti) / total) : 0, noiseRadius };
}

/** The full spectrum of the operator `matvec` of dimension d, from d products. */
export async function denseSpectrumOf(matvec: MatVec, d: number, options: { onProgress?: OnProgress } = {}): Promise<DenseSpectrum> {
  if (!Number.isInteger(d) || d < 1) throw optionError('dim', `must be a positive integer, got ${d}`);
  if (d > DENSE_MAX_DIM)
    throw optionError(
      'saddleMethod',
      `dense needs a ${d}×${d} matrix (${((d * d * 8) / 2 ** 30).toFixed(1)} GiB); at most ${DENSE_MAX_DIM} parameters: use iterative`,
    );
  const t0 = Date.now();
  const a = await assemble(matvec, d, options.onProgress);
  const t1 = Date.now();
  const { asymmetry, noiseRadius } = symmetrise(a, d);
  const { values, tridiagonal } = symmetricEigenvalues(a, d);
  return { values, tridiagonal, asymmetry, noiseRadius, matvecs: d, timingsMs: { assemble: t1 - t0, eigen: Date.now() - t1 } };
}

/** The reference spectrum (ascending) from a float32 HVP: for checks of the iterative estimates. */
export async function denseSpectrum(hvp: (v: Float32Array) => Promise<Float32Array>, d: number): Promise<number[]> {
  const matvec: MatVec = async (v) => Float64Array.from(await hvp(Float32Array.from(v)));
  return Array.from((await denseSpectrumOf(matvec, d)).values);
}
