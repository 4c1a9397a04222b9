/**
 * Time per loss, gradient and HVP over a whole dataset, per backend (cpu, wasm, tensorflow when
 * importable) and worker count (1 = in process, 2 = PoolObjective), as medians over `repeats`
 * calls after one warm-up. Prints a table; writes reports/bench/objective.json.
 *
 * FLOP convention (matmul/conv multiply-adds ×2 only, counted analytically from the layers):
 * loss = F (one forward), gradient ≈ 3F (forward + two backward matmuls per layer), HVP ≈ 2× the
 * gradient = 6F (double backprop: a forward-backward pass and its own backward pass).
 * An op whose warm-up + repeats would exceed the budget (60 s) is skipped, with the reason printed:
 * before the warm-up when predicted from the previous op (grad ≥ 3× loss, HVP ≥ 2× grad), or
 * after it when one call times the budget out (that single time is kept in samplesMs).
 *
 *   tsx bench/objective.ts [--cases mlp,cnn] [--backends cpu,wasm,tensorflow] [--workers 1,2] [--repeats 5] [--budget 60]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createObjective } from '../src/objective/create-objective.js';
import type { Objective } from '../src/objective/types.js';
import { cnnCase, mlpCase, type BenchCase, type BenchProblem } from './lib/cases.js';

type Op = 'loss' | 'grad' | 'hvp';
const FLOP_FACTOR: Record<Op, number> = { loss: 1, grad: 3, hvp: 6 };

export interface Measurement {
  case: string;
  backend: string;
  workers: number;
  op: Op;
  /** Median wall time of one call over the whole dataset, ms (null when skipped). */
  medianMs: number | null;
  samplesMs: number[];
  gflops: number | null;
  skipped?: string;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function available(backend: string): Promise<string | undefined> {
  if (backend !== 'tensorflow') return undefined;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      return undefined;
    } catch {
      /* try the next */
    }
  }
  return 'neither @tensorflow/tfjs-node nor -node-gpu is importable here';
}

async function timeOp(obj: Objective, op: Op, theta: Float32Array, v: Float32Array): Promise<number> {
  const t0 = performance.now();
  if (op === 'loss') await obj.loss(theta);
  else if (op === 'grad') await obj.grad(theta);
  else await obj.hvp(theta, v);
  return performance.now() - t0;
}

async function measureCombo(c: BenchCase, p: BenchProblem, backend: string, workers: number, repeats: number, budgetMs: number): Promise<Measurement[]> {
  const obj = await createObjective(p.checkpoint, p.data, { workers, backend });
  const theta = obj.theta0;
  const v = Float32Array.from(theta, (_, i) => Math.sin(i + 1));
  const out: Measurement[] = [];
  let prevMs = 0; // measured time of the previous op (loss, then grad)
  try {
    for (const op of ['loss', 'grad', 'hvp'] as Op[]) {
      const base = { case: c.name, backend, workers, op };
      const skip = (skipped: string, samplesMs: number[] = []) => out.push({ ...base, medianMs: null, samplesMs, gflops: null, skipped });
      // grad ≈ 3× loss, HVP ≈ 2× grad by the FLOP convention (the predicted time is a lower bound)
      const predicted = op === 'loss' ? 0 : prevMs * (op === 'grad' ? 3 : 2) * (repeats + 1);
      if (predicted > budgetMs) {
        skip(`predicted ≥ ${(predicted / 1000).toFixed(0)} s for ${repeats + 1} calls > ${budgetMs / 1000} s budget`);
        prevMs = Infinity;
        continue;
      }
      const warm = await timeOp(obj, op, theta, v);
      prevMs = warm;
      if (warm * (repeats + 1) > budgetMs) {
        skip(`one call took ${(warm / 1000).toFixed(1)} s: ${repeats + 1} calls > ${budgetMs / 1000} s budget`, [warm]);
        continue;
      }
      const samples: number[] = [];
      for (let r = 0; r < repeats; r++) samples.push(await timeOp(obj, op, theta, v));
      const med = median(samples);
      prevMs = med;
      out.push({ ...base, medianMs: med, samplesMs: samples, gflops: (FLOP_FACTOR[op] * p.forwardFlops) / (med * 1e6) });
      process.stderr.write(`  ${c.name} ${backend} w=${workers} ${op}: ${med.toFixed(1)} ms\n`);
    }
  } finally {
    const o = obj as Objective & { close?: () => Promise<void> };
    if (o.close) await o.close();
    else o.dispose();
  }
  return out;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a && b ? a / b : null;
}

