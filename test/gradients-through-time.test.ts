/**
 * Gradients through time against ground truths, on cpu (native kernels where built) and wasm:
 * a linear SimpleRNN whose ∂ℓ/∂h_t has a closed form (powers of the recurrent kernel's transpose,
 * plus the direct term of every step under return_sequences), central finite differences of the loss
 * in h_t for LSTM, GRU and Bidirectional unrolls, the textbook picture (a tanh SimpleRNN with small
 * recurrent weights vanishes through time, an LSTM with forget bias 1 far less), the pure
 * aggregation and findings, and tensor leaks.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { forward } from '../src/model/forward.js';
import { perSampleLoss } from '../src/model/loss.js';
import { withStepTaps, tapKey } from '../src/model/layers/step-taps.js';
import { analysedLayers } from '../src/gradients/layers.js';
import { layerGradients, rawLayerGradients } from '../src/gradients/layer-gradients.js';
import { recurrentKernels } from '../src/gradients/step-gradients.js';
import { analyzeGradients } from '../src/gradients/analyze-gradients.js';
import { throughTime } from '../src/gradients/through-time.js';
import { GRADIENT_DEFAULTS } from '../src/gradients/options.js';
import { createRng } from '../src/random.js';
import * as vega from 'vega';
import { throughTimeSpec } from '../src/figures/gradients-through-time.js';
import { sampledSteps, throughTimeDigest } from '../src/report/through-time-digest.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

const F = 2,
  U = 3;

/** A compiled model, its bundle, and seeded Gaussian inputs x [n, T, F] with targets y [n, K]. */
async function setup(layers: tf.layers.Layer[], n: number, T: number, loss = 'meanSquaredError') {
  const model = tf.sequential({ layers });
  model.compile({ loss, optimizer: 'sgd' });
  const bundle = loadModel(await checkpointFromModel(model));
  const rng = createRng(3);
  const x = Float32Array.from({ length: n * T * F }, () => rng.normal());
  // sample i keeps its first T − i steps and is zero after them (what a Masking layer masks)
  for (let i = 0; i < n; i++) x.fill(0, (i * T + Math.max(1, T - i)) * F, (i + 1) * T * F);
  const K = bundle.outDim;
  const y = Float32Array.from({ length: n * K }, (_, i) => (loss === 'meanSquaredError' ? rng.normal() : i % K === 0 ? 1 : 0));
  const weights = bundle.checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
  const m = { arch: bundle.arch, loss: bundle.loss, weights };
  const prepared = prepareData(datasetOf(x, [T, F], y, loss === 'meanSquaredError' ? 'float' : 'one-hot', [K]), bundle.arch.inputShape, K, bundle.loss);
  return {
    model,
    bundle,
    m,
    prepared,
    x,
    y,
    K,
    xt: tf.tensor(x, [n, T, F]),
    yt: tf.tensor2d(y, [n, K]),
    dispose: () => {
      tf.dispose(weights);
      model.dispose();
    },
  };
}

const init = (seed: number, recStd = 0.5) => ({
  kernelInitializer: tf.initializers.randomNormal({ stddev: 0.7, seed }),
  recurrentInitializer: tf.initializers.randomNormal({ stddev: recStd, seed: seed + 1 }),
  biasInitializer: tf.initializers.randomNormal({ stddev: 0.2, seed: seed + 2 }),
});

const vecMat = (v: number[], M: number[][]) => M[0]!.map((_, j) => v.reduce((s, vi, i) => s + vi * M[i]![j]!, 0));
const matVecT = (M: number[][], v: number[]) => M.map((row) => row.reduce((s, mij, j) => s + mij * v[j]!, 0)); // M v = v Mᵀ as a row
const norm = (v: number[]) => Math.hypot(...v);

/**
 * Closed form of a linear SimpleRNN → (TimeDistributed) linear Dense under MSE, in float64:
 * h_t = x_t W + h_{t−1} R + b; per sample ∂ℓ/∂h_t = d_t + ∂ℓ/∂h_{t+1} Rᵀ, with d_t the direct term
 * (2/outputs)(ŷ_t − y_t) W_dᵀ at the steps the Dense reads. Steps in processing order.
 */
