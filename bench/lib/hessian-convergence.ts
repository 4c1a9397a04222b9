/**
 * HVPs and wall time to a known answer: the eigenvalue driver held against the explicit Hessian.
 *
 * On one problem (a bundled fixture or a real checkpoint), the explicit Hessian is built
 * column by column from the same float32 HVPs and eigen-decomposed in float64 (ml-matrix):
 * the reference. Then:
 *  - eigenvalues: extremeEigenpairs at the CLI defaults (basis 100, budget 1000, tol 1e-4), and
 *    with the tolerance tightened to 1e-6 and 1e-8: the HVPs each accuracy costs;
 *  - a whole `hessian` run at the defaults, with --no-density (trace and ‖H‖_F from the 100
 *    probes) and with the density.
 * Each line: HVPs, wall time, max |bottom-k error|/λmax, how many of the bottom-k are flagged converged.
 */
import { performance } from 'node:perf_hooks';
import type { Objective } from '../../src/objective/types.js';
import { analyzeHessian, hessianMatVec } from '../../src/curvature/analyze-hessian.js';
import { extremeEigenpairs } from '../../src/curvature/extreme-eigenvalues.js';
import { denseSpectrum } from '../../src/curvature/dense-spectrum.js';

export interface ConvergenceLine {
  run: string;
  hvps: number;
  wallMs: number;
  maxErrOverLmax: number;
  converged: string;
  bottom: number[];
}

export async function convergenceRows(
  obj: Objective,
  k = 5,
): Promise<{ exactBottom: number[]; lambdaMax: number; explicitMs: number; lines: ConvergenceLine[] }> {
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
  for (const tol of [1e-4, 1e-6, 1e-8]) {
    const { matvec, calls } = hessianMatVec(obj, obj.theta0);
    const s = performance.now();
    const r = await extremeEigenpairs(matvec, d, { top: k, bottom: k, maxIter: 100, maxMatvecs: 1000, tol, seed: 0 });
    line(
      `eigenvalues (thick restart, tol ${tol}${tol === 1e-4 ? ', the default' : ''})`,
      calls(),
      performance.now() - s,
      r.bottom.values,
      r.bottom.convergedEach,
    );
  }
  for (const density of [false, true]) {
    const s = performance.now();
    const r = await analyzeHessian(obj, { top: k, bottom: k, density, seed: 0 });
    line(`hessian run (defaults${density ? '' : ', --no-density'})`, r.hvps, performance.now() - s, r.eigenvalues.bottom, r.eigenvalues.convergedEach.bottom);
  }
  return { exactBottom: ev.slice(0, k), lambdaMax: lmax, explicitMs, lines };
}

export function printConvergence(name: string, r: Awaited<ReturnType<typeof convergenceRows>>): void {
  console.log(
    `${name}: λmax ${r.lambdaMax.toPrecision(6)}; exact bottom ${r.exactBottom.map((x) => x.toExponential(4)).join(', ')} (explicit Hessian + float64 EVD: ${(r.explicitMs / 1000).toFixed(1)} s)`,
  );
  const head = ['run', 'HVPs', 'wall s', 'max err/λmax', 'bottom conv.'];
  const body = r.lines.map((l) => [l.run, String(l.hvps), (l.wallMs / 1000).toFixed(1), l.maxErrOverLmax.toExponential(1), l.converged]);
  const all = [head, ...body];
  const w = head.map((_, j) => Math.max(...all.map((x) => x[j]!.length)));
  for (const x of [head, w.map((n) => '-'.repeat(n)), ...body]) console.log(x.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  '));
}
