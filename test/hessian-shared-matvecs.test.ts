/**
 * What the Hessian analysis gets from matvecs it already spends (the trace probes give ‖H‖_F
 * and the Hutchinson diagonal; the SLQ probes give a second trace and bounds on the
 * extremes), the optional density, XTrace as a trace method, and the two-pass determinism
 * guard, on a quadratic with a known spectrum; then the CLI end to end on spiral-tanh.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeHessian } from '../src/curvature/analyze-hessian.js';
import { rotatedSpectrumOperator } from '../src/curvature/known-spectrum.js';
import { quadraticObjective } from './helpers/quadratic-objective.js';
import { runCli, ROOT } from './helpers/run-cli.js';
import type { Objective } from '../src/objective/types.js';

const lambdas = [-2, -1, -0.5, ...Array.from({ length: 50 }, (_, i) => 0.02 * i), 8, 12, 20];
const op = rotatedSpectrumOperator(lambdas, 9);
const A = op.rows.map((r) => Array.from(r));
const layout = {
  dim: lambdas.length,
  blocks: [
    { layer: 'a', name: 'a/kernel', shape: [30], offset: 0, size: 30, role: 'kernel' as const, filterAxis: null },
    { layer: 'b', name: 'b/kernel', shape: [26], offset: 30, size: 26, role: 'kernel' as const, filterAxis: null },
  ],
};
const obj = quadraticObjective(A, new Array(lambdas.length).fill(0), { layout });
const tr = lambdas.reduce((a, b) => a + b, 0);
const fro = Math.sqrt(lambdas.reduce((a, b) => a + b * b, 0));

describe('shared matvecs', () => {
  it('Frobenius, diagonal per layer and the SLQ trace come with no extra HVPs', async () => {
    const base = { top: 2, bottom: 2, maxIter: 30, probes: 60, slqOrder: 20, slqProbes: 6, seed: 2 };
    const plain = await analyzeHessian(obj, { ...base });
    const more = await analyzeHessian(obj, { ...base, diagonal: 'hutchinson' });
    expect(more.hvps).toBe(plain.hvps); // the diagonal reused the 60 trace products
    expect(more.diagonal!.sharedWithTrace).toBe(true);
    expect(Math.abs(plain.frobenius.norm - fro)).toBeLessThan(3 * plain.frobenius.stderr!);
    const diagA = A.map((r, i) => r[i]);
    const sumA = diagA.slice(0, 30).reduce((a, b) => a + b, 0);
    const la = more.diagonal!.perLayer[0];
    expect(Math.abs(la.sum - sumA)).toBeLessThan(3 * la.sumStderr!);
    expect(more.diagonalValues!.mean).toHaveLength(56);
    // the SLQ first moments: n·vᵀHv per probe, unbiased for tr(H); per-probe sd ≈ √2·‖H‖_F ≈ 35 here,
    // so 40 short probes for a stderr that is itself well estimated
    const slqTr = (await analyzeHessian(obj, { ...base, slqProbes: 40, slqOrder: 4 })).trace.slq!;
    expect(Math.abs(slqTr.estimate - tr)).toBeLessThan(3 * slqTr.stderr!);
    // Ritz values lie inside the spectrum
    expect(plain.density!.extremeBounds.lambdaMaxAtLeast).toBeLessThanOrEqual(20 + 1e-5);
    expect(plain.density!.extremeBounds.lambdaMinAtMost).toBeGreaterThanOrEqual(-2 - 1e-5);
  });

  it('--no-density: no SLQ HVPs, saddle index from the eigenpairs or said unresolved', async () => {
    const base = { top: 2, bottom: 6, maxIter: 30, probes: 10, slqOrder: 20, slqProbes: 3, seed: 2, saddleMethod: 'lanczos' as const }; // the eigenvalue stage's own estimate
    const on = await analyzeHessian(obj, base);
    const off = await analyzeHessian(obj, { ...base, density: false });
    expect(on.hvps - off.hvps).toBe(60); // exactly the 3 × 20 SLQ steps
    expect(off.density).toBeNull();
    for (const t of off.saddleIndex.thresholds) {
      expect(t.source).toBe('eigenpairs'); // the 6th smallest (0.04) is above every −τ·20
      expect(t.count.lo).toBe(3);
    }
    const few = await analyzeHessian(obj, { ...base, bottom: 2, density: false });
    expect(few.saddleIndex.thresholds[0].source).toBe('unresolved');
    expect(few.saddleIndex.thresholds[0].count.lo).toBe(2);
  });

  it('XTrace as the trace method: within 3 stderr, diagonal by XDiag', async () => {
    const r = await analyzeHessian(obj, {
      top: 1,
      bottom: 1,
      maxIter: 20,
      probes: 24,
      traceMethod: 'xtrace',
      slqOrder: 10,
      slqProbes: 2,
      diagonal: 'xdiag',
      diagonalProbes: 24,
    });
    expect(r.trace.method).toBe('xtrace');
    expect(Math.abs(r.trace.estimate - tr)).toBeLessThan(3 * r.trace.stderr! + 1e-6);
    expect(r.diagonal!.method).toBe('xdiag');
    expect(r.diagonal!.matvecs).toBe(24);
  });
});

describe('determinism guard (two passes of loss and gradient, rtol 5e-5)', () => {
  it('refuses an objective that differs between passes, in one line naming the cause', async () => {
    let k = 0;
    const noisy: Objective = {
      ...obj,
      grad: async (t) => {
        const g = await obj.grad(t);
        k++;
        return { loss: g.loss + 0.01 * k, grad: g.grad.map((x) => x * (1 + 1e-3 * k)) };
      },
    };
    await expect(analyzeHessian(noisy, { top: 1, bottom: 1 })).rejects.toThrow(/not deterministic.*dropout.*BatchNorm/);
    await expect(
      analyzeHessian(noisy, { top: 1, bottom: 1, maxIter: 10, probes: 2, slqOrder: 4, slqProbes: 1, determinismCheck: false }),
    ).resolves.toBeDefined();
  });
});

describe('losslens hessian with the new options', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-h14-'));
  });
  it('--no-density --trace-method xtrace --diagonal hutchinson writes the diagonal files and no density.png', async () => {
    const out = path.join(tmp, 'h');
    const FIX = path.join(ROOT, 'fixtures');
    const r = await runCli([
      'hessian',
      '--model',
      path.join(FIX, 'spiral-tanh'),
      '--data',
      path.join(FIX, 'spiral-tanh/train.csv'),
      '--top',
      '2',
      '--bottom',
      '2',
      '--probes',
      '20',
      '--trace-method',
      'xtrace',
      '--no-density',
      '--diagonal',
      'xdiag',
      '--diagonal-probes',
      '20',
      '--max-matvecs',
      '400',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(s.density).toBeNull();
    expect(s.trace.method).toBe('xtrace');
    expect(s.eigenvalues.convergedEach.bottom).toEqual([true, true]);
    expect(s.frobenius.norm).toBeGreaterThan(0);
    expect(s.diagonal.perLayer).toHaveLength(3);
    expect((await fs.readFile(path.join(out, 'hessian-diagonal.f32'))).byteLength).toBe(371 * 4);
    await expect(fs.access(path.join(out, 'density.png'))).rejects.toThrow();
    const bad = await runCli([
      'hessian',
      '--model',
      path.join(FIX, 'spiral-tanh'),
      '--data',
      path.join(FIX, 'spiral-tanh/train.csv'),
      '--max-matvecs',
      '1',
      '--out',
      path.join(tmp, 'bad'),
      '--quiet',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--max-matvecs/);
  }, 120_000);
});