function linearRnnTruth(
  W: number[][],
  R: number[][],
  b: number[],
  Wd: number[][],
  bd: number[],
  x: Float32Array,
  y: Float32Array,
  n: number,
  T: number,
  opts: { sequences: boolean; backwards: boolean },
) {
  const order = Array.from({ length: T }, (_, t) => (opts.backwards ? T - 1 - t : t));
  const K = bd.length,
    outs = opts.sequences ? T * K : K;
  const norms = new Array<number>(T).fill(0);
  const dR = R.map((row) => row.map(() => 0)); // ∂L/∂R = (1/n) Σ_i Σ_k h_{k−1}ᵀ ∂ℓ_i/∂h_k (linear: the pre-activation's gradient)
  const accumulate = (hPrev: number[] | undefined, g: number[]) => hPrev?.forEach((hv, a) => g.forEach((gv, c) => (dR[a]![c]! += (hv * gv) / n)));
  for (let i = 0; i < n; i++) {
    const hs: number[][] = [];
    let h = new Array<number>(U).fill(0);
    for (const t of order) {
      const xt = Array.from(x.subarray((i * T + t) * F, (i * T + t + 1) * F));
      h = vecMat(xt, W).map((v, j) => v + vecMat(h, R)[j]! + b[j]!);
      hs.push(h);
    }
    const direct = (k: number): number[] => {
      // ∂ℓ/∂h at processing step k through the Dense
      const yhat = vecMat(hs[k]!, Wd).map((v, j) => v + bd[j]!);
      const target = opts.sequences
        ? Array.from(y.subarray(i * outs + order[k]! * K, i * outs + (order[k]! + 1) * K))
        : Array.from(y.subarray(i * K, (i + 1) * K));
      return matVecT(
        Wd,
        yhat.map((v, j) => (2 / outs) * (v - target[j]!)),
      );
    };
    let g = direct(T - 1);
    norms[T - 1]! += norm(g) / n;
    accumulate(hs[T - 2], g);
    for (let k = T - 2; k >= 0; k--) {
      g = matVecT(R, g);
      if (opts.sequences) g = g.map((v, j) => v + direct(k)[j]!);
      norms[k]! += norm(g) / n;
      accumulate(hs[k - 1], g);
    }
  }
  return { norms, positions: order, recurrentGrad: norm(dR.flat()) };
}

