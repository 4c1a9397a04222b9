/**
 * The before/after row of issue #14: HVPs and wall time to the same answers.
 *
 * On one problem (a bundled fixture or a real checkpoint), the explicit Hessian is built
 * column by column from the same float32 HVPs and eigen-decomposed in float64 (ml-matrix):
 * the reference. Then:
 *  - eigenvalues, before: the pre-#14 driver (bench/lib/legacy-extreme-eigenvalues.ts) at its
 *    defaults (maxIter 100, tol 1e-4·ρ), then with its tol tightened (1e-6, 1e-8) and maxIter
 *    doubled until its bottom-k are within 1e-6·λmax of the reference (or 1600 steps): the
 *    HVPs it needed for that answer;
 *  - eigenvalues, after: extremeEigenpairs at the CLI defaults (basis 100, budget 1000);
 *  - a whole `hessian` run, before: eigenvalues + 100 Hutchinson probes + 3 × 90 SLQ steps;
 *    after: the same with --no-density (trace and ‖H‖_F from the 100 probes) and with the density.
 * Each line: HVPs, wall time, max |bottom-k error|/λmax, how many of the bottom-k are flagged converged.
 */
import { performance } from 'node:perf_hooks';
import type { Objective } from '../../src/objective/types.js';
import { analyzeHessian, hessianMatVec } from '../../src/curvature/analyze-hessian.js';
import { extremeEigenpairs } from '../../src/curvature/extreme-eigenvalues.js';
import { denseSpectrum } from '../../src/curvature/dense-spectrum.js';
import { legacyExtremeEigenpairs } from './legacy-extreme-eigenvalues.js';

export interface ConvergenceLine { run: string; hvps: number; wallMs: number; maxErrOverLmax: number; converged: string; bottom: number[] }

export async function convergenceRows(obj: Objective, k = 5): Promise<{ exactBottom: number[]; lambdaMax: number; explicitMs: number; lines: ConvergenceLine[] }> {
  const d = obj.layout.dim;
  const t0 = performance.now();
  const ev = await denseSpectrum((v) => obj.hvp(obj.theta0, v), d);
  const explicitMs = performance.now() - t0;
  const lmax = ev[d - 1]!;
  const err = (b: number[]) => Math.max(...b.map((v, i) => Math.abs(v - ev[i]!))) / lmax;
  const lines: ConvergenceLine[] = [];
  const line = (run: string, hvps: number, wallMs: number, bottom: number[], conv: boolean[] | boolean) => {
    const flags = Array.isArray(conv) ? conv : bottom.map(() => conv);
    lines.push({ run, hvps, wallMs, maxErrOverLmax: err(bottom), converged: `${flags.filter(Boolean).length}/${bottom.length}`, bottom });
  };
  // before: its own tolerance (relative to ρ) tightened, then its step budget raised, until the answer matches
  let reached = false;
  for (const tol of [1e-4, 1e-6, 1e-8]) {
    for (let maxIter = 100; maxIter <= 1600 && !reached; maxIter *= 2) {
      const { matvec, calls } = hessianMatVec(obj, obj.theta0);
      const s = performance.now();
      const r = await legacyExtremeEigenpairs(matvec, d, { top: k, bottom: k, maxIter: Math.min(maxIter, d), tol, seed: 0 });
      line(`eigenvalues before (maxIter ${maxIter}, tol ${tol}·ρ)`, calls(), performance.now() - s, r.bottom.values, r.bottom.converged);
      reached = err(r.bottom.values) <= 1e-6;
      if (reached || maxIter >= d || r.bottom.converged) break; // converged by its own rule: more steps change nothing
    }
    if (reached) break;
  }
  {
    const { matvec, calls } = hessianMatVec(obj, obj.theta0);
    const s = performance.now();
    const r = await extremeEigenpairs(matvec, d, { top: k, bottom: k, maxIter: 100, maxMatvecs: 1000, tol: 1e-4, seed: 0 });
    line('eigenvalues after (thick restart, defaults)', calls(), performance.now() - s, r.bottom.values, r.bottom.convergedEach);
  }
  {
    const { matvec, calls } = hessianMatVec(obj, obj.theta0);
    const s = performance.now();
    const r = await legacyExtremeEigenpairs(matvec, d, { top: k, bottom: k, maxIter: Math.min(100, d), tol: 1e-4, seed: 0 });
    const { hutchinsonTrace } = await import('../../src/curvature/hutchinson-trace.js');
    const { slqDensity } = await import('../../src/curvature/slq-density.js');
    await hutchinsonTrace(matvec, d, { probes: 100, seed: 1 });
    await slqDensity(matvec, d, { order: Math.min(90, d), probes: 3, seed: 2 });
    line('hessian run before (defaults: eig + 100 probes + 3×90 SLQ)', calls(), performance.now() - s, r.bottom.values, r.bottom.converged);
  }
  for (const density of [false, true]) {
    const s = performance.now();
    const r = await analyzeHessian(obj, { top: k, bottom: k, density, seed: 0 });
    line(`hessian run after (defaults${density ? '' : ', --no-density'})`, r.hvps, performance.now() - s, r.eigenvalues.bottom, r.eigenvalues.convergedEach.bottom);
  }
  return { exactBottom: ev.slice(0, k), lambdaMax: lmax, explicitMs, lines };
}

export function printConvergence(name: string, r: Awaited<ReturnType<typeof convergenceRows>>): void {
  console.log(`${name}: λmax ${r.lambdaMax.toPrecision(6)}; exact bottom ${r.exactBottom.map((x) => x.toExponential(4)).join(', ')} (explicit Hessian + float64 EVD: ${(r.explicitMs / 1000).toFixed(1)} s)`);
  const head = ['run', 'HVPs', 'wall s', 'max err/λmax', 'bottom conv.'];
  const body = r.lines.map((l) => [l.run, String(l.hvps), (l.wallMs / 1000).toFixed(1), l.maxErrOverLmax.toExponential(1), l.converged]);
  const all = [head, ...body];
  const w = head.map((_, j) => Math.max(...all.map((x) => x[j]!.length)));
  for (const x of [head, w.map((n) => '-'.repeat(n)), ...body]) console.log(x.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  '));
}
