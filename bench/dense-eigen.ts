/**
 * The dense saddle path's eigensolver (src/curvature/symmetric-eigen.ts: Householder + QL, values
 * only) on a seeded random symmetric n×n matrix: wall and CPU time, and, where /usr/bin/python3 has
 * numpy, LAPACK's eigvalsh on the same matrix (time and the largest eigenvalue difference).
 *
 *   tsx bench/dense-eigen.ts [--n 2000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { symmetricEigenvalues } from '../src/curvature/symmetric-eigen.js';
import { createRng } from '../src/random.js';

const arg = process.argv.indexOf('--n');
const n = arg > 0 ? Number(process.argv[arg + 1]) : 2000;
const rng = createRng(1);
const a = new Float64Array(n * n);
for (let i = 0; i < n; i++)
  for (let j = 0; j <= i; j++) {
    const x = rng.normal();
    a[i * n + j] = x;
    a[j * n + i] = x;
  }
const dir = mkdtempSync(path.join(os.tmpdir(), 'dense-eigen-'));
writeFileSync(path.join(dir, 'a.f64'), new Uint8Array(a.buffer));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { values } = symmetricEigenvalues(a, n);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
writeFileSync(path.join(dir, 'ev.f64'), new Uint8Array(values.buffer));
console.log(`losslens (JS) n=${n}: ${(wall / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
const py = `import numpy as np, time
a = np.fromfile('${dir}/a.f64').reshape(${n}, ${n}); ev = np.fromfile('${dir}/ev.f64')
t = time.time(); ref = np.linalg.eigvalsh(a); dt = time.time() - t
print(f"LAPACK eigvalsh: {dt:.2f} s wall; max |difference| {abs(ref - ev).max():.2e} (max |lambda| {abs(ref).max():.1f})")`;
const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' } });
console.log(r.status === 0 ? r.stdout.trim() : `no numpy reference (${(r.stderr || String(r.error)).split('\n')[0]})`);
rmSync(dir, { recursive: true, force: true });