describe.each(['cpu', 'wasm'])('gradients through time on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each([
    { sequences: false, backwards: false },
    { sequences: true, backwards: false },
    { sequences: false, backwards: true },
  ])('linear SimpleRNN (return_sequences $sequences, go_backwards $backwards): ‖∂ℓ/∂h_t‖ = closed form with powers of Rᵀ', async (o) => {
    const n = 4,
      T = 6,
      K = 2;
    const rnn = tf.layers.simpleRNN({
      units: U,
      activation: 'linear',
      inputShape: [T, F],
      returnSequences: o.sequences,
      goBackwards: o.backwards,
      ...init(1, 0.6),
    });
    const dense = tf.layers.dense({
      units: K,
      kernelInitializer: tf.initializers.randomNormal({ seed: 5 }),
      biasInitializer: tf.initializers.randomNormal({ seed: 6 }),
    });
    const head = o.sequences ? [tf.layers.timeDistributed({ layer: dense }), tf.layers.flatten()] : [dense];
    const s = await setup([rnn, ...head], n, T);
    const [W, R, bias] = rnn.getWeights().map((w) => w.arraySync() as any);
    const [Wd, bd] = dense.getWeights().map((w) => w.arraySync() as any);
    const truth = linearRnnTruth(W, R, bias, Wd, bd, s.x, s.y, n, T, o);
    const layers = analysedLayers(s.bundle.arch);
    const before = tf.memory().numTensors;
    const r = await layerGradients(s.m, s.xt, s.yt, layers);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]!.site.layer).toBe(rnn.name);
    expect(r.steps[0]!.site.direction).toBe(o.backwards ? 'backward' : 'forward');
    expect(r.steps[0]!.site.positions).toEqual(truth.positions);
    const max = Math.max(...truth.norms);
    r.steps[0]!.norms.forEach((v, k) => expect(Math.abs(v - truth.norms[k]!)).toBeLessThan(1e-4 * max));
    expect(r.steps[0]!.recurrentGrad! / truth.recurrentGrad).toBeCloseTo(1, 4);
    // the recurrence shows: without return_sequences, step T−1's gradient is step T's through Rᵀ alone
    if (!o.sequences) expect(truth.norms[T - 2]).not.toBeCloseTo(truth.norms[T - 1]!, 3);
    tf.dispose([s.xt, s.yt]);
    s.dispose();
  });

  it.each([
    { name: 'LSTM', layers: () => [tf.layers.lstm({ units: U, inputShape: [4, F], ...init(7) })] },
    {
      name: 'GRU go_backwards, sigmoid gates',
      layers: () => [tf.layers.gru({ units: U, inputShape: [4, F], goBackwards: true, recurrentActivation: 'sigmoid', ...init(8) })],
    },
    {
      name: 'Bidirectional(LSTM, return_sequences) → LSTM',
      layers: () => [
        tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true, ...init(9) }) as any, inputShape: [4, F] }),
        tf.layers.lstm({ units: 2, ...init(10) }),
      ],
    },
    {
      name: 'Masking → GRU (padded tails carry the state)',
      layers: () => [tf.layers.masking({ maskValue: 0, inputShape: [4, F] }), tf.layers.gru({ units: U, ...init(12) })],
    },
  ])('$name: ∂L/∂h_t of every step and site = central finite differences of L in h_t', async (c) => {
    const n = 3,
      T = 4;
    const s = await setup(
      [...c.layers(), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ seed: 11 }) })],
      n,
      T,
      'categoricalCrossentropy',
    );
    const layers = analysedLayers(s.bundle.arch);
    const before = tf.memory().numTensors;
    const raw = rawLayerGradients(s.m, s.xt, s.yt, layers);
    expect(raw.stepGrads.map((g) => g.site.direction)).toEqual(
      c.name.startsWith('Bi') ? ['forward', 'backward', 'forward'] : [c.name.startsWith('GRU') ? 'backward' : 'forward'],
    );
    const rk = recurrentKernels(
      s.bundle.arch,
      raw.stepGrads.map((g) => g.site),
    ).map((i) => s.bundle.checkpoint.weights[i!]!.spec.name);
    if (c.name.startsWith('Bi'))
      expect(rk.map((n) => n.replace(/^.*?(forward|backward)?_?\w*\/?(recurrent_kernel)$/, '$1 $2'))).toEqual([
        'forward recurrent_kernel',
        'backward recurrent_kernel',
        ' recurrent_kernel',
      ]);
    else expect(rk).toEqual([expect.stringMatching(/recurrent_kernel$/)]);
    const eps = 1e-2;
    const lossAt = (key: string, k: number, shift: tf.Tensor, shape: number[]) =>
      tf.tidy(() => {
        const add = new Map(raw.stepGrads.map(({ site }) => [tapKey(site.where, site.direction), site.positions.map(() => tf.zeros(shape))]));
        add.get(key)![k] = shift;
        return tf
          .mean(
            perSampleLoss(
              s.m.loss,
              s.yt,
              withStepTaps({ add }, () => forward(s.m.arch, s.m.weights, s.xt)),
            ),
          )
          .dataSync()[0]!;
      });
    let worst = 0,
      scale = 0;
    const pick = createRng(21);
    for (const { site, grads } of raw.stepGrads) {
      for (const [k, g] of grads.entries()) {
        const gv = g.dataSync();
        for (const j of [pick.int(g.size), pick.int(g.size)]) {
          // two seeded entries of every step's h_t
          const e = tf.tidy(() =>
            tf
              .oneHot(tf.tensor1d([j], 'int32'), g.size)
              .reshape(g.shape)
              .toFloat(),
          );
          const [plus, minus] = [eps, -eps].map((h) => {
            const sh = tf.mul(e, h);
            const v = lossAt(tapKey(site.where, site.direction), k, sh, site.shape);
            sh.dispose();
            return v;
          });
          e.dispose();
          worst = Math.max(worst, Math.abs((plus! - minus!) / (2 * eps) - gv[j]!));
          scale = Math.max(scale, Math.abs(gv[j]!));
        }
      }
    }
    // float32 loss differences over 2ε: ~1e-7/1e-2 per unit of loss, plus O(ε²) curvature
    expect(worst).toBeLessThan(2e-3 * scale + 2e-5);
    expect(scale).toBeGreaterThan(1e-3); // a gradient that is there to check
    tf.dispose([raw.value, ...raw.weightGrads, ...raw.activationGrads, ...raw.stepGrads.flatMap((g) => g.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([s.xt, s.yt]);
    s.dispose();
  });
});

