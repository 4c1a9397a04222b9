/**
 * Hessian work on the mlp-relu fixture (64→128→128→10 relu/softmax, 26122 params, its 2000
 * samples), per backend, through the library's own paths (createObjective with the CLI's
 * default worker count, hessianMatVec, extremeEigenpairs, hutchinsonTrace, slqDensity), next to
 * a PyTorch reference doing the same work on the same checkpoint and data in the same run
 * (bench/torch_reference.py, 2 threads, OMP_WAIT_POLICY=PASSIVE):
 *   hvp         one HVP over the 2000 samples (median of --hvp-repeats after 15 warm-up HVPs:
 *               the workers' JIT needs ~15 calls to reach steady speed)
 *   lanczos     top-5 eigenpairs (maxIter 100, tol 1e-4: the CLI defaults); torch runs as many
 *               Lanczos steps as ours took on wasm, with the same full reorthogonalisation
 *   hutchinson  100 Rademacher probes
 *   slq         one 90-step SLQ probe
 * Medians of --repeats runs (default 3). An op whose runs would pass --budget seconds (default
 * 90; predicted from the measured HVP time, for Lanczos with the HVP count the first backend
 * needed) runs once, or is skipped when one run would; the reason is printed. Writes reports/bench/hessian.json.
 *
 *   tsx bench/hessian.ts [--backends wasm,cpu] [--repeats 3] [--hvp-repeats 7] [--budget 90]
 *
 * With --convergence (bench/lib/hessian-convergence.ts): HVPs and wall time of the thick-restart
 * eigenvalue driver and of whole `hessian` runs, each answer's bottom-5 error against the explicit
 * Hessian's float64 EVD:
 *   tsx bench/hessian.ts --convergence [--model fixtures/spiral-tanh --data fixtures/spiral-tanh/train.csv]
 *       [--loss meanSquaredError] [--label-column rings] [--samples 256] [--backend cpu]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createObjective, defaultWorkers } from '../src/objective/create-objective.js';
import { selectBackend } from '../src/engine/index.js';
import type { Objective } from '../src/objective/types.js';
import { hessianMatVec } from '../src/curvature/analyze-hessian.js';
import { extremeEigenpairs } from '../src/curvature/extreme-eigenvalues.js';
import { hutchinsonTrace } from '../src/curvature/hutchinson-trace.js';
import { slqDensity } from '../src/curvature/slq-density.js';
import { fixtureCase } from './lib/cases.js';
import { runTorchReference, TORCH_THREADS, type TorchReport } from './lib/torch-reference.js';
import { arg, median, printTable, type Row } from './lib/compare.js';

const FIXTURE = 'fixtures/mlp-relu';
const WARMUP_HVPS = 15;
const OPS = ['hvp', 'lanczos', 'hutchinson', 'slq'] as const;
type Op = (typeof OPS)[number];
/** HVPs one run of each op costs (lanczos: at most maxIter). */
const HVPS: Record<Op, number> = { hvp: 1, lanczos: 100, hutchinson: 100, slq: 90 };
const WORK: Record<Op, string> = { hvp: 'one HVP, 2000 samples', lanczos: 'top-5 Lanczos', hutchinson: '100-probe Hutchinson', slq: '90-step SLQ, 1 probe' };

interface Timing {
  medianMs: number | null;
  samplesMs: number[];
  note?: string;
  value?: number;
  matvecs?: number;
}

async function timeRuns(runs: number, fn: () => Promise<{ value: number; matvecs: number }>): Promise<Timing> {
  const samplesMs: number[] = [];
  let last = { value: NaN, matvecs: 0 };
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    last = await fn();
    samplesMs.push(performance.now() - t0);
  }
  return { medianMs: median(samplesMs), samplesMs, value: last.value, matvecs: last.matvecs };
}

