/**
 * The fused LSTM step (src/kernels/recurrent-cell.ts: JS on cpu and plain wasm, native/recurrent.c on
 * the native path) against ground truths, on every kernel path:
 *  - rules: h′, c′ and their tangents, g_z, g_c and their tangents, element by element, against a
 *    float64 step in plain JS differentiated by central differences (first order of the value,
 *    second order of ⟨g_h, h′⟩ + ⟨g_c, c′⟩) — each activation's value, f′ and f″ take part, so a
 *    changed rule (a dropped curvature term, a swapped gate) fails here;
 *  - the layer: fused = unfused ops and = tfjs-layers' own LSTM (model.predict) to float32 rounding,
 *    with go_backwards, return_sequences, a mask and initial states;
 *  - the tape: the first-order gradient (the backward kernel) and double backprop (its tf-op form)
 *    of a fused unroll = the unfused unroll's.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { ACT } from '../src/kernels/recurrent-cell-math.js';
import { fusedCodes, lstmBack, lstmCell, lstmDual, useFusedCells, type CellCodes } from '../src/kernels/recurrent-cell.js';
import { runRecurrent } from '../src/model/layers/recurrent.js';
import { createRng } from '../src/random.js';
import { PATHS, rel as maxRel } from './helpers/rop-rules-check.js';

const B = 3,
  U = 5;
const rng = createRng(11);
const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);

/** float64 activations as their definitions (hard sigmoid the clip of 0.2z + 0.5). */
const ACT64: Record<number, (z: number) => number> = {
  [ACT.linear]: (z) => z,
  [ACT.tanh]: Math.tanh,
  [ACT.sigmoid]: (z) => 1 / (1 + Math.exp(-z)),
  [ACT.hardSigmoid]: (z) => Math.min(1, Math.max(0, 0.2 * z + 0.5)),
  [ACT.relu]: (z) => Math.max(0, z),
};

/** One element of the step in float64: [h′, c′] from z = [z_i, z_f, z_g, z_o] and c. */
function step64(k: CellCodes, z: number[], c: number): [number, number] {
  const s = ACT64[k.rec]!,
    p = ACT64[k.act]!;
  const cn = s(z[1]!) * c + s(z[0]!) * p(z[2]!);
  return [s(z[3]!) * p(cn), cn];
}

type Five = [number, number, number, number, number];
/** ∂/∂(z, c) of gh·h′ + gc·c′ by central differences (float64). */
function grad64(k: CellCodes, x: Five, gh: number, gc: number, d = 1e-5): Five {
  const L = (y: number[]) => {
    const [h, c] = step64(k, y.slice(0, 4), y[4]!);
    return gh * h + gc * c;
  };
  return x.map((_, q) => L(x.map((v, i) => v + (i === q ? d : 0))) - L(x.map((v, i) => v - (i === q ? d : 0)))).map((v) => v / (2 * d)) as Five;
}

const CODES: [string, CellCodes][] = [
  ['tanh / hard_sigmoid', { act: ACT.tanh, rec: ACT.hardSigmoid }],
  ['tanh / sigmoid', { act: ACT.tanh, rec: ACT.sigmoid }],
  ['sigmoid / tanh', { act: ACT.sigmoid, rec: ACT.tanh }],
  ['relu / sigmoid', { act: ACT.relu, rec: ACT.sigmoid }],
  ['linear / sigmoid', { act: ACT.linear, rec: ACT.sigmoid }],
];

