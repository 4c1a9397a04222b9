/**
 * Saddle counts on the conv+BatchNorm net of bench/saddle-net.ts (≈ 2 000 parameters, 160
 * Fashion-MNIST images at 10 × 10, 100 % training accuracy): the iterative path (default options,
 * or --engine chebyshev) against the dense path's counts, with HVPs, wall time and the load.
 *
 *   tsx bench/saddle-counts.ts [--engine lanczos|chebyshev] [--no-dense] [--max-locked 200,600]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { saddleCounts, type SaddleCountsResult } from '../src/curvature/saddle-counts.js';
import type { SaddleEngine } from '../src/curvature/saddle-options.js';
import { saddleNet } from './saddle-net.js';

const flag = (name: string) => process.argv.indexOf(name);
const engine = (flag('--engine') > 0 ? process.argv[flag('--engine') + 1] : 'lanczos') as SaddleEngine;
const maxLocked = flag('--max-locked') > 0 ? process.argv[flag('--max-locked') + 1].split(',').map(Number) : [undefined];
const load = () => os.loadavg()[0].toFixed(1);

async function timed(label: string, run: () => Promise<SaddleCountsResult>): Promise<SaddleCountsResult> {
  const l0 = load();
  const t0 = performance.now();
  const r = await run();
  const s = (performance.now() - t0) / 1000;
  const counts = r.thresholds
    .map((t) => `τ=${t.tau}: ${t.exact ? t.count.lo : `${t.count.lo.toFixed(1)}–${t.count.hi.toFixed(1)} (est ${t.estimate.toFixed(1)})`}`)
    .join(', ');
  console.log(`${label}: ${r.matvecs} HVPs, ${s.toFixed(1)} s wall (load ${l0} → ${load()}); ${counts}`);
  return r;
}

async function main(): Promise<void> {
  const net = await saddleNet();
  console.log(`net: ${net.dim} parameters, training accuracy ${net.accuracy} after ${net.epochs} epochs`);
  const runs: SaddleCountsResult[] = [];
  for (const m of maxLocked) {
    const it = await timed(`iterative (${engine}, maxLocked ${m ?? 'default'})`, () =>
      saddleCounts(net.matvec, net.dim, { method: 'iterative', engine, ...(m ? { maxLocked: m } : {}) }),
    );
    const i = it.iterative!;
    console.log(
      `  locked ${i.locked} (stop ${i.stop}, target ${JSON.stringify(i.target)}), sizing ${i.sizingMatvecs} + slq ${i.slqMatvecs} HVPs, max residual ${Math.max(0, ...i.residuals).toExponential(2)}`,
    );
    runs.push(it);
  }
  if (flag('--no-dense') >= 0) return;
  const dense = await timed('dense', () => saddleCounts(net.matvec, net.dim, { method: 'dense' }));
  for (const it of runs) {
    const within = it.thresholds.map((t, k) => {
      const truth = dense.thresholds[k];
      const est = t.exact ? t.count.lo : t.estimate;
      const err = (100 * (est - truth.count.lo)) / Math.max(1, truth.count.lo);
      const half = (100 * (t.count.hi - t.count.lo)) / Math.max(1, t.count.hi + t.count.lo);
      const resolved = t.exact ? 'resolved: exact' : `interval ±${half.toFixed(1)} % of its centre (${half <= 10 ? 'resolved' : 'not resolved'} to ±10 %)`;
      return `τ=${t.tau}: truth ${truth.count.lo}–${truth.count.hi}, iterative ${est.toFixed(1)} (${err.toFixed(1)} %), ${resolved}, interval contains truth: ${t.count.lo <= truth.count.hi && t.count.hi >= truth.count.lo}`;
    });
    console.log(within.join('\n'));
  }
}
void main();
