/**
 * XTrace and XDiag (Epperly, Tropp & Webber 2024, "XTrace: making the most of every sample
 * in stochastic trace estimation", SIMAX): Hutch++'s low-rank deflation made exchangeable.
 *
 * With m Rademacher test vectors W = [w₁…w_m], Y = HW = QR and, for each i, Qᵢ the basis
 * of Y without column i: QᵢQᵢᵀ = Q(I − sᵢsᵢᵀ)Qᵀ with sᵢ the i-th column of R⁻ᵀ normalised.
 * Sample i is the trace of H on span(Qᵢ) plus a Hutchinson estimate with wᵢ on its complement:
 *   tᵢ = tr(QᵀHQ) − sᵢᵀ(QᵀHQ)sᵢ + wᵢᵀ Pᵢ H Pᵢ wᵢ,   Pᵢ = I − QᵢQᵢᵀ,
 * and the estimate is mean(tᵢ) with stderr std(tᵢ)/√m (the samples are exchangeable; the
 * paper's error estimate). Cost: 2m matvecs (HW and HQ). XDiag is the same construction for
 * the diagonal: dᵢ = diag(Q(I − sᵢsᵢᵀ)QᵀH) + wᵢ ⊙ (I − QᵢQᵢᵀ)Hwᵢ, per-entry mean and stderr.
 * A rank-deficient Y (H of rank < m) makes tr(QᵀHQ) exact: that is returned with stderr 0.
 */
import { Matrix, inverse } from 'ml-matrix';
import { optionError } from '../errors.js';
import { rademacherVector } from '../random.js';
import { thinQr } from './thin-qr.js';
import { applyMatVec, combine, dot, type MatVec, type OnProgress } from './vector-ops.js';

export interface XSketch {
  W: Float64Array[];
  HW: Float64Array[];
  Q: Float64Array[];
  HQ: Float64Array[];
  /** QᵀHQ (m×m), symmetrised. */
  M: Matrix;
  /** Columns sᵢ (normalised columns of R⁻ᵀ); null when Y is rank-deficient. */
  S: number[][] | null;
  matvecs: number;
}

const seedOf = (seed: number, i: number) => (seed + Math.imul(i + 1, 0x27d4eb2f)) >>> 0;

/** The shared sketch: m Rademacher vectors, HW, its QR, HQ and the leave-one-out vectors sᵢ. */
export async function xSketch(
  matvec: MatVec,
  dim: number,
  m: number,
  seed: number,
  onProgress?: OnProgress,
  onProduct?: (z: Float64Array, hz: Float64Array) => void,
): Promise<XSketch> {
  if (!Number.isInteger(m) || m < 2) throw optionError('probes', `XTrace/XDiag need at least 4 matvecs (2 test vectors), got ${2 * m}`);
  if (m >= dim) throw optionError('probes', `XTrace/XDiag use 2 matvecs per test vector and need probes/2 < dim = ${dim}, got ${m}`);
  const W: Float64Array[] = [],
    HW: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    W.push(rademacherVector(dim, seedOf(seed, i)));
    HW.push(await applyMatVec(matvec, W[i]));
    onProduct?.(W[i], HW[i]);
    onProgress?.(i + 1, 2 * m);
  }
  const { Q, R, fullRank } = thinQr(HW);
  const HQ: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    HQ.push(fullRank || Q[i].some((x) => x !== 0) ? await applyMatVec(matvec, Q[i]) : new Float64Array(dim));
    onProgress?.(m + i + 1, 2 * m);
  }
  const M = new Matrix(m, m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b <= a; b++) {
      const v = (dot(Q[a], HQ[b]) + dot(Q[b], HQ[a])) / 2;
      M.set(a, b, v);
      M.set(b, a, v);
    }
  let S: number[][] | null = null;
  if (fullRank) {
    const Rinv = inverse(R.transpose());
    S = Array.from({ length: m }, (_, i) => {
      const c = Rinv.getColumn(i);
      const n = Math.hypot(...c);
      return c.map((x) => x / n);
    });
  }
  return { W, HW, Q, HQ, M, S, matvecs: HQ.length + HW.length };
}

/** Qᵀx as an array. */
const qt = (Q: Float64Array[], x: Float64Array) => Q.map((q) => dot(q, x));
/** (I − ssᵀ)c. */
const deflate = (c: number[], s: number[]) => {
  const k = c.reduce((a, x, j) => a + x * s[j], 0);
  return c.map((x, j) => x - k * s[j]);
};

/** An XTrace estimate: the value, its leave-one-out standard error and samples, the products used, and whether it is exact (rank below the probe count). */
export interface XTraceResult {
  estimate: number;
  stderr: number | null;
  samples: number[];
  matvecs: number;
  exact: boolean;
}

