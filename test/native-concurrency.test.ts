/**
 * Native kernels on several threads of one process give each thread the bits it gets alone: worker
 * threads (node:worker_threads, one tfjs-wasm instance and one native thread count each: 1 or 2) and
 * the main thread (2) run a LeNet-like net's loss, gradient and HVP at once, and every round must equal
 * the sequential result of its thread count bit for bit. The batch (24 images) keeps the second conv
 * off the tiled form, so its products run through OpenBLAS where the addon has it: without one
 * process-wide lock around OpenBLAS calls (native/gemm.c), a thread setting OpenBLAS's count freed
 * buffers another thread's call was using (gradients off by factors of 10-1000 in some rounds) and
 * calls ran on another thread's count (1e-7 relative).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { startEngine } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { startWorker } from '../src/workers/start-worker.js';
import { lenetProblem, runRounds, type Round } from './helpers/native-concurrency-net.js';

const load = loadNativeAddon();
const ROUNDS = 4;
/** Native thread counts of the worker threads; the main thread runs 2. */
const WORKER_THREADS = [1, 1, 2];
const MAIN_THREADS = 2;

type Problem = Awaited<ReturnType<typeof lenetProblem>>;

/** Where a round differs from the reference: '' when bit for bit equal, else what and by how much. */
function difference(r: Round, ref: Round): string {
  const rel = (a: Float32Array, b: Float32Array) => {
    let d = 0;
    let s = 0;
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) d = Math.max(d, Math.abs(a[i] - b[i]));
      s = Math.max(s, Math.abs(b[i]));
    }
    return d / s;
  };
  const parts = [
    Object.is(r.loss, ref.loss) ? '' : `loss ${r.loss} vs ${ref.loss}`,
    r.grad.every((x, i) => Object.is(x, ref.grad[i])) ? '' : `grad rel ${rel(r.grad, ref.grad).toExponential(2)}`,
    r.hvp.every((x, i) => Object.is(x, ref.hvp[i])) ? '' : `hvp rel ${rel(r.hvp, ref.hvp).toExponential(2)}`,
  ];
  return parts.filter(Boolean).join(', ');
}

function spawn(problem: Problem, threads: number, addonFile: string): Promise<{ worker: Worker; done: Promise<Round[]> }> {
  const worker = startWorker(new URL('./helpers/native-concurrency-worker.ts', import.meta.url), { ...problem, threads, rounds: ROUNDS, addonFile });
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
  });
  const next = () => Promise.race([failed, new Promise<{ results?: Round[]; error?: string }>((resolve) => worker.once('message', resolve))]);
  return next().then(() => ({
    worker,
    done: next().then((m) => {
      if (m.error) throw new Error(m.error);
      return m.results!;
    }),
  }));
}

describe.skipIf(!load.addon)('native kernels on concurrent threads of one process', () => {
  const addon = load.addon!;
  const threadsBefore = addon?.info().threads;
  let problem: Problem;
  const reference = new Map<number, Round>();
  const workers: Worker[] = [];

  beforeAll(async () => {
    await startEngine({ backend: 'wasm' });
    problem = await lenetProblem();
    for (const t of new Set([...WORKER_THREADS, MAIN_THREADS])) {
      addon.setThreads(t);
      reference.set(t, (await runRounds(problem.checkpoint, problem.data, 1))[0]);
    }
  });
  afterAll(async () => {
    addon?.setThreads(threadsBefore);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  it('every round of every thread equals its thread count run alone, bit for bit', { timeout: 300_000 }, async () => {
    const started = await Promise.all(WORKER_THREADS.map((t) => spawn(problem, t, (load as { path: string }).path)));
    workers.push(...started.map((s) => s.worker));
    for (const s of started) s.worker.postMessage('go');
    addon.setThreads(MAIN_THREADS);
    const mine = await runRounds(problem.checkpoint, problem.data, ROUNDS);
    const theirs = await Promise.all(started.map((s) => s.done));
    const differences = [
      ...mine.map((r, i) => [`main (${MAIN_THREADS} threads) round ${i}`, difference(r, reference.get(MAIN_THREADS)!)]),
      ...theirs.flatMap((rs, w) =>
        rs.map((r, i) => [`worker ${w} (${WORKER_THREADS[w]} threads) round ${i}`, difference(r, reference.get(WORKER_THREADS[w])!)]),
      ),
    ].filter(([, d]) => d);
    expect(differences.map(([who, d]) => `${who}: ${d}`)).toEqual([]);
    expect(mine).toHaveLength(ROUNDS);
  });
});
