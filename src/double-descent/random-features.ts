/**
 * Random-features regression (Belkin et al. 2019, "Reconciling modern machine learning practice
 * and the bias–variance trade-off", §3): fixed random ReLU features φ(x) = max(0, Wx/√d),
 * W ~ N(0, 1)^{p×d}, and the minimum-norm least-squares fit a = Φ⁺y of the p output weights.
 * Sweeping p through n_train shows the double-descent peak at p = n: below it the fit is a
 * least-squares regression, at p = n Φ is square and badly conditioned so the interpolant's norm
 * (and test error) blows up, above it the minimum-norm interpolant gets smoother as p grows.
 *
 * Φ⁺ is computed from the SVD of Φ with singular values below rcond·σ_max treated as zero (the
 * LAPACK/numpy `pinv` convention); rcond = 1e-10 keeps every singular value of a generic Φ,
 * including the small ones that make the peak, so this is the exact min-norm solution, not ridge.
 *
 * Data: x ~ N(0, I_d), y = ⟨β, x⟩/√d + tanh(⟨γ, x⟩/√d) + ε, ε ~ N(0, noise²) on train AND test
 * targets (the test error is against noisy targets, so its floor is noise²). The training set is
 * fixed by dataSeed; each (p, seed) draws its own W.
 */
import { Matrix, SVD } from 'ml-matrix';
import { createRng, mixSeed } from '../random.js';
import { optionError } from '../errors.js';
import type { SweepRun } from './types.js';

/** The random-features sweep of {@link randomFeaturesSweep}: data sizes, widths, noise, seeds and ridge. */
export interface RandomFeaturesOptions {
  /** Training samples n (default 100). */
  nTrain?: number;
  /** Test samples (default 1000). */
  nTest?: number;
  /** Input dimension d (default 20). */
  inputDim?: number;
  /** Standard deviation of the target noise ε (default 0.5). */
  noise?: number;
  /** Feature counts p to fit (default: 25 values geometric in [n/10, 10n], plus n itself). */
  widths?: number[];
  /** Seeds per width (default 5): seed s draws W from mixSeed(s, p). */
  seeds?: number;
  /** Seed of the data (train and test sets; default 0). */
  dataSeed?: number;
  /** Relative singular-value cutoff of the pseudo-inverse (default 1e-10). */
  rcond?: number;
}

/** {@link RandomFeaturesOptions} with every default filled in. */
export type ResolvedRandomFeaturesOptions = Required<RandomFeaturesOptions>;

/** What {@link randomFeaturesSweep} returns: one run per width and seed, and the options it ran with. */
export interface RandomFeaturesResult {
  runs: SweepRun[];
  meta: { options: ResolvedRandomFeaturesOptions; elapsedMs: number };
}

/**
 * `count` distinct integers geometric in [lo, hi] (rounded), sorted, always including `include`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { geometricWidths } from 'losslens/studies';
 *
 * assert.deepEqual(geometricWidths(1, 100, 3), [1, 10, 100]);
 * assert.deepEqual(geometricWidths(1, 100, 3, [50]), [1, 10, 50, 100]); // widths to keep are added
 * ```
 */
export function geometricWidths(lo: number, hi: number, count: number, include: number[] = []): number[] {
  const out = new Set(include.filter((v) => v >= lo && v <= hi));
  for (let i = 0; i < count; i++) out.add(Math.round(lo * (hi / lo) ** (count === 1 ? 0 : i / (count - 1))));
  return [...out].filter((v) => v >= 1).sort((a, b) => a - b);
}

export function resolveRandomFeaturesOptions(o: RandomFeaturesOptions = {}): ResolvedRandomFeaturesOptions {
  const nTrain = o.nTrain ?? 100;
  const r: ResolvedRandomFeaturesOptions = {
    nTrain,
    nTest: o.nTest ?? 1000,
    inputDim: o.inputDim ?? 20,
    noise: o.noise ?? 0.5,
    widths: o.widths ?? geometricWidths(Math.max(1, Math.round(nTrain / 10)), nTrain * 10, 25, [nTrain]),
    seeds: o.seeds ?? 5,
    dataSeed: o.dataSeed ?? 0,
    rcond: o.rcond ?? 1e-10,
  };
  const int = (f: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw optionError(f, `must be an integer ≥ ${min}, got ${v}`);
  };
  int('nTrain', r.nTrain, 2);
  int('nTest', r.nTest, 1);
  int('inputDim', r.inputDim, 1);
  int('seeds', r.seeds, 1);
  int('dataSeed', r.dataSeed, 0);
  if (!(r.noise >= 0)) throw optionError('noise', `must be ≥ 0, got ${r.noise}`);
  if (!(r.rcond > 0 && r.rcond < 1)) throw optionError('rcond', `must be in (0, 1), got ${r.rcond}`);
  if (r.widths.length === 0) throw optionError('widths', 'needs at least one width');
  for (const w of r.widths) int('widths', w, 1);
  return r;
}

