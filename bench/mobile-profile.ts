/**
 * Where the MobileNet-style bench's time goes on the native path: tf.profile of one loss, gradient
 * and HVP pass (after a warm-up), kernel times summed by kernel name, the largest first.
 *
 * Each kernel's time is the least over --rounds passes (a loaded machine slows most rounds).
 *
 *   tsx bench/mobile-profile.ts [--n 64] [--op loss|grad|hvp] [--rounds 5] [--no-dw]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { createObjective } from '../src/objective/create-objective.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { useNativeDepthwise } from '../src/kernels/native-depthwise.js';
import { createRng } from '../src/random.js';
import { arg } from './lib/compare.js';
import { writeModel } from './mobile.js';

const n = Number(arg('n', '64')),
  op = arg('op', 'grad'),
  rounds = Math.max(1, Number(arg('rounds', '5')));
const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-mobile-prof-'));
try {
  const checkpoint = await readCheckpoint(await writeModel(dir, 32));
  const rng = createRng(11);
  const x = Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next());
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + rng.int(10)] = 1;
  const obj = await createObjective(checkpoint, { n, inputShape: [32, 32, 3], x, y, k: 10 }, { workers: 1, backend: 'wasm', batchSize: n });
  installNativeKernels();
  if (process.argv.includes('--no-dw')) useNativeDepthwise(false);
  const theta = obj.theta0,
    v = Float32Array.from(theta, (_, i) => Math.sin(i + 1));
  const run = () => (op === 'loss' ? obj.loss(theta) : op === 'grad' ? obj.grad(theta) : obj.hvp(theta, v));
  await run();
  // per kernel name, the least summed time over the rounds: on a loaded machine most rounds are slowed by descheduling
  const by = new Map<string, { ms: number; calls: number }>();
  let wall = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const prof = await tf.profile(async () => {
      await run();
    });
    wall = Math.min(wall, performance.now() - t0);
    const round = new Map<string, { ms: number; calls: number }>();
    for (const k of prof.kernels) {
      const e = round.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.calls++;
      round.set(k.name, e);
    }
    for (const [name, e] of round) if (!by.has(name) || by.get(name)!.ms > e.ms) by.set(name, e);
  }
  const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, e]) => s + e.ms, 0);
  console.log(`${op}: least wall of ${rounds} ${wall.toFixed(1)} ms, kernels (least per name) ${total.toFixed(1)} ms (load ${os.loadavg()[0]!.toFixed(2)})`);
  for (const [name, e] of rows.slice(0, 25)) console.log(`${name.padEnd(40)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(5)} calls`);
  obj.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
