/**
 * Per-layer curvature with recurrent layers: their input kernel, recurrent kernel and bias are
 * separate diagonal blocks (per direction in a Bidirectional), other layers one block each. Checked
 * on layouts loaded from tfjs' own layers, on a coupled quadratic (the recurrent kernel's block is
 * H[rk, rk], not the layer's whole block) and on an LSTM's explicit Hessian, whose sub-blocks'
 * largest eigenvalue and trace each block must give.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { curvatureBlocks, perLayerCurvature } from '../src/curvature/per-layer-curvature.js';
import type { ParamLayout } from '../src/objective/types.js';
import { createRng } from '../src/random.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const T = 3,
  F = 2;

async function bundleOf(layers: tf.layers.Layer[]) {
  const model = tf.sequential({
    layers: [...layers, tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })],
  });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const bundle = loadModel(await checkpointFromModel(model));
  model.dispose();
  return bundle;
}

const lambdaMax = (M: Matrix) => Math.max(...new EigenvalueDecomposition(M).realEigenvalues);
const sub = (H: Matrix, idx: number[]) => new Matrix(idx.map((i) => idx.map((j) => H.get(i, j))));
const range = (o: number, n: number) => Array.from({ length: n }, (_, i) => o + i);

describe('curvature blocks', () => {
  it('an LSTM: kernel, recurrent_kernel, bias apart; a Bidirectional GRU: six blocks; Dense layers: one block', async () => {
    const names = (l: ParamLayout) => curvatureBlocks(l).map((g) => [g.name, g.blocks.length]);
    const lstm = await bundleOf([tf.layers.lstm({ units: 2, inputShape: [T, F] })]);
    const rnn = lstm.layout.blocks[0]!.layer;
    const dense = lstm.layout.blocks[3]!.layer;
    expect(names(lstm.layout)).toEqual([
      [`${rnn}/kernel`, 1],
      [`${rnn}/recurrent_kernel`, 1],
      [`${rnn}/bias`, 1],
      [dense, 2],
    ]);
    const bi = await bundleOf([tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as any, inputShape: [T, F] })]);
    const got = names(bi.layout).map(([n]) => String(n).replace(/^.*?\/(forward|backward)_\w+\//, '$1/'));
    expect(got.slice(0, 6)).toEqual([
      'forward/kernel',
      'forward/recurrent_kernel',
      'forward/bias',
      'backward/kernel',
      'backward/recurrent_kernel',
      'backward/bias',
    ]);
    const mlp = await bundleOf([tf.layers.dense({ units: 3, inputShape: [F] })]);
    expect(curvatureBlocks(mlp.layout).map((g) => g.blocks.length)).toEqual([2, 2]);
  });

  it("coupled quadratic: the recurrent kernel's block is H[rk, rk] (λmax 7), not the layer's (λmax 9.24)", async () => {
    // H = [[2, 0, 3], [0, 1, 0], [3, 0, 7]] over kernel (1), bias (1), recurrent_kernel (1)
    const H = [
      [2, 0, 3],
      [0, 1, 0],
      [3, 0, 7],
    ];
    const block = (name: string, offset: number) => ({
      layer: 'rnn',
      name: `rnn/${name}`,
      shape: [1],
      offset,
      size: 1,
      role: 'kernel' as const,
      filterAxis: null,
    });
    const layout = { dim: 3, blocks: [block('kernel', 0), block('bias', 1), block('recurrent_kernel', 2)] };
    const matvec = (v: Float64Array) => Float64Array.from(H.map((row) => row.reduce((s, h, j) => s + h * v[j]!, 0)));
    const r = await perLayerCurvature(matvec, layout, { maxIter: 5, probes: 4, seed: 0 });
    expect(r.map((l) => [l.layer, l.weights, l.params])).toEqual([
      ['rnn/kernel', ['rnn/kernel'], 1],
      ['rnn/bias', ['rnn/bias'], 1],
      ['rnn/recurrent_kernel', ['rnn/recurrent_kernel'], 1],
    ]);
    r.forEach((l, k) => {
      // 1×1 blocks: λ is the entry, and every Rademacher probe gives it
      expect(l.lambdaMax).toBeCloseTo([2, 1, 7][k]!, 12);
      expect(l.trace).toBeCloseTo([2, 1, 7][k]!, 12);
    });
    expect(lambdaMax(new Matrix(H))).toBeCloseTo((9 + Math.sqrt(61)) / 2, 10); // what the whole layer's block would say
  });

  it("LSTM on data: each block's λmax and trace = those of the explicit Hessian's sub-block", async () => {
    const bundle = await bundleOf([
      tf.layers.lstm({
        units: 2,
        inputShape: [T, F],
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.8, seed: 1 }),
        recurrentInitializer: tf.initializers.randomNormal({ stddev: 0.8, seed: 2 }),
      }),
    ]);
    const rng = createRng(4),
      n = 6;
    const x = Float32Array.from({ length: n * T * F }, () => rng.normal());
    const obj = new LocalObjective(
      bundle,
      prepareData(
        datasetOf(
          x,
          [T, F],
          Array.from({ length: n }, (_, i) => i % 2),
          'class-index',
        ),
        bundle.arch.inputShape,
        bundle.outDim,
        bundle.loss,
      ),
    );
    const d = bundle.layout.dim;
    const cols: number[][] = [];
    for (let j = 0; j < d; j++)
      cols.push(
        Array.from(
          await obj.hvp(
            bundle.theta0,
            Float32Array.from({ length: d }, (_, i) => (i === j ? 1 : 0)),
          ),
        ),
      );
    const H = new Matrix(cols).transpose();
    const sym = new Matrix(H.to2DArray().map((row, i) => row.map((h, j) => (h + H.get(j, i)) / 2)));
    // the blocks' operator is the explicit Hessian itself: what is checked is which sub-block each block takes
    const matvec = (v: Float64Array) => Float64Array.from(sym.mmul(Matrix.columnVector(Array.from(v))).getColumn(0));
    const r = await perLayerCurvature(matvec, bundle.layout, { maxIter: 64, probes: 400, seed: 1 });
    const groups = curvatureBlocks(bundle.layout);
    expect(r.map((l) => l.layer)).toEqual(groups.map((g) => g.name));
    const exact = groups.map((g) =>
      sub(
        sym,
        g.blocks.flatMap((b) => range(b.offset, b.size)),
      ),
    );
    r.forEach((l, k) => {
      const want = lambdaMax(exact[k]!),
        tr = exact[k]!.trace();
      expect(Math.abs(l.lambdaMax - want)).toBeLessThan(1e-3 * Math.abs(want) + 1e-6);
      expect(Math.abs(l.trace - tr)).toBeLessThan(4 * l.traceStderr! + 1e-6);
    });
    // the blocks differ: a mix-up of kernel and recurrent kernel fails the check above
    const lm = exact.map(lambdaMax);
    expect(Math.abs(lm[0]! - lm[1]!)).toBeGreaterThan(0.1 * Math.max(lm[0]!, lm[1]!));
    obj.dispose();
  });
});
