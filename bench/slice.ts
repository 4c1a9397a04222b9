/**
 * A 51×51 loss slice of the mlp-relu fixture (26122 params) over its 2000 samples, per backend,
 * through the library's own paths (createObjective with the CLI's default worker count,
 * filter-normalised randomDirection, computeSlice: 2601 grid points + the base point, loss and
 * accuracy each), next to a PyTorch reference computing the same grid on the same checkpoint and
 * data in the same run (bench/torch_reference.py --ops grid, 2 threads, OMP_WAIT_POLICY=PASSIVE).
 *
 * Before the grid, 25 single-point evaluations (a warm-up) predict one grid's time; a backend
 * then runs min(--repeats, budget / predicted) grids (median reported), or is skipped with the
 * prediction printed when one grid would pass --budget seconds (default 150).
 * Writes reports/bench/slice.json.
 *
 *   tsx bench/slice.ts [--backends wasm,cpu] [--repeats 3] [--points 51] [--budget 150]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createObjective, defaultWorkers } from '../src/objective/create-objective.js';
import { selectBackend } from '../src/engine/index.js';
import type { Objective } from '../src/objective/types.js';
import { randomDirection } from '../src/landscape/directions.js';
import { computeSlice } from '../src/landscape/slice.js';
import { fixtureCase } from './lib/cases.js';
import { runTorchReference, TORCH_THREADS } from './lib/torch-reference.js';
import { arg, median, printTable } from './lib/compare.js';

const FIXTURE = 'fixtures/mlp-relu';

interface GridTiming {
  medianMs: number | null;
  samplesMs: number[];
  perPointMs: number;
  workers: number;
  baseLoss?: number;
  minLoss?: number;
  note?: string;
}

async function measureBackend(backend: string, points: number, repeats: number, budgetMs: number): Promise<GridTiming> {
  const p = await fixtureCase(FIXTURE).load();
  await selectBackend(backend); // the worker default depends on the kernels the backend starts with (native: one worker)
  const workers = defaultWorkers(p.data.n);
  const obj: Objective & { close?: () => Promise<void> } = await createObjective(p.checkpoint, p.data, { workers, backend });
  try {
    const theta = obj.theta0;
    const d1 = randomDirection(theta, obj.layout, 1, { norm: 'filter', includeBias: false });
    const d2 = randomDirection(theta, obj.layout, 2, { norm: 'filter', includeBias: false });
    const probe = new Float32Array(theta.length);
    const perPoint: number[] = [];
    for (let i = 0; i < 25; i++) {
      for (let j = 0; j < theta.length; j++) probe[j] = theta[j]! + (i / 25) * d1[j]! - 0.5 * d2[j]!;
      const t0 = performance.now();
      await obj.evaluate(probe);
      perPoint.push(performance.now() - t0);
    }
    const perPointMs = median(perPoint.slice(5));
    const predicted = perPointMs * (points * points + 1);
    const runs = Math.min(repeats, Math.floor(budgetMs / predicted));
    if (runs < 1)
      return {
        medianMs: null,
        samplesMs: [],
        perPointMs,
        workers,
        note: `skipped: one grid ≈ ${(predicted / 1000).toFixed(0)} s (${perPointMs.toFixed(1)} ms a point × ${points * points + 1}) > ${budgetMs / 1000} s budget`,
      };
    const samplesMs: number[] = [];
    let last: Awaited<ReturnType<typeof computeSlice>> | undefined;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      last = await computeSlice(obj, undefined, theta, d1, d2, { dims: 2, range: [-1, 1], points });
      samplesMs.push(performance.now() - t0);
      process.stderr.write(`  ${backend} grid ${r + 1}/${runs}: ${(samplesMs[r]! / 1000).toFixed(1)} s\n`);
    }
    const losses = (last!.train.loss as number[][]).flat();
    const note =
      runs < repeats
        ? `${runs} run(s), not ${repeats}: ${repeats} would take ≈ ${((predicted * repeats) / 1000).toFixed(0)} s > ${budgetMs / 1000} s budget`
        : undefined;
    return { medianMs: median(samplesMs), samplesMs, perPointMs, workers, baseLoss: last!.baseLoss, minLoss: Math.min(...losses), ...(note ? { note } : {}) };
  } finally {
    if (obj.close) await obj.close();
    else obj.dispose();
  }
}

export async function main(): Promise<void> {
  const backends = arg('backends', 'wasm,cpu').split(',');
  const repeats = Number(arg('repeats', '3'));
  const points = Number(arg('points', '51'));
  const budgetMs = Number(arg('budget', '150')) * 1000;
  const loadBefore = os.loadavg();
  const ours: Record<string, GridTiming> = {};
  ours[backends[0]!] = await measureBackend(backends[0]!, points, repeats, budgetMs);
  const torchRuns = Math.max(1, ours[backends[0]!]!.samplesMs.length || repeats);
  const torch = runTorchReference([
    '--fixture',
    FIXTURE,
    '--ops',
    'grid',
    '--grid',
    String(points),
    '--repeats',
    String(torchRuns),
    '--threads',
    String(TORCH_THREADS),
  ]);
  for (const b of backends.slice(1)) ours[b] = await measureBackend(b, points, repeats, budgetMs);
  const t = 'ops' in torch ? torch : undefined;
  const w0 = ours[backends[0]!]!;
  console.log(
    `mlp-relu: 26122 params, 2000 samples; ${points}×${points} grid + base point, loss and accuracy each; losslens workers ${w0.workers} (the CLI default on ${os.availableParallelism()} cores)`,
  );
  if (t) console.log(`PyTorch ${t.torch} (${t.threads} threads, BLAS: ${t.blas}); base loss ours ${w0.baseLoss?.toFixed(7)} torch ${t.loss.toFixed(7)}`);
  printTable(
    [
      { op: `${points}×${points} grid`, ours: Object.fromEntries(backends.map((b) => [b, ours[b]!.medianMs])), torch: t?.ops.grid?.medianMs ?? null },
      {
        op: 'per point',
        ours: Object.fromEntries(backends.map((b) => [b, ours[b]!.medianMs === null ? ours[b]!.perPointMs : ours[b]!.medianMs! / (points * points + 1)])),
        torch: t ? t.ops.grid!.medianMs / (points * points) : null,
      },
    ],
    backends,
  );
  if (!t) console.log((torch as { skip: string }).skip);
  if (t?.blasWarning) console.log(t.blasWarning);
  for (const b of backends) if (ours[b]!.note) console.log(`${b}: ${ours[b]!.note}`);
  console.log(`(per point of a skipped backend: from ${25 - 5} warm-up evaluations)`);
  const load = { before: loadBefore, after: os.loadavg() };
  console.log(
    `medians of up to ${repeats} grids; load average before ${load.before.map((x) => x.toFixed(2)).join('/')}, after ${load.after.map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`,
  );
  await mkdir('reports/bench', { recursive: true });
  await writeFile(
    'reports/bench/slice.json',
    JSON.stringify(
      {
        bench: 'slice',
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.availableParallelism(),
        load,
        points,
        repeats,
        budgetS: budgetMs / 1000,
        ours,
        torch,
      },
      null,
      2,
    ) + '\n',
  );
  console.log('wrote reports/bench/slice.json');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