describe.each(PATHS)('fused LSTM step on %s (%s)', (backend, kernels) => {
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (kernels === 'native' ? installNativeKernels : uninstallNativeKernels)();
    useFusedCells(true);
  });

  it.each(CODES)('%s: values, tangents, gradients and their tangents = float64 central differences', (_, k) => {
    const n = B * U;
    const [xp, hu, rz] = [rand(4 * n, 2.5), rand(4 * n, 1), rand(4 * n, 1)];
    const [c, rc, gh, gc, rgh, rgc] = [rand(n, 1.5), rand(n, 1), rand(n, 1), rand(n, 1), rand(n, 1), rand(n, 1)];
    const before = tf.memory().numTensors;
    const t = (a: Float32Array, w: number) => tf.tensor2d(a, [B, w]);
    const out = tf.tidy(() => {
      const [XP, HU, C] = [t(xp, 4 * U), t(hu, 4 * U), t(c, U)];
      const dual = lstmDual(XP, HU, C, t(rz, 4 * U), t(rc, U), k);
      const plain = lstmCell(XP, HU, C, k);
      const back = lstmBack(XP, HU, C, { gh: t(gh, U), gc: t(gc, U), rz: t(rz, 4 * U), rc: t(rc, U), rgh: t(rgh, U), rgc: t(rgc, U) }, k, true);
      return [...dual, ...plain, ...back].map((x) => x.dataSync() as Float32Array);
    });
    expect(tf.memory().numTensors).toBe(before);
    const [h, cn, rh, rcn, h2, cn2, gz, gcp, rgz, rgcp] = out as Float32Array[];
    expect(h2).toEqual(h); // the same bits with and without tangents: the rules' loss is the loss pass's
    expect(cn2).toEqual(cn);
    const want = {
      h: [] as number[],
      cn: [] as number[],
      rh: [] as number[],
      rcn: [] as number[],
      gz: new Float64Array(4 * n),
      gcp: [] as number[],
      rgz: new Float64Array(4 * n),
      rgcp: [] as number[],
    };
    const e = 1e-4;
    for (let r = 0; r < B; r++)
      for (let j = 0; j < U; j++) {
        const i = r * U + j,
          zi = [0, 1, 2, 3].map((q) => r * 4 * U + q * U + j);
        const x = [...zi.map((q) => xp[q]! + hu[q]!), c[i]!] as Five,
          dx = [...zi.map((q) => rz[q]!), rc[i]!] as Five;
        const at = (s: number) =>
          step64(
            k,
            x.slice(0, 4).map((v, q) => v + s * dx[q]!),
            x[4]! + s * dx[4]!,
          );
        const [hv, cv] = at(0),
          [hp, cp] = at(e),
          [hm, cm] = at(-e);
        want.h.push(hv);
        want.cn.push(cv);
        want.rh.push((hp - hm) / (2 * e));
        want.rcn.push((cp - cm) / (2 * e));
        const g0 = grad64(k, x, gh[i]!, gc[i]!);
        const shift = (s: number) => grad64(k, x.map((v, q) => v + s * dx[q]!) as Five, gh[i]! + s * rgh[i]!, gc[i]! + s * rgc[i]!);
        const gp = shift(e),
          gm = shift(-e);
        zi.forEach((q, m) => {
          want.gz[q] = g0[m]!;
          want.rgz[q] = (gp[m]! - gm[m]!) / (2 * e);
        });
        want.gcp.push(g0[4]!);
        want.rgcp.push((gp[4]! - gm[4]!) / (2 * e));
      }
    // values: float32 rounding; first derivatives by differences: their truncation (~1e-8) and the gradients' own differences
    expect(maxRel(h, want.h)).toBeLessThan(1e-6);
    expect(maxRel(cn, want.cn)).toBeLessThan(1e-6);
    expect(maxRel(rh, want.rh)).toBeLessThan(1e-5);
    expect(maxRel(rcn, want.rcn)).toBeLessThan(1e-5);
    expect(maxRel(gz, want.gz)).toBeLessThan(1e-5);
    expect(maxRel(gcp, want.gcp)).toBeLessThan(1e-5);
    // tangents of the gradients: nested differences (1e-4 outer, 1e-5 inner) in float64, float32 kernels
    expect(maxRel(rgz, want.rgz)).toBeLessThan(1e-4);
    expect(maxRel(rgcp, want.rgcp)).toBeLessThan(1e-4);
  });
});

const T = 4,
  F = 3;
const LAYERS: [string, Record<string, unknown>, object][] = [
  ['hard_sigmoid gates', { recurrent_activation: 'hard_sigmoid' }, { recurrentActivation: 'hardSigmoid' }],
  [
    'sigmoid gates, go_backwards, return_sequences',
    { recurrent_activation: 'sigmoid', go_backwards: true, return_sequences: true },
    { recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true },
  ],
];

