/**
 * Per-kernel time of the LeNet gradient or HVP on wasm (tf.profile's kernelTimeMs, summed by
 * kernel name and input shapes, averaged over 3 profiled calls after a warm-up), for each of a set
 * of kernel variants given as env settings, profiled in one process, alternating. A tool for
 * finding hot spots, not a bench (profiling adds overhead; wall-time A/B is bench/cnn.ts).
 *
 *   node --import tsx bench/lib/kernel-profile.ts \
 *     '{"ops":{"LOSSLENS_CONV_GRAD":"conv","LOSSLENS_POOL_GRAD":"ops"},"kernels":{}}' loss|grad|hvp [top=14] [n=256]
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeLenet } from './lenet.js';
import { readCheckpoint } from '../../src/io/checkpoint-read.js';
import { createObjective } from '../../src/objective/create-objective.js';
import { fashionTest } from './fashion.js';
const file = await writeLenet(await mkdtemp(path.join(os.tmpdir(), 'losslens-prof-')));
const obj = await createObjective(await readCheckpoint(file), fashionTest(Number(process.argv[5] ?? 256))!, { workers: 1, backend: 'wasm' });
const th = obj.theta0;
const v = Float32Array.from(th, (_, i) => Math.sin(i + 1));
const variants: Record<string, Record<string, string | undefined>> = JSON.parse(process.argv[2]!);
const op = process.argv[3] ?? 'grad';
const set = (e: Record<string, string | undefined>) => {
  for (const k of ['LOSSLENS_CONV_GRAD', 'LOSSLENS_POOL_GRAD']) {
    if (e[k]) process.env[k] = e[k];
    else delete process.env[k];
  }
};
const run = () => (op === 'loss' ? obj.loss(th) : op === 'grad' ? obj.grad(th) : obj.hvp(th, v));
const res: Record<string, Map<string, number>> = {};
for (let r = 0; r < 3; r++)
  for (const [n, e] of Object.entries(variants)) {
    set(e);
    await run();
    const prof = await tf.profile(async () => {
      await run();
    });
    const by = (res[n] ??= new Map());
    for (const k of prof.kernels) {
      const key = k.name + ' ' + JSON.stringify(k.inputShapes);
      by.set(key, (by.get(key) ?? 0) + ((k.kernelTimeMs as number) || 0) / 3);
    }
  }
for (const [n, by] of Object.entries(res)) {
  const tot = [...by.values()].reduce((a, b) => a + b, 0);
  console.log(`\n== ${n} ${op}: kernel sum ${tot.toFixed(0)} ms`);
  for (const [k, ms] of [...by].sort((a, b) => b[1] - a[1]).slice(0, +(process.argv[4] ?? 14))) console.log(ms.toFixed(1).padStart(8), k);
}
