/**
 * The loop shared by bench/recurrent.ts and bench/mobile.ts: one model, one batch, timed as
 * loss, gradient and HVP on every variant (kernel path × HVP engine) in one process, rounds
 * interleaved (order reversed every other round: the machine is shared and noisy), then the
 * PyTorch script of the same model on the same weights, data and direction v; the results are
 * compared (loss, gradient, Hv) so that the ratios are of the same computation.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { installNativeKernels, uninstallNativeKernels } from '../../src/kernels/native-kernels.js';
import type { Objective } from '../../src/objective/types.js';
import { median } from './compare.js';
import { runTorchScript, TORCH_THREADS, type TorchReport } from './torch-reference.js';

export type Op = 'loss' | 'grad' | 'hvp';
export const OPS: Op[] = ['loss', 'grad', 'hvp'];

/** One way to run the objective: a kernel path and an objective (its HVP engine fixed on first use). */
export interface Variant {
  name: string;
  path: 'wasm' | 'native';
  obj: Objective;
}

export function usePath(p: 'wasm' | 'native'): void {
  if (p === 'native') installNativeKernels();
  else uninstallNativeKernels();
}

async function call(v: Variant, op: Op, theta: Float32Array, dir: Float32Array): Promise<Float32Array | number> {
  usePath(v.path);
  if (op === 'loss') return v.obj.loss(theta);
  if (op === 'grad') return (await v.obj.grad(theta)).grad;
  return v.obj.hvp(theta, dir);
}

export interface Timings {
  times: Record<string, Record<Op, number[]>>;
  outputs: Record<string, Record<Op, Float32Array | number>>;
}

/** Warm-up (whose outputs are kept for the checks), then `rounds` interleaved timed calls per op and variant. */
export async function timeVariants(variants: Variant[], theta: Float32Array, dir: Float32Array, rounds: number): Promise<Timings> {
  const times: Timings['times'] = Object.fromEntries(variants.map((v) => [v.name, { loss: [], grad: [], hvp: [] }]));
  const outputs: Timings['outputs'] = Object.fromEntries(variants.map((v) => [v.name, {} as Record<Op, Float32Array | number>]));
  for (const op of OPS) {
    for (const v of variants) {
      const r = await call(v, op, theta, dir);
      outputs[v.name]![op] = typeof r === 'number' ? r : r.slice();
    }
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 ? [...variants].reverse() : variants) {
        const t0 = performance.now();
        await call(v, op, theta, dir);
        times[v.name]![op].push(performance.now() - t0);
      }
    }
    process.stderr.write(`  ${op}: ${variants.map((v) => `${v.name} ${median(times[v.name]![op]).toFixed(1)} ms`).join(', ')}\n`);
  }
  return { times, outputs };
}

/** max |a − b| / max |b| */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-30);
}

export interface TorchRun {
  report?: TorchReport;
  skip?: string;
  grad?: Float32Array;
  hvp?: Float32Array;
}

/**
 * The PyTorch script on `dir` (which holds model.json + weights, and what the caller wrote: the
 * data, and v.f32 the direction in θ's order); it writes its gradient and Hv as g.f32 and hv.f32.
 */
export function runTorch(script: string, dir: string, rounds: number): TorchRun {
  const r = runTorchScript(script, ['--dir', dir, '--threads', String(TORCH_THREADS), '--repeats', String(rounds)]);
  if ('skip' in r) return { skip: r.skip };
  const read = (f: string) => (existsSync(path.join(dir, f)) ? new Float32Array(new Uint8Array(readFileSync(path.join(dir, f))).buffer) : undefined);
  return { report: r, grad: read('g.f32'), hvp: read('hv.f32') };
}

export const writeF32 = (file: string, a: ArrayLike<number>) => writeFileSync(file, Buffer.from(Float32Array.from(a).buffer));
export const writeI32 = (file: string, a: ArrayLike<number>) => writeFileSync(file, Buffer.from(Int32Array.from(a).buffer));
