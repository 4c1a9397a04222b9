/**
 * Runs bench/torch_reference.py (the PyTorch reference of bench/hessian.ts and bench/slice.ts)
 * with 2 threads and OMP_WAIT_POLICY=PASSIVE, and returns its JSON, or why it could not run.
 *
 * Python: $LOSSLENS_PYTHON, else the first of python3, /usr/bin/python3 that imports torch and
 * numpy. None does, and we are root with apt-get: `apt-get update` then
 * `apt-get install -y python3-torch libopenblas0-openmp` (Debian's torch calls whichever
 * libblas.so.3 is selected; the reference BLAS it pulls in by itself is ~10× slower than
 * OpenBLAS, which would flatter losslens). Otherwise a skip reason for the caller to print.
 *
 * PyTorch picks its AVX2 kernels by default even on an AVX-512 CPU: where the CPU has AVX-512F the
 * script runs twice, by default and with ATEN_CPU_CAPABILITY=avx512, and each op keeps the faster
 * run (`capability` says which), so losslens is compared with PyTorch's best.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TorchOp {
  medianMs: number;
  samplesMs: number[];
  [extra: string]: unknown;
}

export interface TorchReport {
  torch: string;
  numpy: string;
  threads: number;
  blas: string;
  params: number;
  n: number;
  loss: number;
  accuracy: number;
  ops: Record<string, TorchOp>;
  /** Per op, the ATEN_CPU_CAPABILITY of the run it was taken from ('default' or 'avx512'). */
  capability?: Record<string, string>;
  /** Set when torch runs on the reference BLAS (a slow reference that would flatter losslens). */
  blasWarning?: string;
}

export const TORCH_THREADS = 2;
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'torch_reference.py');
const env = { ...process.env, OMP_NUM_THREADS: String(TORCH_THREADS), OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: String(TORCH_THREADS) };

function hasTorch(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore', env });
  return r.status === 0;
}

function findPython(): string | undefined {
  const candidates = [process.env.LOSSLENS_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find(hasTorch);
}

function aptInstall(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root, so apt-get cannot install python3-torch';
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no apt-get here';
  process.stderr.write('  python3-torch missing: apt-get update && apt-get install -y python3-torch libopenblas0-openmp …\n');
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv });
  if (update.status !== 0) return `apt-get update failed (exit ${update.status})`;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch', 'libopenblas0-openmp'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: aptEnv,
  });
  return install.status === 0 ? undefined : `apt-get install python3-torch failed (exit ${install.status})`;
}

let python: string | undefined | null = null; // null: not looked for yet

/** A Python that imports torch (installing it once if we can), or the reason there is none. */
export function torchPython(): { python?: string; skip?: string } {
  if (python === null) {
    python = findPython();
    if (!python) {
      const why = aptInstall();
      python = why ? undefined : findPython();
      if (!python) return { skip: `PyTorch reference skipped: ${why ?? 'python3-torch installed but no python3 imports torch'}` };
    }
  }
  return python ? { python } : { skip: 'PyTorch reference skipped: no python3 with torch' };
}

/** Run the reference with these flags (see the script's --help); throws if it fails. */
export function runTorchReference(args: string[], timeoutMs = 600_000): TorchReport | { skip: string } {
  return runTorchScript(SCRIPT, args, timeoutMs);
}

const cpuHasAvx512 = () => existsSync('/proc/cpuinfo') && /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

function runOnce(python: string, script: string, args: string[], timeoutMs: number, extra: Record<string, string>): TorchReport {
  const r = spawnSync(python, [script, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${path.basename(script)} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchReport;
}

/** Each op from whichever run was faster (by median), named in `capability`. */
function better(base: TorchReport, wide: TorchReport): TorchReport {
  const ops: Record<string, TorchOp> = {},
    capability: Record<string, string> = {};
  for (const [op, b] of Object.entries(base.ops)) {
    const w = wide.ops[op];
    const useWide = !!w && w.medianMs < b.medianMs;
    ops[op] = useWide ? w! : b;
    capability[op] = useWide ? 'avx512' : 'default';
  }
  return { ...base, ops, capability };
}

/** Run a PyTorch reference script of bench/ (its last stdout line is a TorchReport); throws if it fails. */
export function runTorchScript(script: string, args: string[], timeoutMs = 600_000): TorchReport | { skip: string } {
  const found = torchPython();
  if (!found.python) return { skip: found.skip! };
  const base = runOnce(found.python, script, args, timeoutMs, {});
  const report = cpuHasAvx512() ? better(base, runOnce(found.python, script, args, timeoutMs, { ATEN_CPU_CAPABILITY: 'avx512' })) : base;
  if (!/openblas|mkl|blis/i.test(report.blas))
    report.blasWarning = `warning: torch runs on the reference BLAS (${report.blas}), ~10× slower than OpenBLAS; apt-get install libopenblas0-openmp for a fair reference`;
  return report;
}
