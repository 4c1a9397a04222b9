/**
 * XTrace, XDiag, the Hutchinson diagonal and the Frobenius norm against explicit matrices:
 * the fast leave-one-out formulas against a naive reference that re-does the QR without
 * each test vector (Algorithm 1.2 of Epperly et al. 2024), and every estimate against the
 * exact value within a few of its own standard errors.
 */
import { describe, it, expect } from 'vitest';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { xSketch, xtraceFromSketch, xdiagFromSketch } from '../src/curvature/xtrace.js';
import { hutchinsonTrace } from '../src/curvature/hutchinson-trace.js';
import { estimateDiagonal, ProductAccumulator, perLayerDiagonal, layerRanges } from '../src/curvature/diagonal-estimate.js';
import { rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';
import { rademacherVector } from '../src/random.js';

const decaying = (n: number) => Array.from({ length: n }, (_, i) => 50 * Math.exp(-i / 4) + 0.1 * Math.sin(i) + (i % 7 === 0 ? -0.3 : 0.05));

function naive(A: Matrix, W: Matrix): { traces: number[]; diags: number[][] } {
  const m = W.columns,
    n = A.rows;
  const Y = A.mmul(W);
  const traces: number[] = [],
    diags: number[][] = [];
  for (let i = 0; i < m; i++) {
    const cols = Array.from({ length: m }, (_, j) => j).filter((j) => j !== i);
    const Yi = new Matrix(cols.map((j) => Y.getColumn(j))).transpose();
    const Qi = new QrDecomposition(Yi).orthogonalMatrix.subMatrix(0, n - 1, 0, m - 2);
    const P = Matrix.eye(n).sub(Qi.mmul(Qi.transpose()));
    const w = W.getColumnVector(i);
    traces.push(Qi.transpose().mmul(A).mmul(Qi).trace() + w.transpose().mmul(P).mmul(A).mmul(P).mmul(w).get(0, 0));
    const QQA = Qi.mmul(Qi.transpose()).mmul(A);
    const PAw = P.mmul(A).mmul(w);
    diags.push(Array.from({ length: n }, (_, t) => QQA.get(t, t) + w.get(t, 0) * PAw.get(t, 0)));
  }
  return { traces, diags };
}

describe('XTrace and XDiag', () => {
  const op = rotatedSpectrumOperator(decaying(60), 3);
  const A = new Matrix(op.rows.map((r) => Array.from(r)));

  it('fast leave-one-out formulas equal the naive per-vector QR (1e-9: rounding of 60-dim products)', async () => {
    const sk = await xSketch(op.matvec, 60, 6, 11);
    const W = new Matrix(sk.W.map((w) => Array.from(w))).transpose();
    const ref = naive(A, W);
    const xt = xtraceFromSketch(sk);
    xt.samples.forEach((s, i) => expect(s).toBeCloseTo(ref.traces[i], 9));
    const xd = xdiagFromSketch(sk);
    const meanRef = Array.from({ length: 60 }, (_, t) => ref.diags.reduce((a, d) => a + d[t], 0) / 6);
    meanRef.forEach((v, t) => expect(xd.mean[t]).toBeCloseTo(v, 9));
    expect(sk.matvecs).toBe(12);
  });

  it('trace: its error estimate is roughly calibrated, and it beats Hutchinson at equal matvecs', async () => {
    const tr = A.trace();
    let errX = 0,
      errH = 0,
      errP = 0,
      within3 = 0;
    const seeds = 40;
    for (let seed = 0; seed < seeds; seed++) {
      const x = await hutchinsonTrace(op.matvec, 60, { method: 'xtrace', probes: 20, seed });
      const h = await hutchinsonTrace(op.matvec, 60, { method: 'hutchinson', probes: 20, seed });
      const p = await hutchinsonTrace(op.matvec, 60, { method: 'hutch++', probes: 21, seed });
      errP += (p.estimate - tr) ** 2;
      expect(x.matvecs).toBe(20);
      const z = Math.abs(x.estimate - tr) / x.stderr!;
      // std/√m of exchangeable (not independent) samples is the paper's heuristic error
      // estimate, ~1.6× optimistic here: guard all within 5 se and ≥ 85 % within 3 se
      expect(z).toBeLessThan(5);
      if (z < 3) within3++;
      errX += (x.estimate - tr) ** 2;
      errH += (h.estimate - tr) ** 2;
    }
    expect(within3 / seeds).toBeGreaterThanOrEqual(0.85);
    expect(errX).toBeLessThan(errH / 4); // the top eigen-directions dominate: deflation wins
    expect(errX).toBeLessThan(errP); // and exchangeability beats Hutch++'s split budget
  });
});

describe('Hutchinson diagonal, per-layer sums and the Frobenius norm', () => {
  const op = rotatedSpectrumOperator(decaying(60), 4);
  const A = new Matrix(op.rows.map((r) => Array.from(r)));
  const diag = Array.from({ length: 60 }, (_, t) => A.get(t, t));

  it('diagonal estimates cover the true diagonal within 3 stderr for ≥ 95% of entries (both methods)', async () => {
    for (const method of ['hutchinson', 'xdiag'] as const) {
      const d = await estimateDiagonal(op.matvec, 60, { method, probes: 40, seed: 2 });
      const covered = diag.filter((v, t) => Math.abs(d.mean[t] - v) <= 3 * d.stderr![t] + 1e-12).length;
      expect(covered / 60).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('Frobenius norm and per-layer block traces from the same Rademacher products', async () => {
    const layout = {
      dim: 60,
      blocks: [
        { layer: 'a', name: 'a/kernel', shape: [40], offset: 0, size: 40, role: 'kernel' as const, filterAxis: null },
        { layer: 'b', name: 'b/kernel', shape: [20], offset: 40, size: 20, role: 'kernel' as const, filterAxis: null },
      ],
    };
    const acc = new ProductAccumulator(60, layerRanges(layout));
    for (let i = 0; i < 200; i++) {
      const z = rademacherVector(60, 1000 + i);
      acc.add(z, await op.matvec(z));
    }
    const fro = acc.frobenius();
    const exactFro = Math.sqrt(op.eigenvalues.reduce((a, l) => a + l * l, 0));
    expect(Math.abs(fro.norm - exactFro)).toBeLessThan(3 * fro.stderr!);
    const layers = perLayerDiagonal(acc.diagonal(), layout, acc.layerTraceStderr());
    const exactA = diag.slice(0, 40).reduce((a, b) => a + b, 0),
      exactB = diag.slice(40).reduce((a, b) => a + b, 0);
    expect(layers.map((l) => l.layer)).toEqual(['a', 'b']);
    expect(Math.abs(layers[0].sum - exactA)).toBeLessThan(3 * layers[0].sumStderr!);
    expect(Math.abs(layers[1].sum - exactB)).toBeLessThan(3 * layers[1].sumStderr!);
  });
});