describe('the textbook picture: a tanh SimpleRNN vanishes through time, an LSTM with forget bias 1 far less', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('same T = 30 and small recurrent weights (sd 0.1): first/last ratio ~1e-17 for the SimpleRNN, ~1e-6 for the LSTM; the SimpleRNN is flagged vanishing', async () => {
    const T = 30,
      n = 16,
      U8 = 8;
    const w = {
      kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 1 }),
      recurrentInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 2 }),
    };
    const profile = async (layer: tf.layers.Layer) => {
      const s = await setup(
        [layer, tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ seed: 4 }) })],
        n,
        T,
        'categoricalCrossentropy',
      );
      const before = tf.memory().numTensors;
      const r = await analyzeGradients(s.bundle, s.prepared, { batches: 2, batchSize: 8 });
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([s.xt, s.yt]);
      s.dispose();
      return r.throughTime!;
    };
    const rnn = await profile(tf.layers.simpleRNN({ units: U8, inputShape: [T, F], ...w }));
    const lstm = await profile(tf.layers.lstm({ units: U8, inputShape: [T, F], unitForgetBias: true, ...w }));
    for (const tt of [rnn, lstm]) {
      expect(tt.layers).toHaveLength(1);
      const norms = tt.layers[0]!.steps.map((st) => st.norm);
      expect(tt.layers[0]!.steps.map((st) => st.t)).toEqual(Array.from({ length: T }, (_, t) => t + 1));
      norms.slice(1).forEach((v, k) => expect(v).toBeGreaterThan(norms[k]!)); // decays at every step backwards
    }
    const [r, l] = [rnn.layers[0]!, lstm.layers[0]!];
    expect(r.ratioFirstToLast).toBeLessThan(1e-12); // per step ≈ 0.27: ‖R‖ · tanh′ with R of sd 0.1
    expect(l.ratioFirstToLast).toBeGreaterThan(1e4 * r.ratioFirstToLast);
    expect(l.perStep).toBeGreaterThan(2 * r.perStep); // the cell state's path: × forget gate ≈ hard_sigmoid(1) = 0.7 per step
    expect(rnn.findings.map((f) => f.code)).toEqual(['vanishing-through-time']);
    expect(rnn.findings[0]!.message).toMatch(/the gradient reaching step 1 is \d\.\d\de-\d+ of step 30's/);
  });
});

