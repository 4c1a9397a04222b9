/**
 * Random-features classification on a real dataset (Belkin et al. 2019, §3 and Fig. 2 on MNIST):
 * fixed random ReLU features φ(x) = max(0, W(x − x̄)/√d), W ~ N(0, 1)^{p×d}, x̄ the training mean,
 * and the minimum-norm least-squares fit A = Φ⁺Y of one-hot targets Y (n×K, all K outputs share
 * Φ⁺). The predicted class is argmax of φ(x)ᵀA. Sweeping p through n shows the peak at p = n
 * (each output is a separate regression with p coefficients, so the threshold is p = n, not n·K).
 *
 * Φ⁺Y without an SVD of the n×p Φ: with m = min(n, p) the m×m Gram matrix (ΦᵀΦ for p ≤ n, ΦΦᵀ for
 * p > n) is eigendecomposed (symmetric, float64), eigenvalues below rcond²·λmax dropped:
 *   p ≤ n:  A = G⁺ΦᵀY,  G = ΦᵀΦ        p > n:  A = Φᵀ K⁺Y,  K = ΦΦᵀ
 * Both equal the pseudo-inverse solution (same null-space convention as numpy's pinv with
 * rcond); the Gram squares the condition number, so rcond defaults to 1e-7 (λ cut at 1e-14·λmax).
 * "Error" is the misclassification rate, "loss" the mean squared error per output (Keras' MSE).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { createRng } from '../random.js';
import { optionError } from '../errors.js';
import type { SweepRun } from './types.js';

export interface LabelledRows {
  /** n rows of d values, row-major (the values the model sees). */
  x: Float32Array | Float64Array;
  n: number;
  d: number;
  /** Class index per row. */
  labels: ArrayLike<number>;
}

export interface RfDataOptions {
  widths: number[];
  seeds: number;
  classes: number;
  rcond?: number;
}

/** A 32-bit stream seed from (seed, p). */
function mix(seed: number, p: number): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  h = Math.imul(h ^ p, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Φ (n×p, row-major float64) of centred rows. */
function features(rows: LabelledRows, mean: Float64Array, w: Float64Array, p: number): Float64Array {
  const { n, d, x } = rows;
  const phi = new Float64Array(n * p);
  const s = 1 / Math.sqrt(d);
  const xc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xc[j] = x[i * d + j] - mean[j];
    for (let k = 0; k < p; k++) {
      let z = 0;
      const wk = k * d;
      for (let j = 0; j < d; j++) z += xc[j] * w[wk + j];
      phi[i * p + k] = z > 0 ? z * s : 0;
    }
  }
  return phi;
}

/** Pseudo-inverse of a symmetric PSD m×m matrix applied to B (m×K), eigenvalues < rcond²·λmax dropped. */
function psdSolve(g: Float64Array, m: number, b: Float64Array, k: number, rcond: number): Float64Array {
  const G = new Matrix(m, m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) G.set(i, j, g[i * m + j]);
  const evd = new EigenvalueDecomposition(G, { assumeSymmetric: true });
  const lam = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  const cut = rcond * rcond * Math.max(...lam);
  const out = new Float64Array(m * k);
  for (let e = 0; e < m; e++) {
    if (!(lam[e] > cut)) continue;
    for (let c = 0; c < k; c++) {
      let proj = 0;
      for (let i = 0; i < m; i++) proj += V.get(i, e) * b[i * k + c];
      proj /= lam[e];
      for (let i = 0; i < m; i++) out[i * k + c] += V.get(i, e) * proj;
    }
  }
  return out;
}

/** Minimum-norm least squares A = Φ⁺Y for Φ n×p and Y n×K (row-major); returns A p×K. */
export function minNormFit(phi: Float64Array, n: number, p: number, y: Float64Array, k: number, rcond = 1e-7): Float64Array {
  return p <= n ? primalFit(phi, n, p, y, k, rcond) : dualFit(phi, n, p, y, k, rcond);
}

/** p ≤ n: A = (ΦᵀΦ)⁺ΦᵀY. */
function primalFit(phi: Float64Array, n: number, p: number, y: Float64Array, k: number, rcond: number): Float64Array {
  const g = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const r = i * p;
    for (let a = 0; a < p; a++) {
      const va = phi[r + a];
      if (va === 0) continue;
      for (let b = a; b < p; b++) g[a * p + b] += va * phi[r + b];
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) g[a * p + b] = g[b * p + a];
  const rhs = new Float64Array(p * k);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) for (let c = 0; c < k; c++) rhs[a * k + c] += phi[i * p + a] * y[i * k + c];
  return psdSolve(g, p, rhs, k, rcond);
}

/** p > n: A = Φᵀ(ΦΦᵀ)⁺Y. */
function dualFit(phi: Float64Array, n: number, p: number, y: Float64Array, k: number, rcond: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += phi[i * p + a] * phi[j * p + a];
      g[i * n + j] = g[j * n + i] = s;
    }
  }
  const z = psdSolve(g, n, y, k, rcond);
  const a = new Float64Array(p * k);
  for (let i = 0; i < n; i++) for (let q = 0; q < p; q++) for (let c = 0; c < k; c++) a[q * k + c] += phi[i * p + q] * z[i * k + c];
  return a;
}

function score(phi: Float64Array, n: number, p: number, a: Float64Array, labels: ArrayLike<number>, k: number): { loss: number; error: number } {
  let se = 0;
  let wrong = 0;
  const f = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    f.fill(0);
    for (let q = 0; q < p; q++) {
      const v = phi[i * p + q];
      if (v !== 0) for (let c = 0; c < k; c++) f[c] += v * a[q * k + c];
    }
    let best = 0;
    for (let c = 0; c < k; c++) {
      se += (f[c] - (labels[i] === c ? 1 : 0)) ** 2;
      if (f[c] > f[best]) best = c;
    }
    if (best !== labels[i]) wrong++;
  }
  return { loss: se / (n * k), error: wrong / n };
}

/** Fit every (p, seed) on `train`, score on both sets. Seed s draws W from mix(s, p). */
export function randomFeaturesOnData(
  train: LabelledRows,
  test: LabelledRows,
  o: RfDataOptions,
  onProgress?: (done: number, total: number) => void,
): SweepRun[] {
  if (test.d !== train.d) throw optionError('test', `test rows have ${test.d} values, training rows ${train.d}`);
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${o.seeds}`);
  for (const p of o.widths)
    if (!(Number.isInteger(p) && p >= 1 && p <= 1e5)) throw optionError('widths', `each feature count must be an integer in [1, 100000], got ${p}`);
  const { n, d } = train;
  const k = o.classes;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += train.x[i * d + j] / n;
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) y[i * k + train.labels[i]] = 1;
  const runs: SweepRun[] = [];
  const total = o.widths.length * o.seeds;
  for (const p of o.widths) {
    for (let seed = 0; seed < o.seeds; seed++) {
      const rng = createRng(mix(seed, p));
      const w = Float64Array.from({ length: p * d }, () => rng.normal());
      const phi = features(train, mean, w, p);
      const a = minNormFit(phi, n, p, y, k, o.rcond);
      const tr = score(phi, n, p, a, train.labels, k);
      const te = score(features(test, mean, w, p), test.n, p, a, test.labels, k);
      runs.push({ width: p, seed, params: p, trainLoss: tr.loss, trainError: tr.error, testLoss: te.loss, testError: te.error });
      onProgress?.(runs.length, total);
    }
  }
  return runs;
}
