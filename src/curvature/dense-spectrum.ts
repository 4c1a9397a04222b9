/**
 * The reference spectrum for small models: the Hessian assembled column by column from d exact
 * HVPs (He_j), symmetrised ((H + Hᵀ)/2: float32 products are symmetric only to rounding), and
 * eigen-decomposed in float64. O(d) HVPs and O(d³) time: for checking the iterative estimates on
 * models of a few thousand parameters, not for analysis.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export async function denseSpectrum(hvp: (v: Float32Array) => Promise<Float32Array>, d: number): Promise<number[]> {
  const cols: number[][] = [];
  for (let j = 0; j < d; j++) {
    const e = new Float32Array(d);
    e[j] = 1;
    cols.push(Array.from(await hvp(e)));
  }
  const H = new Matrix(cols);
  return [...new EigenvalueDecomposition(H.add(H.transpose()).mul(0.5), { assumeSymmetric: true }).realEigenvalues].sort((a, b) => a - b);
}
