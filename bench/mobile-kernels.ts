/**
 * The MobileNet-style bench's layers one kernel at a time on the wasm backend with the native kernels
 * installed: each layer's op on the bench's shapes (batch --n, 32×32×3), min of --reps calls, the
 * native kernel against wasm's own where both exist (interleaved), and the relu6 / GAP passes.
 *
 *   tsx bench/mobile-kernels.ts [--n 64] [--reps 30]
 */
import os from 'node:os';
import tf from '../src/tf.cjs';
import { startEngine } from '../src/engine/engine.js';
import { useNativeDepthwise } from '../src/kernels/native-depthwise.js';
import { createRng } from '../src/random.js';
import { arg } from './lib/compare.js';

const n = Number(arg('n', '64')),
  reps = Number(arg('reps', '30'));
const rng = createRng(3);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
const rand = (shape: number[]): tf.Tensor4D => tf.tensor4d(values(shape.reduce((a, b) => a * b, 1)), shape as [number, number, number, number]);
const vec = (n: number): tf.Tensor1D => tf.tensor1d(values(n));

/** Min time (ms) of each named thunk over reps rounds, the thunks interleaved within a round. */
function time(fs: Record<string, () => tf.Tensor>): Record<string, number> {
  const best: Record<string, number> = {};
  for (let r = 0; r < reps; r++)
    for (const [k, f] of Object.entries(fs)) {
      const t0 = performance.now();
      const y = f();
      const dt = performance.now() - t0;
      y.dispose();
      best[k] = Math.min(best[k] ?? Infinity, dt);
    }
  return best;
}

const info = (await startEngine({ backend: 'wasm' })).backend.kernels!;
console.log(`native ${info.loaded ? `${info.cpuForm}, ${info.threads} threads` : info.reason}; n ${n}; load ${os.loadavg()[0]!.toFixed(2)}`);
const rows: [string, Record<string, number>][] = [];
const x0 = rand([n, 32, 32, 3]);
const k0 = rand([3, 3, 3, 16]),
  b0 = vec(16);
rows.push(['conv 3x3 3->16', time({ native: () => tf.fused.conv2d({ x: x0, filter: k0, bias: b0, strides: 1, pad: 'same' }) })]);
let hw = 32,
  c = 16;
for (const [s, co] of [
  [1, 32],
  [2, 64],
  [2, 128],
]) {
  const x = rand([n, hw, hw, c]),
    dk = rand([3, 3, c, 1]),
    db = vec(c);
  const dw = () => tf.fused.depthwiseConv2d({ x, filter: dk, bias: db, strides: s!, pad: 'same' });
  const wasmDw = () => {
    useNativeDepthwise(false);
    try {
      return tf.add(tf.depthwiseConv2d(x, dk, s!, 'same'), db);
    } finally {
      useNativeDepthwise(true);
    }
  };
  rows.push([`dw s${s} ${hw}x${hw}x${c}`, time({ native: dw, wasm: wasmDw })]);
  rows.push([`relu6 ${hw}x${hw}x${c}`, time({ native: () => tf.relu6(x) })]);
  hw /= s!;
  const y = rand([n, hw, hw, c]),
    pk = rand([1, 1, c, co!]),
    pb = vec(co!);
  rows.push([`pw ${hw}x${hw} ${c}->${co}`, time({ native: () => tf.fused.conv2d({ x: y, filter: pk, bias: pb, strides: 1, pad: 'valid' }) })]);
  c = co!;
}
const last = rand([n, hw, hw, c]);
rows.push([`gap ${hw}x${hw}x${c}`, time({ native: () => tf.mean(last, [1, 2]) })]);
for (const [name, t] of rows)
  console.log(
    `${name.padEnd(24)} ${Object.entries(t)
      .map(([k, v]) => `${k} ${v.toFixed(3)} ms`)
      .join('  ')}`,
  );
console.log(`total native ${rows.reduce((s, [, t]) => s + t.native!, 0).toFixed(2)} ms; load ${os.loadavg()[0]!.toFixed(2)}`);