function table(ms: Measurement[], backends: string[]): string {
  const find = (c: string, b: string, w: number, op: Op) => ms.find((m) => m.case === c && m.backend === b && m.workers === w && m.op === op)?.medianMs;
  const rows = [['case', 'backend', 'workers', 'op', 'median ms', 'GFLOP/s', 'speedup 2w/1w', 'speedup wasm/cpu']];
  for (const m of ms) {
    const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
    const s2 = m.workers === 2 ? ratio(find(m.case, m.backend, 1, m.op), m.medianMs) : null;
    const sw = m.backend === 'wasm' && backends.includes('cpu') ? ratio(find(m.case, 'cpu', m.workers, m.op), m.medianMs) : null;
    const shown = m.skipped ? (m.samplesMs.length ? `skipped (1× ${m.samplesMs[0].toFixed(0)})` : 'skipped') : f(m.medianMs, 1);
    rows.push([m.case, m.backend, String(m.workers), m.op, shown, f(m.gflops), s2 === null ? '' : `${s2.toFixed(2)}×`, sw === null ? '' : `${sw.toFixed(2)}×`]);
  }
  const width = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j < 4 ? c.padEnd(width[j]) : c.padStart(width[j]))).join('  ');
  return [line(rows[0]), width.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export async function main(): Promise<void> {
  const cases = [mlpCase(), cnnCase()].filter((c) => arg('cases', 'mlp,cnn').split(',').includes(c.name));
  const backends = arg('backends', 'cpu,wasm,tensorflow').split(',');
  const workerCounts = arg('workers', '1,2').split(',').map(Number);
  const repeats = Math.max(5, Number(arg('repeats', '5')));
  const budgetMs = Number(arg('budget', '60')) * 1000;
  const os = await import('node:os');
  const loadBefore = os.loadavg();
  const results: Measurement[] = [];
  const skippedBackends: Record<string, string> = {};
  const problems: Record<string, { describe: string; params: number; n: number; forwardGflop: number }> = {};
  for (const c of cases) {
    const p = await c.load();
    problems[c.name] = { describe: c.describe, params: p.params, n: p.data.n, forwardGflop: p.forwardFlops / 1e9 };
    console.log(`${c.name}: ${c.describe}; ${p.params} params; forward ${(p.forwardFlops / 1e9).toFixed(3)} GFLOP`);
    for (const b of backends) {
      const why = await available(b);
      if (why) {
        skippedBackends[b] = why;
        continue;
      }
      for (const w of workerCounts) results.push(...(await measureCombo(c, p, b, w, repeats, budgetMs)));
    }
  }
  console.log('\n' + table(results, backends));
  for (const [b, why] of Object.entries(skippedBackends)) console.log(`backend ${b} skipped: ${why}`);
  for (const m of results.filter((r) => r.skipped)) console.log(`${m.case} ${m.backend} ${m.workers}w ${m.op} skipped: ${m.skipped}`);
  console.log(
    `FLOPs: Dense/Conv2D multiply-adds ×2; loss = F, gradient = 3F, HVP = 6F (2× gradient). Medians of ${repeats} after 1 warm-up; 1 worker = in process.`,
  );
  // other processes on the machine skew timings: the load averages say how busy it was
  const load = { before: loadBefore, after: os.loadavg() };
  console.log(
    `load average (1/5/15 min) before ${load.before.map((x) => x.toFixed(2)).join('/')}, after ${load.after.map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`,
  );
  const report = {
    bench: 'objective',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    load,
    repeats,
    budgetS: budgetMs / 1000,
    flopConvention: { loss: 'F', grad: '3F', hvp: '6F' },
    problems,
    skippedBackends,
    results,
  };
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/objective.json', JSON.stringify(report, null, 2) + '\n');
  console.log('wrote reports/bench/objective.json');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
