/**
 * Speed of the loss gradient of a small CNN (16×16×1 → conv 3×3×8 same + relu → maxpool 2
 * → conv 3×3×16 same + relu → maxpool 2 → dense 10, softmax cross-entropy, batch 256):
 *   - wasm with our registrations (Conv2D/MaxPool gradients as Conv2D / reshape ops),
 *   - cpu with tfjs's stock gradients (Conv2DBackpropInput/Filter, MaxPoolGrad kernels),
 *   - cpu with our registrations, and the exact HVP on wasm vs cpu (ours; stock cannot).
 * Then the wasm matmul wrappers (src/kernels/wasm-matmul.ts) against the stock wasm kernels,
 * alternated call by call in this one process: matMul with transposeB / transposeA, and the
 * gradient and HVP of the mlp-relu fixture (26k params, 2000 samples, in process).
 * Medians over repeats after warm-up. Run: npx tsx bench/kernels.ts [repeats]
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { logSoftmaxComposite } from '../src/objective/second-order-gradients.js';
import { registerConvGradients } from '../src/objective/gradients/conv.js';
import { registerPoolGradients } from '../src/objective/gradients/pool.js';
import { registerWasmMatMul, useStockWasmMatMul } from '../src/kernels/wasm-matmul.js';
import { createObjective } from '../src/objective/create-objective.js';
import { fixtureCase } from './lib/cases.js';

const REPEATS = Number(process.argv[2] ?? 7);
const B = 256;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function makeNet() {
  const x = tf.randomNormal([B, 16, 16, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: B }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const ws = [
    tf.randomNormal([3, 3, 1, 8], 0, 0.3, 'float32', 2),
    tf.randomNormal([3, 3, 8, 16], 0, 0.1, 'float32', 3),
    tf.randomNormal([256, 10], 0, 0.06, 'float32', 4),
  ];
  const loss = (w: tf.Tensor[]) => {
    let h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, w[0] as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.conv2d(h, w[1] as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
    const z = tf.matMul(tf.reshape(h, [B, 256]), w[2] as tf.Tensor2D);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, logSoftmaxComposite(z)), -1))) as tf.Scalar;
  };
  return { ws, loss, dispose: () => tf.dispose([x, y, ...ws]) };
}

function time(fn: () => tf.Tensor[]): number {
  const times: number[] = [];
  for (let r = 0; r < REPEATS + 2; r++) {
    const t0 = performance.now();
    const out = fn();
    out.forEach((t) => t.dataSync());
    tf.dispose(out);
    if (r >= 2) times.push(performance.now() - t0);
  }
  return median(times);
}

async function measure(backend: string, what: 'grad' | 'hvp'): Promise<number> {
  await selectBackend(backend);
  const net = makeNet();
  const g = (ws: tf.Tensor[]) => tf.grads((...a: tf.Tensor[]) => net.loss(a))(ws);
  const vs = net.ws.map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 10 + i));
  const ms = time(() =>
    tf.tidy(() =>
      what === 'grad' ? g(net.ws) : tf.grads((...a: tf.Tensor[]) => tf.addN(g(a).map((gi, i) => tf.sum(tf.mul(gi, vs[i]!)))) as tf.Scalar)(net.ws),
    ),
  );
  tf.dispose(vs);
  net.dispose();
  return ms;
}

/** Put tfjs's own Conv2D / MaxPool gradient configs back (its ESM dist shares the global registry). */
async function useStockConvPool(): Promise<void> {
  const conv = await import('@tensorflow/tfjs-core/dist/gradients/Conv2D_grad.js' as string);
  const pool = await import('@tensorflow/tfjs-core/dist/gradients/MaxPool_grad.js' as string);
  tf.registerGradient(conv.conv2DGradConfig);
  tf.registerGradient(pool.maxPoolGradConfig);
}

const wasmOurs = await measure('wasm', 'grad');
const cpuOurs = await measure('cpu', 'grad');
await useStockConvPool();
const cpuStock = await measure('cpu', 'grad');
registerConvGradients();
registerPoolGradients();
const wasmHvp = await measure('wasm', 'hvp');
const cpuHvp = await measure('cpu', 'hvp');

const f = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`small CNN, batch ${B}, medians of ${REPEATS} after 2 warm-ups`);
console.log(`gradient  wasm (ours)   ${f(wasmOurs)}`);
console.log(`gradient  cpu  (stock)  ${f(cpuStock)}   → wasm-ours speed-up ×${(cpuStock / wasmOurs).toFixed(2)}`);
console.log(`gradient  cpu  (ours)   ${f(cpuOurs)}   (ours/stock on cpu ×${(cpuOurs / cpuStock).toFixed(2)})`);
console.log(`HVP       wasm (ours)   ${f(wasmHvp)}`);
console.log(
  `HVP       cpu  (ours)   ${f(cpuHvp)}   → wasm speed-up ×${(cpuHvp / wasmHvp).toFixed(2)}; HVP/gradient on wasm ×${(wasmHvp / wasmOurs).toFixed(2)}`,
);

/** Median ms of `fn` with the stock wasm matmuls and with ours, alternated call by call. */
async function stockVsOurs(fn: () => Promise<void> | void, repeats = REPEATS): Promise<{ stock: number; ours: number }> {
  const stock: number[] = [],
    ours: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    for (const which of ['stock', 'ours'] as const) {
      if (which === 'stock') useStockWasmMatMul();
      else registerWasmMatMul();
      const t0 = performance.now();
      await fn();
      if (r >= 1) (which === 'stock' ? stock : ours).push(performance.now() - t0);
    }
  }
  registerWasmMatMul();
  return { stock: median(stock), ours: median(ours) };
}

await selectBackend('wasm');
const row = (what: string, m: { stock: number; ours: number }) =>
  console.log(`${what.padEnd(34)} stock ${f(m.stock).padStart(10)}   ours ${f(m.ours).padStart(10)}   stock/ours ×${(m.stock / m.ours).toFixed(1)}`);
console.log(`\nwasm matmul, stock kernels vs ours (transpose materialized), medians of ${REPEATS} alternated`);
{
  const [x, w, wt] = [
    tf.randomNormal([2000, 128], 0, 1, 'float32', 1),
    tf.randomNormal([128, 128], 0, 1, 'float32', 2),
    tf.randomNormal([128, 2000], 0, 1, 'float32', 3),
  ];
  const once = (g: () => tf.Tensor) => () => {
    const y = g();
    y.dataSync();
    y.dispose();
  };
  row('matMul 2000×128 · (128×128)ᵀ  tB', await stockVsOurs(once(() => tf.matMul(x, w, false, true))));
  row('matMul (2000×128)ᵀ · 2000×128  tA', await stockVsOurs(once(() => tf.matMul(x, x, true, false))));
  row('matMul 2000×128 · 128×2000 (no t)', await stockVsOurs(once(() => tf.matMul(x, wt))));
  tf.dispose([x, w, wt]);
}
{
  const p = await fixtureCase('fixtures/mlp-relu').load();
  const obj = await createObjective(p.checkpoint, p.data, { workers: 1, backend: 'wasm' });
  const v = Float32Array.from(obj.theta0, (_, i) => Math.sin(i + 1));
  row(`mlp-relu gradient (${p.params} params)`, await stockVsOurs(async () => void (await obj.grad(obj.theta0))));
  row('mlp-relu HVP', await stockVsOurs(async () => void (await obj.hvp(obj.theta0, v))));
  obj.dispose();
}