async function measureBackend(
  backend: string,
  repeats: number,
  hvpRepeats: number,
  budgetMs: number,
  lanczosHvps = HVPS.lanczos,
): Promise<Record<Op, Timing> & { loss: number; workers: number }> {
  const p = await fixtureCase(FIXTURE).load();
  await selectBackend(backend); // the worker default depends on the kernels the backend starts with (native: one worker)
  const workers = defaultWorkers(p.data.n);
  const obj: Objective & { close?: () => Promise<void> } = await createObjective(p.checkpoint, p.data, { workers, backend });
  try {
    const theta = obj.theta0,
      dim = obj.layout.dim;
    const loss = await obj.loss(theta);
    const { matvec } = hessianMatVec(obj, theta);
    const v = Float64Array.from(theta, (_, i) => Math.sin(i + 1));
    for (let i = 0; i < WARMUP_HVPS; i++) await matvec(v); // JIT tiering in the workers takes ~15 calls
    const hvp = await timeRuns(hvpRepeats, async () => {
      await matvec(v);
      return { value: NaN, matvecs: 1 };
    });
    const out = { hvp, loss, workers } as Record<Op, Timing> & { loss: number; workers: number };
    const runs: Record<Exclude<Op, 'hvp'>, () => Promise<{ value: number; matvecs: number }>> = {
      lanczos: async () => {
        const r = await extremeEigenpairs(matvec, dim, { top: 5, bottom: 0, maxIter: 100, tol: 1e-4, seed: 0 });
        return { value: r.top.values[0]!, matvecs: r.matvecs };
      },
      hutchinson: async () => {
        const r = await hutchinsonTrace(matvec, dim, { probes: 100, seed: 0 });
        return { value: r.estimate, matvecs: r.matvecs };
      },
      slq: async () => {
        const r = await slqDensity(matvec, dim, { order: 90, probes: 1, seed: 0 });
        return { value: Math.max(...r.nodes[0]!), matvecs: r.matvecs };
      },
    };
    for (const op of ['lanczos', 'hutchinson', 'slq'] as const) {
      const hvps = op === 'lanczos' ? lanczosHvps : HVPS[op];
      const oneRun = hvp.medianMs! * hvps;
      const n = oneRun * repeats <= budgetMs ? repeats : oneRun <= budgetMs ? 1 : 0;
      if (n === 0) {
        out[op] = {
          medianMs: null,
          samplesMs: [],
          note: `skipped: one run ≈ ${(oneRun / 1000).toFixed(0)} s (${hvps} HVPs × ${hvp.medianMs!.toFixed(0)} ms) > ${budgetMs / 1000} s budget`,
        };
      } else {
        out[op] = await timeRuns(n, runs[op]);
        if (n < repeats)
          out[op].note = `1 run, not ${repeats}: ${repeats} would take ≈ ${((oneRun * repeats) / 1000).toFixed(0)} s > ${budgetMs / 1000} s budget`;
      }
      process.stderr.write(`  ${backend} ${op}: ${out[op].medianMs === null ? 'skipped' : `${out[op].medianMs!.toFixed(0)} ms`}\n`);
    }
    return out;
  } finally {
    if (obj.close) await obj.close();
    else obj.dispose();
  }
}