describe('through-time aggregation and findings (pure)', () => {
  const site = (layer: string, direction: 'forward' | 'backward', T: number) => ({
    layer,
    where: `layer "${layer}"`,
    direction,
    shape: [2, 3],
    positions: Array.from({ length: T }, (_, t) => (direction === 'backward' ? T - 1 - t : t)),
  });

  it('mean ± sd over minibatches per step, ratio first/last and its per-step root, in processing order', () => {
    const tt = throughTime([site('gru', 'backward', 3)], [[[1e-4, 1e-2, 1]], [[3e-4, 3e-2, 1]]], GRADIENT_DEFAULTS);
    const l = tt.layers[0]!;
    expect(l.steps.map((s) => s.position)).toEqual([2, 1, 0]);
    expect(l.steps[0]!.norm).toBeCloseTo(2e-4, 12);
    expect(l.steps[0]!.std).toBeCloseTo(Math.SQRT2 * 1e-4, 12);
    expect(l.ratioFirstToLast).toBeCloseTo(2e-4, 12);
    expect(l.perStep).toBeCloseTo(Math.sqrt(2e-4), 10);
    expect(l.recurrentKernelGrad).toBeNull();
    expect(throughTime([site('gru', 'backward', 1)], [[[1]], [[1]]], GRADIENT_DEFAULTS, [[2], [4]]).layers[0]!.recurrentKernelGrad).toEqual({
      mean: 3,
      std: Math.SQRT2,
    });
    expect(tt.findings.map((f) => [f.code, f.severity, f.layers])).toEqual([['vanishing-through-time', 'warning', ['gru']]]);
    expect(tt.findings[0]!.message).toContain("gru (backward): the gradient reaching step 1 is 2.00e-4 of step 3's");
  });

  it('each threshold gives its code; within them one info finding; a Bidirectional names its directions', () => {
    const o = { vanishingBelow: 1e-3, explodingAbove: 1e3 };
    const codes = (rows: number[][], sites = [site('a', 'forward', rows[0]!.length)]) => throughTime(sites, [rows], o).findings.map((f) => f.code);
    expect(codes([[1e4, 1]])).toEqual(['exploding-through-time']);
    expect(codes([[0.9e-3, 1]])).toEqual(['vanishing-through-time']);
    expect(codes([[1.1e-3, 1]])).toEqual(['healthy-through-time']);
    expect(
      codes(
        [
          [0.5, 1],
          [2e-5, 1],
        ],
        [site('bi', 'forward', 2), site('bi', 'backward', 2)],
      ),
    ).toEqual(['vanishing-through-time']);
    const bi = throughTime(
      [site('bi', 'forward', 2), site('bi', 'backward', 2)],
      [
        [
          [0.5, 1],
          [2e-5, 1],
        ],
      ],
      o,
    );
    expect(bi.findings[0]!.message).toMatch(/^bi \(backward\)/);
    expect(throughTime([], [[]], o).findings).toEqual([]);
    expect(codes([[NaN, 1]])).toEqual([]); // non-finite gradients: no "healthy" claim
  });
});

describe('through-time figure and digest', () => {
  const site = (direction: 'forward' | 'backward') => ({ layer: 'bi', where: 'layer "bi"', direction, shape: [2, 2], positions: [0, 1, 2, 3] });

  it('one series per layer and direction, zero norms left off the log axis; the digest samples five steps', async () => {
    const tt = throughTime(
      [site('forward'), site('backward')],
      [
        [
          [1e-3, 1e-2, 0.1, 1],
          [0, 0.5, 0.7, 1],
        ],
      ],
      GRADIENT_DEFAULTS,
      [[2, 3]],
    );
    const spec = throughTimeSpec(tt) as any;
    const rows = spec.data[0].values as { series: string; t: number }[];
    expect([...new Set(rows.map((r) => r.series))]).toEqual(['bi (forward): first/last 1.0e-3', 'bi (backward): first/last 0.0e+0']);
    expect(rows).toHaveLength(7);
    const svg = await new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG();
    expect(svg).toContain('Gradient through time (smallest first/last ratio 0.00e+0)');
    expect(sampledSteps(40)).toEqual([1, 10, 20, 30, 40]);
    expect(sampledSteps(3)).toEqual([1, 2, 3]);
    const digest = throughTimeDigest(tt).split('\n');
    expect(digest[4]).toMatch(/^bi \(forward\)\s+0\.001\s+0\.01\s+0\.1\s+1\s+0\.001\s+0\.1\s+2 ± /);
  });
});
