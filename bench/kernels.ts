/**
 * Speed of the loss gradient of a small CNN (16×16×1 → conv 3×3×8 same + relu → maxpool 2
 * → conv 3×3×16 same + relu → maxpool 2 → dense 10, softmax cross-entropy, batch 256):
 *   - wasm with our registrations (Conv2D/MaxPool gradients as Conv2D / reshape ops),
 *   - cpu with tfjs's stock gradients (Conv2DBackpropInput/Filter, MaxPoolGrad kernels),
 *   - cpu with our registrations, and the exact HVP on wasm vs cpu (ours; stock cannot).
 * Medians over repeats after warm-up. Run: npx tsx bench/kernels.ts [repeats]
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend.js';
import { logSoftmaxComposite } from '../src/objective/second-order-gradients.js';
import { registerConvGradients } from '../src/objective/gradients/conv.js';
import { registerPoolGradients } from '../src/objective/gradients/pool.js';

const REPEATS = Number(process.argv[2] ?? 7);
const B = 256;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function makeNet() {
  const x = tf.randomNormal([B, 16, 16, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32'), 10);
  const ws = [tf.randomNormal([3, 3, 1, 8], 0, 0.3, 'float32', 2), tf.randomNormal([3, 3, 8, 16], 0, 0.1, 'float32', 3), tf.randomNormal([256, 10], 0, 0.06, 'float32', 4)];
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
  const ms = time(() => tf.tidy(() => (what === 'grad' ? g(net.ws)
    : tf.grads((...a: tf.Tensor[]) => tf.addN(g(a).map((gi, i) => tf.sum(tf.mul(gi, vs[i]!)))) as tf.Scalar)(net.ws))));
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
console.log(`HVP       cpu  (ours)   ${f(cpuHvp)}   → wasm speed-up ×${(cpuHvp / wasmHvp).toFixed(2)}; HVP/gradient on wasm ×${(wasmHvp / wasmOurs).toFixed(2)}`);