export async function main(): Promise<void> {
  const backends = arg('backends', 'wasm,cpu').split(',');
  const repeats = Number(arg('repeats', '3'));
  const hvpRepeats = Number(arg('hvp-repeats', '7'));
  const budgetMs = Number(arg('budget', '90')) * 1000;
  const loadBefore = os.loadavg();
  const ours: Record<string, Awaited<ReturnType<typeof measureBackend>>> = {};
  let torch: TorchReport | { skip: string } | undefined;
  for (const b of backends) {
    ours[b] = await measureBackend(b, repeats, hvpRepeats, budgetMs, ours[backends[0]!]?.lanczos.matvecs);
    if (!torch) {
      // right after the first backend, with as many Lanczos steps as it took
      const iters = ours[b]!.lanczos.matvecs ?? 100;
      torch = runTorchReference([
        '--fixture',
        FIXTURE,
        '--ops',
        OPS.join(','),
        '--lanczos-iters',
        String(iters),
        '--repeats',
        String(repeats),
        '--hvp-repeats',
        String(hvpRepeats),
        '--probes',
        '100',
        '--slq-order',
        '90',
        '--slq-probes',
        '1',
        '--threads',
        String(TORCH_THREADS),
      ]);
    }
  }
  const t = torch && 'ops' in torch ? torch : undefined;
  const w0 = ours[backends[0]!]!;
  console.log(
    `mlp-relu: 26122 params, 2000 samples; losslens workers ${w0.workers} (the CLI default on ${os.availableParallelism()} cores); Lanczos took ${w0.lanczos.matvecs ?? '?'} HVPs on ${backends[0]}`,
  );
  if (t)
    console.log(
      `PyTorch ${t.torch} (${t.threads} threads, BLAS: ${t.blas}); loss ours ${w0.loss.toFixed(7)} torch ${t.loss.toFixed(7)} (|Δ| ${Math.abs(w0.loss - t.loss).toExponential(1)})`,
    );
  const rows: Row[] = OPS.map((op) => ({
    op: `${op} (${WORK[op]})`,
    ours: Object.fromEntries(backends.map((b) => [b, ours[b]![op].medianMs])),
    torch: t?.ops[op]?.medianMs ?? null,
  }));
  printTable(rows, backends);
  if (!t) console.log((torch as { skip: string }).skip);
  if (t?.blasWarning) console.log(t.blasWarning);
  for (const b of backends) for (const op of OPS) if (ours[b]![op].note) console.log(`${b} ${op}: ${ours[b]![op].note}`);
  if (t) {
    console.log(
      `check: λmax ours ${w0.lanczos.value?.toFixed(4)} torch ${(t.ops.lanczos?.top as number[] | undefined)?.[0]?.toFixed(4)}; trace (100 probes, different draws) ours ${w0.hutchinson.value?.toFixed(1)} torch ${(t.ops.hutchinson?.trace as number | undefined)?.toFixed(1)}`,
    );
  }
  const load = { before: loadBefore, after: os.loadavg() };
  console.log(
    `medians of ${repeats} runs (HVP: ${hvpRepeats}); load average before ${load.before.map((x) => x.toFixed(2)).join('/')}, after ${load.after.map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`,
  );
  await mkdir('reports/bench', { recursive: true });
  await writeFile(
    'reports/bench/hessian.json',
    JSON.stringify(
      {
        bench: 'hessian',
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.availableParallelism(),
        load,
        repeats,
        hvpRepeats,
        budgetS: budgetMs / 1000,
        ours,
        torch,
      },
      null,
      2,
    ) + '\n',
  );
  console.log('wrote reports/bench/hessian.json');
}

async function convergence(): Promise<void> {
  const { loadProblem } = await import('../src/problem.js');
  const { convergenceRows, printConvergence } = await import('./lib/hessian-convergence.js');
  const model = arg('model', 'fixtures/spiral-tanh');
  const samples = arg('samples', '');
  const p = await loadProblem({
    model,
    backend: arg('backend', 'cpu'),
    workers: 1,
    loss: arg('loss', '') || undefined,
    train: {
      data: arg('data', 'fixtures/spiral-tanh/train.csv'),
      labelColumn: arg('label-column', '') || undefined,
      ...(samples ? { samples: Number(samples), seed: 0 } : {}),
    },
  });
  try {
    const r = await convergenceRows(p.train!.objective, 5);
    printConvergence(`${model} (${p.train!.objective.layout.dim} params, ${p.train!.objective.n} samples)`, r);
    await mkdir('reports/bench', { recursive: true });
    await writeFile(
      'reports/bench/hessian-convergence.json',
      JSON.stringify({ bench: 'hessian-convergence', date: new Date().toISOString(), model, ...r }, null, 2) + '\n',
    );
  } finally {
    await p.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await (process.argv.includes('--convergence') ? convergence() : main());