export function xtraceFromSketch(sk: XSketch): XTraceResult {
  const m = sk.W.length,
    dim = sk.W[0].length;
  const trM = Array.from({ length: m }, (_, i) => sk.M.get(i, i)).reduce((a, b) => a + b, 0);
  if (!sk.S) return { estimate: trM, stderr: 0, samples: [trM], matvecs: sk.matvecs, exact: true };
  const samples = sk.W.map((w, i) => {
    const s = sk.S![i];
    const sMs = s.reduce((a, x, j) => a + x * s.reduce((b, y, k) => b + sk.M.get(j, k) * y, 0), 0);
    // H Pᵢ w = Hw − HQ (I − ssᵀ) Qᵀw, then Pᵢ of it
    const u = Float64Array.from(sk.HW[i]);
    const hq = combine(sk.HQ, deflate(qt(sk.Q, w), s), dim);
    for (let t = 0; t < dim; t++) u[t] -= hq[t];
    const pu = combine(sk.Q, deflate(qt(sk.Q, u), s), dim);
    for (let t = 0; t < dim; t++) u[t] -= pu[t];
    return trM - sMs + dot(w, u);
  });
  const estimate = samples.reduce((a, b) => a + b, 0) / m;
  const v = samples.reduce((a, b) => a + (b - estimate) ** 2, 0) / (m - 1);
  return { estimate, stderr: Math.sqrt(v / m), samples, matvecs: sk.matvecs, exact: false };
}

/**
 * XTrace (Epperly, Tropp and Webber 2024): a trace estimate that is exact for operators of rank
 * below the probe count and has a leave-one-out standard error otherwise.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, xtrace } from 'losslens/curvature';
 *
 * const op = diagonalOperator([10, 5, 1, 0, 0, 0, 0, 0]);
 * const t = await xtrace(op.matvec, op.dim, { probes: 8, seed: 0 });
 * assert.ok(Math.abs(t.estimate - 16) < 1e-10); // rank 3 ≤ the sketch: the trace exactly
 * assert.equal(t.exact, true);
 * ```
 */
export async function xtrace(matvec: MatVec, dim: number, options: { probes?: number; seed?: number; onProgress?: OnProgress } = {}): Promise<XTraceResult> {
  const m = Math.floor((options.probes ?? 30) / 2);
  return xtraceFromSketch(await xSketch(matvec, dim, m, options.seed ?? 0, options.onProgress));
}

/** An estimated diagonal: per-entry mean and standard error over the samples drawn. */
export interface DiagonalSamples {
  mean: Float64Array;
  stderr: Float64Array | null;
  samples: number;
  matvecs: number;
}

/** XDiag: per-entry mean and stderr over the m exchangeable samples dᵢ. */
export function xdiagFromSketch(sk: XSketch): DiagonalSamples {
  const m = sk.W.length,
    dim = sk.W[0].length;
  // diag(QQᵀH) = Σ_a Q_a ⊙ (HQ)_a (QᵀH = (HQ)ᵀ, H symmetric); leaving sᵢ out subtracts (Qsᵢ) ⊙ (HQ sᵢ)
  const base = new Float64Array(dim);
  for (let a = 0; a < m; a++) for (let t = 0; t < dim; t++) base[t] += sk.Q[a][t] * sk.HQ[a][t];
  if (!sk.S) return { mean: base, stderr: new Float64Array(dim), samples: 1, matvecs: sk.matvecs };
  const sum = new Float64Array(dim),
    sq = new Float64Array(dim);
  sk.W.forEach((w, i) => {
    const s = sk.S![i];
    const qs = combine(sk.Q, s, dim),
      hqs = combine(sk.HQ, s, dim);
    // (I − QᵢQᵢᵀ)Hw = Hw − Q(I − ssᵀ)QᵀHw
    const hw = sk.HW[i];
    const p = combine(sk.Q, deflate(qt(sk.Q, hw), s), dim);
    for (let t = 0; t < dim; t++) {
      const x = base[t] - qs[t] * hqs[t] + w[t] * (hw[t] - p[t]);
      sum[t] += x;
      sq[t] += x * x;
    }
  });
  return meanStderr(sum, sq, m, sk.matvecs);
}

export function meanStderr(sum: Float64Array, sq: Float64Array, n: number, matvecs: number): DiagonalSamples {
  const mean = sum.map((x) => x / n);
  const stderr = n > 1 ? sum.map((x, t) => Math.sqrt(Math.max(0, (sq[t] - (x * x) / n) / (n - 1)) / n)) : null;
  return { mean, stderr, samples: n, matvecs };
}