interface Sample {
  x: Float64Array;
  y: Float64Array;
  n: number;
}

/** The teacher's data: n samples of dimension d (row-major x), noisy targets. */
function makeData(n: number, d: number, noise: number, seed: number, teacher: { beta: Float64Array; gamma: Float64Array }): Sample {
  const rng = createRng(seed);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  const s = 1 / Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      x[i * d + j] = v;
      a += teacher.beta[j] * v;
      b += teacher.gamma[j] * v;
    }
    y[i] = a * s + Math.tanh(b * s) + noise * rng.normal();
  }
  return { x, y, n };
}

/** Φ = max(0, XWᵀ/√d) as n rows of p features. */
function features(data: Sample, w: Float64Array, p: number, d: number): Float64Array[] {
  const phi: Float64Array[] = [];
  const s = 1 / Math.sqrt(d);
  for (let i = 0; i < data.n; i++) {
    const row = new Float64Array(p);
    phi.push(row);
    for (let k = 0; k < p; k++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += data.x[i * d + j] * w[k * d + j];
      row[k] = z > 0 ? z * s : 0;
    }
  }
  return phi;
}

/**
 * Minimum-norm least squares a = Φ⁺y (Φ given as rows) through the SVD (cutoff rcond·σ_max).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { minNormLeastSquares } from 'losslens/studies';
 *
 * // one equation a₁ + a₂ = 2 in two unknowns: of all its solutions, (1, 1) has the smallest norm
 * const a = minNormLeastSquares([Float64Array.of(1, 1)], Float64Array.of(2), 1e-12);
 * assert.ok(Math.abs(a[0] - 1) < 1e-12 && Math.abs(a[1] - 1) < 1e-12);
 * ```
 */
export function minNormLeastSquares(rows: Float64Array[], y: Float64Array, rcond: number): Float64Array {
  const phi = new Matrix(rows.map((r) => Array.from(r)));
  const svd = new SVD(phi, { autoTranspose: true, computeLeftSingularVectors: true, computeRightSingularVectors: true });
  const U = svd.leftSingularVectors;
  const V = svd.rightSingularVectors;
  const sv = svd.diagonal;
  const cut = rcond * Math.max(...sv);
  const p = phi.columns;
  const a = new Float64Array(p);
  for (let k = 0; k < sv.length; k++) {
    if (!(sv[k] > cut)) continue;
    let c = 0;
    for (let i = 0; i < y.length; i++) c += U.get(i, k) * y[i];
    c /= sv[k];
    for (let j = 0; j < p; j++) a[j] += V.get(j, k) * c;
  }
  return a;
}

function mse(phi: Float64Array[], a: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const row = phi[i];
    let f = 0;
    for (let j = 0; j < a.length; j++) f += row[j] * a[j];
    s += (f - y[i]) ** 2;
  }
  return s / y.length;
}

/**
 * Fit every (p, seed); errors and losses are MSEs (train on the fixed training set, test on fresh noisy
 * samples).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { randomFeaturesSweep } from 'losslens/studies';
 *
 * // with at least as many features as the 20 training samples, least squares interpolates them
 * const { runs } = randomFeaturesSweep({ nTrain: 20, nTest: 100, widths: [5, 40], seeds: 1 });
 * const at = (width: number) => runs.find((r) => r.width === width)!;
 * assert.ok(at(40).trainError < 1e-12);
 * assert.ok(at(5).trainError > 1e-3);
 * ```
 */
export function randomFeaturesSweep(options: RandomFeaturesOptions = {}, onProgress?: (done: number, total: number) => void): RandomFeaturesResult {
  const started = Date.now();
  const o = resolveRandomFeaturesOptions(options);
  const d = o.inputDim;
  const trng = createRng(mixSeed(o.dataSeed, 1));
  const teacher = { beta: Float64Array.from({ length: d }, () => trng.normal()), gamma: Float64Array.from({ length: d }, () => trng.normal()) };
  const train = makeData(o.nTrain, d, o.noise, mixSeed(o.dataSeed, 2), teacher);
  const test = makeData(o.nTest, d, o.noise, mixSeed(o.dataSeed, 3), teacher);
  const runs: SweepRun[] = [];
  const total = o.widths.length * o.seeds;
  for (const p of o.widths) {
    for (let seed = 0; seed < o.seeds; seed++) {
      const rng = createRng(mixSeed(seed, p, 7));
      const w = Float64Array.from({ length: p * d }, () => rng.normal());
      const phi = features(train, w, p, d);
      const a = minNormLeastSquares(phi, train.y, o.rcond);
      const trainMse = mse(phi, a, train.y);
      const testMse = mse(features(test, w, p, d), a, test.y);
      runs.push({ width: p, seed, params: p, trainLoss: trainMse, trainError: trainMse, testLoss: testMse, testError: testMse });
      onProgress?.(runs.length, total);
    }
  }
  return { runs, meta: { options: o, elapsedMs: Date.now() - started } };
}