/** tfjs-layers' LSTM with seeded weights (biases spread so that hard-sigmoid gates leave their linear range), its weights and input. */
function lstmCase(opts: object) {
  const layer = tf.layers.lstm({
    units: U,
    inputShape: [T, F],
    kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
    recurrentInitializer: tf.initializers.glorotNormal({ seed: 2 }),
    biasInitializer: tf.initializers.randomNormal({ stddev: 1, seed: 3 }),
    ...opts,
  });
  const model = tf.sequential({ layers: [layer] });
  const [kernel, recurrent_kernel, bias] = layer.getWeights();
  return { model, w: { kernel: kernel!, recurrent_kernel: recurrent_kernel!, bias: bias! }, x: tf.tensor3d(rand(B * T * F, 2), [B, T, F]) };
}

function both<T>(f: () => T): [T, T] {
  useFusedCells(false);
  try {
    const unfused = f();
    useFusedCells(true);
    return [f(), unfused];
  } finally {
    useFusedCells(true);
  }
}

describe.each(PATHS)('LSTM layers with the fused step on %s (%s)', (backend, kernels) => {
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (kernels === 'native' ? installNativeKernels : uninstallNativeKernels)();
  });

  it('the fused kernels run where they are worth it: cpu and native, not plain wasm (its compiled ops are faster than JS)', () => {
    expect(fusedCodes('tanh', 'hard_sigmoid') !== null).toBe(kernels !== 'plain wasm');
    expect(fusedCodes('elu', 'hard_sigmoid')).toBeNull(); // an activation the kernel lacks: the unfused ops
  });

  it.each(LAYERS)('%s: output = unfused ops = tfjs-layers model.predict; with a mask and initial states = unfused', (_, config, opts) => {
    const { model, w, x } = lstmCase(opts);
    const cfg = { units: U, ...config };
    const [fused, unfused] = both(() => runRecurrent('LSTM', x, w, cfg, 'lstm').output.arraySync() as number[]);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    expect(maxRel(fused.flat(2) as number[], unfused.flat(2) as number[])).toBeLessThan(2e-6);
    expect(maxRel(fused.flat(2) as number[], want)).toBeLessThan(2e-6);
    const mask = tf.tensor2d([1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0], [B, T]);
    const initial = [tf.tensor2d(rand(B * U, 1), [B, U]), tf.tensor2d(rand(B * U, 1), [B, U])];
    const [m1, m0] = both(() => runRecurrent('LSTM', x, w, cfg, 'lstm', { mask, initial }).output.dataSync());
    expect(maxRel(m1, m0)).toBeLessThan(2e-6);
  });

  it.each(LAYERS)("%s: tape gradient and double-backprop HVP through the fused step = the unfused ops'", (_, config) => {
    const { w, x } = lstmCase({});
    const cfg = { units: U, ...config };
    const r = tf.randomNormal(runRecurrent('LSTM', x, w, cfg, 'lstm').output.shape, 0, 1, 'float32', 5);
    const ws = [w.kernel, w.recurrent_kernel, w.bias, x];
    const v = ws.map((t, i) => tf.randomNormal(t.shape, 0, 1, 'float32', 10 + i));
    const loss = ([k, rk, b, xx]: tf.Tensor[]) =>
      tf.sum(tf.mul(tf.square(runRecurrent('LSTM', xx!, { kernel: k!, recurrent_kernel: rk!, bias: b! }, cfg, 'lstm').output), r));
    const grad = (p: tf.Tensor[]) => tf.grads((...a: tf.Tensor[]) => loss(a))(p);
    const hvp = (p: tf.Tensor[]) => tf.grads((...a: tf.Tensor[]) => tf.addN(grad(a).map((g, i) => tf.sum(tf.mul(g, v[i]!)))))(p);
    const before = tf.memory().numTensors;
    const [g1, g0] = both(() => tf.tidy(() => grad(ws).map((g) => g.dataSync())));
    const [h1, h0] = both(() => tf.tidy(() => hvp(ws).map((g) => g.dataSync())));
    expect(tf.memory().numTensors).toBe(before);
    g1.forEach((g, i) => expect(maxRel(g, g0[i]!)).toBeLessThan(1e-5)); // float32 rounding over 4 steps
    h1.forEach((h, i) => expect(maxRel(h, h0[i]!)).toBeLessThan(1e-4));
  });
});
