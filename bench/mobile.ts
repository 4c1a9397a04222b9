/**
 * A MobileNet-style CNN (BN-free): Conv 3×3 (16) → ReLU6, then three blocks of DepthwiseConv 3×3
 * (strides 1, 2, 2) → ReLU6 → pointwise Conv 1×1 (32, 64, 128) → ReLU6, GlobalAveragePooling →
 * Dense(10, softmax); sparse categorical cross-entropy on one batch of --n seeded 32×32×3 images
 * (--size 64 for 64×64×3). Loss, gradient and HVP per kernel path (wasm, native) and, with --tape,
 * double backprop (LOSSLENS_HVP=tape, LOSSLENS_GRAD=tape) on the native path, and the native path with
 * its depthwise kernels off (native-no-dw: wasm's forward, the composed gradients) — against PyTorch on
 * the same weights, data and v in the same run (bench/torch_mobile.py: TF 'same' padding, depthwise
 * as a grouped conv, HVP by double backprop; 2 threads, OMP_WAIT_POLICY=PASSIVE, the faster of its
 * default and avx512 CPU capability).
 *
 *   tsx bench/mobile.ts [--n 64] [--size 32] [--rounds 5] [--tape] [--no-torch]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfjs from '@tensorflow/tfjs';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { createObjective } from '../src/objective/create-objective.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { useNativeDepthwise } from '../src/kernels/native-depthwise.js';
import type { Objective } from '../src/objective/types.js';
import { createRng } from '../src/random.js';
import { saveModel } from '../scripts/fixtures/writers.js';
import { arg } from './lib/compare.js';
import { runTorch, timeVariants, writeF32, writeI32, type Variant } from './lib/side-by-side.js';
import { report } from './lib/side-by-side-report.js';
import { tapeObjective } from './lib/tape-objective.js';

const CLASSES = 10;

/** obj with the native depthwise kernels off for each call (wasm's forward, the composed gradients): the native path without them. */
function withoutNativeDepthwise(obj: Objective): Objective {
  const off =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      useNativeDepthwise(false);
      try {
        return await f(...a);
      } finally {
        useNativeDepthwise(true);
      }
    };
  return new Proxy(obj, {
    get: (o, k) => (k === 'loss' || k === 'grad' || k === 'hvp' ? off((o[k] as (...a: unknown[]) => Promise<unknown>).bind(o)) : Reflect.get(o, k)),
  });
}

export async function writeModel(dir: string, size: number): Promise<string> {
  await tfjs.setBackend('cpu');
  let seed = 1;
  const init = () => tfjs.initializers.heNormal({ seed: seed++ });
  const relu6 = (name: string) => tfjs.layers.reLU({ maxValue: 6, name });
  const layers: tfjs.layers.Layer[] = [
    tfjs.layers.conv2d({ name: 'conv', inputShape: [size, size, 3], filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: init() }),
    relu6('conv_relu'),
  ];
  for (const [i, [stride, filters]] of [
    [1, 32],
    [2, 64],
    [2, 128],
  ].entries()) {
    layers.push(
      tfjs.layers.depthwiseConv2d({ name: `dw_${i}`, kernelSize: 3, strides: stride, padding: 'same', depthwiseInitializer: init() }),
      relu6(`dw_relu_${i}`),
    );
    layers.push(tfjs.layers.conv2d({ name: `pw_${i}`, filters, kernelSize: 1, kernelInitializer: init() }), relu6(`pw_relu_${i}`));
  }
  layers.push(
    tfjs.layers.globalAveragePooling2d({ name: 'gap' }),
    tfjs.layers.dense({ name: 'head', units: CLASSES, activation: 'softmax', kernelInitializer: tfjs.initializers.glorotUniform({ seed: 99 }) }),
  );
  const m = tfjs.sequential({ name: 'mobile_cnn', layers });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await saveModel(m, dir);
  m.dispose();
  return path.join(dir, 'model.json');
}

export async function main(): Promise<void> {
  const n = Math.max(1, Math.min(1024, Number(arg('n', '64'))));
  const size = Number(arg('size', '32')) === 64 ? 64 : 32;
  const rounds = Math.max(3, Math.min(50, Number(arg('rounds', '5'))));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-mobile-'));
  try {
    const checkpoint = await readCheckpoint(await writeModel(dir, size));
    const rng = createRng(11),
      px = size * size * 3;
    const x = Float32Array.from({ length: n * px }, () => rng.next()),
      labels = Int32Array.from({ length: n }, () => rng.int(CLASSES));
    const y = new Float32Array(n * CLASSES);
    labels.forEach((l, i) => {
      y[i * CLASSES + l] = 1;
    });
    const data = { n, inputShape: [size, size, 3], x, y, k: CLASSES };
    const obj = await createObjective(checkpoint, data, { workers: 1, backend: 'wasm', batchSize: n });
    const native = installNativeKernels();
    const theta = obj.theta0,
      v = Float32Array.from(theta, (_, i) => Math.sin(i + 1));
    const variants: Variant[] = [
      ...(native.loaded
        ? [
            { name: 'native', path: 'native' as const, obj },
            { name: 'native-no-dw', path: 'native' as const, obj: withoutNativeDepthwise(obj) },
          ]
        : []),
      { name: 'wasm', path: 'wasm', obj },
    ];
    if (process.argv.includes('--tape'))
      variants.push({ name: 'tape', path: native.loaded ? 'native' : 'wasm', obj: await tapeObjective(checkpoint, data, theta, v) });
    const title =
      `MobileNet-style CNN (Conv 3×3, 3 × [DepthwiseConv 3×3 → ReLU6 → Conv 1×1 → ReLU6], GAP, Dense), ${theta.length} params, ${size}×${size}×3; one batch of ${n}, ${rounds} rounds, in process` +
      `; HVP by ${(obj as { hvpEngine?: () => string }).hvpEngine?.() ?? '?'}${native.loaded ? '' : `; native kernels not measured: ${native.reason}`}`;
    console.log(title);
    const timings = await timeVariants(variants, theta, v, rounds);
    for (const vr of variants) vr.obj.dispose();
    let torch = {};
    if (!process.argv.includes('--no-torch')) {
      writeF32(path.join(dir, 'x.f32'), x);
      writeI32(path.join(dir, 'y.i32'), labels);
      writeF32(path.join(dir, 'v.f32'), v);
      torch = runTorch(path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_mobile.py'), dir, rounds);
    }
    report({
      bench: size === 32 ? 'mobile' : `mobile-${size}`,
      title,
      params: theta.length,
      timings,
      torch,
      reference: variants[0]!.name,
      extra: { n, size, rounds, native },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
